"""An account's sections read in several tabs (scraper.tabs): how they are shared out and put back together."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.config import Account, load_config
from scraper.errors import ConfigError
from scraper.read import SectionOutcome
from scraper.run import AccountRun
from scraper.tabs import merge_runs, split_sections

DE, FR = "A1PA6795UKMFR9", "A13V1IB3VIYZZH"
SIX = ("notifications", "voice_of_customer", "case_log", "regulatory_compliance", "compliance_requests", "feedback")


@pytest.mark.parametrize(
    ("tabs", "groups"),
    [
        (1, [SIX]),
        (2, [SIX[0::2], SIX[1::2]]),
        (
            4,
            [
                ("notifications", "compliance_requests"),
                ("voice_of_customer", "feedback"),
                ("case_log",),
                ("regulatory_compliance",),
            ],
        ),
        (6, [(s,) for s in SIX]),
        (9, [(s,) for s in SIX]),  # never an empty tab
    ],
)
def test_sections_are_dealt_round_robin(tabs: int, groups: list[tuple[str, ...]]) -> None:
    assert split_sections(SIX, tabs) == groups


def test_two_sections_in_three_tabs_make_two_tabs() -> None:
    assert split_sections(["feedback", "case_log"], 3) == [("feedback",), ("case_log",)]


def _outcome(section: str, marketplace: str, status: str = "ok") -> SectionOutcome:
    return SectionOutcome(section, marketplace, status)  # type: ignore[arg-type]


def test_merged_run_lists_marketplace_then_section_order_and_keeps_the_first_stop() -> None:
    account = Account("shop", "https://sellercentral.amazon.de", "s@example.com", "de_DE", (DE, FR), SIX[:3])
    first = AccountRun(
        "shop",
        [
            _outcome("notifications", DE),
            _outcome("case_log", DE),
            _outcome("notifications", FR),
            _outcome("case_log", FR, "error"),
        ],
        sign_ins=1,
    )
    second = AccountRun(
        "shop",
        [_outcome("voice_of_customer", DE), _outcome("voice_of_customer", FR, "signed_out")],
        error="[shop] log in again",
        error_kind="login needed",
        evidence=Path("/evidence/run"),
    )
    merged = merge_runs(account, SIX[:3], [first, second])
    assert [(o.marketplace, o.section, o.status) for o in merged.outcomes] == [
        (DE, "notifications", "ok"),
        (DE, "voice_of_customer", "ok"),
        (DE, "case_log", "ok"),
        (FR, "notifications", "ok"),
        (FR, "voice_of_customer", "signed_out"),
        (FR, "case_log", "error"),
    ]
    assert (merged.error, merged.error_kind, merged.sign_ins, merged.evidence) == (
        "[shop] log in again",
        "login needed",
        1,
        Path("/evidence/run"),
    )
    assert not merged.all_read


@pytest.mark.parametrize(("value", "ok"), [(1, True), (6, True), (0, False), (7, False)])
def test_section_tabs_is_bounded(tmp_path: Path, value: int, ok: bool) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"settings:\n  section_tabs: {value}\naccounts:\n  main:\n    host: https://sellercentral.amazon.de\n"
        f"    email: s@example.com\n    marketplaces: [{DE}]\n",
        encoding="utf-8",
    )
    if ok:
        assert load_config(path).settings.section_tabs == value
    else:
        with pytest.raises(ConfigError, match=r"settings\.section_tabs: expected a whole number from 1 to 6"):
            load_config(path)
