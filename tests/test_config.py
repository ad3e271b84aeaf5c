"""The accounts configuration: a valid file loads; every mistake names the key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.config import load_config
from scraper.errors import ConfigError
from scraper.records import RECORD_TYPES

GOOD = """\
settings:
  delay_ms: 500
accounts:
  main:
    host: https://sellercentral.amazon.de/
    email: seller@example.com
    marketplaces: [A1PA6795UKMFR9, A1F83G8C2ARO7P]
  agency-client_2:
    host: https://sellercentral.amazon.co.uk
    email: other@example.com
    locale: en_GB
    marketplaces: [A1F83G8C2ARO7P]
    sections: [feedback, case_log]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.settings.delay_ms == 500
    assert config.settings.jitter_ms == 1000  # default
    main = config.account("main")
    assert main.host == "https://sellercentral.amazon.de"
    assert main.locale == "de_DE"
    assert main.marketplaces == ("A1PA6795UKMFR9", "A1F83G8C2ARO7P")
    assert main.sections == tuple(RECORD_TYPES)
    other = config.account("agency-client_2")
    assert (other.locale, other.sections) == ("en_GB", ("feedback", "case_log"))


def test_choosing_an_account(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="several accounts; choose one with --account"):
        config.account(None)
    with pytest.raises(ConfigError, match=r"no such account \(known: main, agency-client_2\)"):
        config.account("nope")


@pytest.mark.parametrize(
    ("old", "new", "where", "words"),
    [
        ("  delay_ms: 500", "  delay: 500", "settings.delay", "unknown key 'delay'"),
        ("  delay_ms: 500", "  delay_ms: -5", "settings.delay_ms", "whole number"),
        # 0 would switch every timeout off (a stalled site hangs the run, holding the lock); huge values overflow.
        ("  delay_ms: 500", "  delay_ms: 500\n  timeout_ms: 0", "settings.timeout_ms", "from 1000 to 3600000"),
        ("  delay_ms: 500", "  delay_ms: 500\n  timeout_ms: 99999999999", "settings.timeout_ms", "to 3600000"),
        ("  delay_ms: 500", "  delay_ms: 500\n  max_pages: 0", "settings.max_pages", "from 1 to 100000"),
        ("  delay_ms: 500", "  delay_ms: 500\n  human_timeout_s: 0", "settings.human_timeout_s", "from 1 to 3600"),
        (
            "    host: https://sellercentral.amazon.de/",
            "    host: sellercentral.amazon.de",
            "accounts.main.host",
            "expected a base URL",
        ),
        ("    email: seller@example.com", "    email: seller", "accounts.main.email", "e-mail address"),
        ("[A1PA6795UKMFR9, A1F83G8C2ARO7P]", "[germany]", "accounts.main.marketplaces", "not a marketplace id"),
        (
            "sections: [feedback, case_log]",
            "sections: [feedback, orders]",
            "accounts.agency-client_2.sections",
            "unknown section 'orders'",
        ),
        ("    locale: en_GB", "    locale: fr_FR", "accounts.agency-client_2.locale", "de_DE, en_US"),
        ("    marketplaces: [A1F83G8C2ARO7P]\n", "", "accounts.agency-client_2", "missing required key 'marketplaces'"),
        ("  main:", "  main account:", "accounts.main account", "letters, digits"),
        (
            "    email: other@example.com",
            "    email: other@example.com\n    password: hunter2",
            "accounts.agency-client_2.password",
            "unknown key 'password'",
        ),
    ],
)
def test_mistakes_name_key_and_line(tmp_path: Path, old: str, new: str, where: str, words: str) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.where == where
    assert words in info.value.message
    assert info.value.line is not None


def test_a_secret_in_the_config_is_not_echoed(tmp_path: Path) -> None:
    path = write(
        tmp_path, GOOD.replace("    email: other@example.com", "    email: other@example.com\n    password: hunter2")
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "hunter2" not in str(info.value)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no configuration file"):
        load_config(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(write(tmp_path, "accounts: {}\n"))
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "accounts: [\n"))


def test_finding_thresholds_are_read_from_the_config(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD + "findings:\n  voc_category_sds: 2\n  due_soon_days: 3\n"))
    assert (config.rules.voc_category_sds, config.rules.due_soon_days) == (2, 3)
    assert load_config(write(tmp_path, GOOD)).rules.voc_category_sds == 1


def test_resource_blocking_is_on_by_default_and_can_be_switched_off(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, GOOD)).settings.block_resources is True
    off = GOOD.replace("  delay_ms: 500\n", "  delay_ms: 500\n  block_resources: false\n")
    assert load_config(write(tmp_path, off)).settings.block_resources is False
    with pytest.raises(ConfigError, match="block_resources"):
        load_config(write(tmp_path, GOOD.replace("  delay_ms: 500\n", "  block_resources: sometimes\n")))
