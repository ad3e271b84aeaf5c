"""`scraper doctor --account` on the demo site with release faults: the doctor walks the live sections,
proposes a patch, and with the patched selectors.yaml a run reads every section's records of the demo list again.
Where no safe fix exists (the page shows a row its JSON lacks), it says so and exits 3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.cli import main
from scraper.config import load_config
from scraper.demo.server import DEMO_EMAIL, DemoOptions, DemoServer
from scraper.run import RunOptions, run_account
from scraper.serialize import to_jsonable
from scraper.spec import load_spec
from tests.conftest import CHROMIUM_ARGS, use_demo_env
from tests.demo_data import demo_run_records

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shared_browser")]
DE = "A1PA6795UKMFR9"

FAULTS = {
    "case_log": "markup_changed",  # the rows are another element now
    "notifications": "endpoint_moved",  # the page fetches its JSON from a new path
    "feedback": "classes_renamed",  # the cells' classes carry a build hash
    "voice_of_customer": "json_field_renamed",  # the JSON sends the ASIN under a new name
    "compliance_requests": "leading_column",  # a checkbox column in front (the spec reads through it)
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_demo_env(tmp_path, monkeypatch, columns=200)


@pytest.fixture
def demo(env: Path) -> Iterator[DemoServer]:
    with DemoServer(DemoOptions()) as server:
        yield server


def config(env: Path, server: DemoServer, sections: list[str]) -> Path:
    path = env / "config.yaml"
    path.write_text(
        "settings: {delay_ms: 0, jitter_ms: 0, timeout_ms: 10000}\n"
        f"accounts:\n  demo:\n    host: {server.base_url}\n    email: {DEMO_EMAIL}\n    marketplaces: [{DE}]\n"
        f"    sections: [{', '.join(sections)}]\n",
        encoding="utf-8",
    )
    return path


def test_doctor_repairs_the_live_faults_and_the_patched_spec_reads_golden(
    demo: DemoServer, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.options.faults = dict(FAULTS)
    cfg = config(env, demo, list(FAULTS))
    spec = load_spec()
    account = load_config(cfg).account("demo")
    settings = load_config(cfg).settings
    options = RunOptions(browser_args=tuple(CHROMIUM_ARGS), sections=tuple(FAULTS))
    before = run_account(spec, account, settings, options, notify=lambda m: None)
    # Without the doctor: the changed page is only a notice, a moved endpoint or a renamed JSON key is not.
    assert {o.section: o.status for o in before.outcomes}["voice_of_customer"] == "error"
    assert any("did not call" in n for o in before.outcomes for n in o.notices)

    patched = env / "selectors.patched.yaml"
    saved = env / "captures"
    code = main(["--config", str(cfg), "doctor", "--account", "demo", "--write", str(patched), "--save", str(saved)])
    out = capsys.readouterr().out
    assert code == 1, out
    assert out.count("verdict: fix proposed") == 4
    assert out.count("verdict: nothing to fix") == 1  # the leading column: the spec reads through it
    assert "/performance/api/notificationV2" in out  # the moved endpoint, found among the page's other calls
    assert "listingAsin" in out  # the renamed JSON field, found by the ASINs the page shows
    assert "kat-data-row" in out  # the renamed rows
    assert sorted(p.parent.name for p in saved.rglob("capture.json")) == sorted(FAULTS)
    # The doctor's walk keeps the page's other JSON calls: where the moved endpoint was found.
    assert sorted(p.name for p in (saved / DE / "notifications").glob("*.other-*.json"))[:1] == ["page-1.other-1.json"]

    fixed = load_spec(patched)  # strictly, as every run loads it
    after = run_account(fixed, account, settings, options, notify=lambda m: None)
    assert after.error is None
    for outcome in after.outcomes:
        assert outcome.status == "ok", (outcome.section, outcome.message)
        assert outcome.notices == [], outcome.notices
        assert to_jsonable(list(outcome.records)) == demo_run_records(spec, outcome.section), outcome.section
    # The saved captures replay offline with the patched file as the run read them.
    assert main(["--spec", str(patched), "parse", str(saved / DE / "feedback")]) == 0
    assert demo.write_actions() == []


def test_doctor_says_when_page_and_json_really_disagree(
    demo: DemoServer, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.options.faults = {"feedback": "extra_dom_row"}
    cfg = config(env, demo, ["feedback"])
    assert main(["--config", str(cfg), "doctor", "--account", "demo", "--max-pages", "1"]) == 3
    out = capsys.readouterr().out
    assert "the data differ; nothing to change in selectors.yaml" in out
    assert "no change to propose" in out
