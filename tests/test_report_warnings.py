"""The report's "Before Amazon acts" block, headline numbers and trend charts, and the summary's names and width
(issue 9, part 3). Invented data; the expected order and links are worked out by hand in the comments."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from rich.console import Console

from scraper.capture import SectionCapture
from scraper.counters import CounterCheck
from scraper.findings import FindingRules
from scraper.monitor import AccountReport
from scraper.read import SectionOutcome
from scraper.records import CaseStatus
from scraper.report import render_html, report_data, write_report
from scraper.spec import DEFAULT_SPEC_PATH, Spec
from scraper.store import History, open_history
from scraper.summary import print_account_report
from scraper.trends import early_warnings, when_text
from tests.test_early_warning import DE, Sequence, aggregates, case, health, listing, request

EVIL = "<script>alert(1)</script> Öl & Essig"
HOST = "https://sellercentral.amazon.de"


def read(section: str, *records: object, counters: dict[str, int] | None = None, **kw: object) -> SectionOutcome:
    """A section read with its capture, so that links get the account's host, and Amazon's counts with their
    checks, which the history keeps (as in a real run)."""
    capture = SectionCapture(section, DE, "de_DE", f"{HOST}/anything?mons_sel_locale=de_DE")
    checks = tuple(CounterCheck(name, "not comparable", value) for name, value in (counters or {}).items())
    status = "ok" if records else "empty"
    return SectionOutcome(
        section, DE, status, tuple(records), "api", 1, counters=counters or {}, checks=checks, capture=capture, **kw
    )  # type: ignore[arg-type]


def night(day: str, rate: str, odr: str) -> list[SectionOutcome]:
    return [
        read("voice_of_customer", listing(rate, title=EVIL)),
        read("compliance_requests", request("2026-07-17")),
        read("case_log", case(CaseStatus.NEEDS_ATTENTION)),
        read("feedback", counters=aggregates((1, 1), 20, (2, 2), 60)),
        read("regulatory_compliance", summary=health(mfn=odr)),
    ]


@pytest.fixture
def history(history_target: str | Path, spec: Spec, monkeypatch: pytest.MonkeyPatch) -> Iterator[History]:
    with open_history(history_target) as h:
        seq = Sequence(h, spec, monkeypatch, FindingRules())
        seq.run("2026-07-01", *night("2026-07-01", "2.0", "BAD"))
        seq.run("2026-07-15", *night("2026-07-15", "3.1", "BAD"))
        yield h


def test_before_amazon_acts_comes_first_most_urgent_first_with_links(history: History, spec: Spec) -> None:
    page = render_html(report_data(history, spec=spec))
    soup = BeautifulSoup(page, "html.parser")
    headings = [h.get_text() for h in soup.find_all("h3")]
    assert headings[0] == "Before Amazon acts (5)"
    assert headings.index("Before Amazon acts (5)") < headings.index("Places checked")
    rows = soup.select("table.early tr")[1:]
    cells = [[td.get_text(" ", strip=True) for td in row.find_all("td")] for row in rows]
    # On 2026-07-15: the case has waited since 07-01 (14 days; 12 past the 2 allowed), Amazon rates the
    # seller-fulfilled ODR BAD (now), the request is due 07-17 (in 2 days), then the distances past a
    # threshold: feedback 10 % is 5 points over 5 %, the NCX rate 0.33 SD over mean + 1 SD.
    assert [(c[0], c[1], c[2], c[3]) for c in cells] == [
        ("waiting 14 days", "warning", "Germany (amazon.de)", "Case Log"),
        ("now", "warning", "Germany (amazon.de)", "Account Health"),
        ("in 2 days", "critical", "Germany (amazon.de)", "Product Compliance Requests"),
        ("past its threshold", "warning", "Germany (amazon.de)", "Feedback Manager"),
        ("past its threshold", "warning", "Germany (amazon.de)", "Voice of the Customer"),
    ]
    assert cells[0][4].startswith("case 123 has waited 14 days for your answer")
    assert cells[4][4].startswith("B0TEST0001 / X00TEST001: NCX rate 3.1 % is 1.3 standard deviations above")
    assert [row.find("a")["href"] for row in rows] == [
        f"{HOST}/cu/case-dashboard/view-case?caseID=123&mons_sel_mkid={DE}",
        f"{HOST}/performance/dashboard?mons_sel_mkid={DE}",
        f"{HOST}/spx/myc/compliance-requests?mons_sel_mkid={DE}",
        f"{HOST}/feedback-manager/index.html?mons_sel_mkid={DE}",
        f"{HOST}/voice-of-the-customer?asin=B0TEST0001&mons_sel_mkid={DE}",
    ]
    # names, never ids, in what a person reads
    assert DE not in " ".join(" ".join(c) for c in cells)


def test_the_report_escapes_page_text_and_draws_its_charts_offline(history: History, spec: Spec) -> None:
    page = render_html(report_data(history, spec=spec))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Öl &amp; Essig" in page
    soup = BeautifulSoup(page, "html.parser")
    charts = soup.select(".charts svg")
    assert len(charts) == 2  # the feedback share, and the one listing's NCX
    ncx = next(svg for svg in charts if "NCX rate of" in svg["aria-label"])
    assert ncx["aria-label"] == f"NCX rate of {EVIL} (B0TEST0001 / X00TEST001) against similar offers"
    assert ncx.find("polygon") is not None  # the category band
    assert [c.find("title").get_text() for c in ncx.find_all("circle")] == ["2026-07-01: 2 %", "2026-07-15: 3.1 %"]
    assert [c["fill"] for c in ncx.find_all("circle")] == ["#146eb4", "#b00020"]  # red above the band (2.7 %)
    figcaptions = [f.get_text(" ", strip=True) for f in soup.select(".charts figcaption")]
    assert "early warning · " + EVIL + " (B0TEST0001 / X00TEST001): now 3.1 % (similar offers: mean 1.5 %, " in (
        " ".join(figcaptions)
    )
    assert "now 10 % of 20 ratings (30 days), 6.7 % (90 days); from Amazon's counts" in figcaptions
    # no script and nothing fetched: the file stands alone
    assert soup.find("script") is None
    assert not re.search(r"""(src|href)=["']?https?://(?!sellercentral\.amazon\.de)""", page)


def test_headline_numbers_and_readable_changes(history: History, spec: Spec) -> None:
    data = report_data(history, spec=spec)
    (headline,) = data["accounts"][0]["headlines"]
    assert headline["marketplace_name"] == "Germany (amazon.de)"
    assert headline["missing"] == []
    assert [(line["name"], line["value"], line["status"]) for line in headline["lines"]] == [
        ("account status", "NORMAL", ""),
        ("Account Health Rating", "250", "HEALTHY"),
        ("order defect rate (seller-fulfilled)", "1.25 % (target under 1 %)", "BAD"),
        ("regulatory compliance", "0 violations", "GOOD"),
        ("listing policy", "0 violations", "GOOD"),
    ]
    changes = data["accounts"][0]["changes"]
    assert [(c["section_title"], c["title"], c["fields"]) for c in changes] == [
        ("Voice of the Customer", f"{EVIL} (B0TEST0001 / X00TEST001)", {"ncx_rate": ["2.0", "3.1"]})
    ]
    soup = BeautifulSoup(render_html(data), "html.parser")
    changes_table = next(h for h in soup.find_all("h3") if h.get_text().startswith("Changes")).find_next("table")
    assert '["B0TEST0001"' not in changes_table.get_text()
    health_table = next(h for h in soup.find_all("h3") if h.get_text() == "Account Health, Germany (amazon.de)")
    assert "1.25 % (target under 1 %)" in health_table.find_next("table").get_text()


def test_the_json_report_carries_the_block_and_the_series(history: History, spec: Spec, tmp_path: Path) -> None:
    out = write_report(history, tmp_path / "report.json", "json", spec=spec)
    account = json.loads(out.read_text(encoding="utf-8"))["accounts"][0]
    assert [f["rule"] for f in account["early"]] == [
        "case_waiting",
        "account_metric_bad",
        "due_final",
        "feedback_negative_share",
        "ncx_rate_above_category",
    ]
    (market,) = account["trends"]["ncx_by_listing"]
    (chart,) = market["listings"]
    assert chart["warned"] is True
    assert chart["points"] == [
        {"day": "2026-07-01", "rate": 2.0, "mean": 1.5, "threshold": 2.7},
        {"day": "2026-07-15", "rate": 3.1, "mean": 1.5, "threshold": 2.7},
    ]
    (share,) = account["trends"]["feedback_negative_share"]
    # 2 of 20 = 10 %; 4 of 60 = 6.67 %, both nights
    assert [(p["day"], p["share_30"], round(p["share_90"], 2)) for p in share["points"]] == [
        ("2026-07-01", 10.0, 6.67),
        ("2026-07-15", 10.0, 6.67),
    ]


def test_only_links_into_the_web_are_kept_and_info_stays_out_of_the_block() -> None:
    rows = [
        {"tags": ["early warning"], "severity": "warning", "detail": {"urgency": [1, -1], "link": "javascript:x()"}},
        {"tags": ["early warning"], "severity": "info", "detail": {"urgency": [0, 0], "link": "/x"}},
        {"tags": [], "severity": "critical", "detail": {"urgency": [0, 0]}},
        {"tags": ["early warning"], "severity": "critical", "detail": {"urgency": [0, -3], "link": "/ok"}},
    ]
    block = early_warnings(rows, None)
    assert [(f["severity"], f["link"], f["when"]) for f in block] == [
        ("critical", "/ok", "3 days overdue"),
        ("warning", None, "past its threshold"),
    ]
    assert when_text([0, 1]) == "in 1 day"
    assert when_text([2, -0.5]) == "trend"


# --- the summary ----------------------------------------------------------------------------------------------


def test_the_summary_fits_80_columns_and_names_places(
    history: History, spec: Spec, monkeypatch: pytest.MonkeyPatch
) -> None:
    seq = Sequence(history, spec, monkeypatch, FindingRules())
    report = seq.run("2026-07-16", *night("2026-07-16", "3.3", "BAD"))
    console = Console(record=True, width=80)
    print_account_report(console, report)
    text = console.export_text()
    table = text.split("changes: +new")[0].splitlines()
    assert all(len(line) <= 80 for line in table)
    for title in ("Voice of the Customer", "Product Compliance Requests", "Case Log", "Feedback Manager"):
        assert any(line.lstrip().startswith(title + " ") for line in table), title  # one line, not wrapped
    assert "Account main: run 3, Germany (amazon.de)" in text
    assert "  Case Log: Amazon's count not verified" in text
    assert "Account Health, Germany (amazon.de), from Regulatory Compliance:" in text
    assert "  policy compliance: 1 area GOOD" in text
    assert "  order defect rate (seller-fulfilled): 1.25 % (target under 1 %) BAD" in text
    assert "  account status NORMAL, Account Health Rating 250 (HEALTHY)" in text
    assert DE not in text


# --- the README's sample lines are what the seller sees -------------------------------------------------------


def _summary(report: AccountReport) -> str:
    console = Console(record=True, width=400)
    print_account_report(console, report)
    return console.export_text()


def test_the_readmes_sample_lines_are_printed_as_written(
    spec: Spec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (DEFAULT_SPEC_PATH.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("### Before Amazon acts")[1].split("Where the numbers come from")[0]
    samples = re.findall(r"`((?:WARNING |CRITICAL|INFO    ) [^`]+)`", block)
    assert len(samples) == 11
    printed = []

    def sequence(name: str, *nights: tuple[str, list[SectionOutcome]], **rules: int) -> None:
        with open_history(tmp_path / f"{name}.sqlite3") as h:
            seq = Sequence(h, spec, monkeypatch, FindingRules(**rules))
            printed.extend(_summary(seq.run(day, *outcomes)) for day, outcomes in nights)

    def ok(section: str, *records: object, **kw: object) -> list[SectionOutcome]:
        return [SectionOutcome(section, DE, "ok" if records else "empty", tuple(records), "api", 1, **kw)]  # type: ignore[arg-type]

    voc = [("2026-07-0" + str(i + 1), ok("voice_of_customer", listing(r))) for i, r in enumerate(["2.0", "2.7", "3.1"])]
    sequence("band", *voc)
    rising = ["1.0", "1.2", "1.2", "1.5", "1.8", "2.0"]
    sequence("rising", *[(f"2026-07-1{i}", ok("voice_of_customer", listing(r))) for i, r in enumerate(rising)])
    sequence("risk", ("2026-07-01", ok("voice_of_customer", listing("1.0", at_risk=True))))
    sequence("feedback", ("2026-07-01", ok("feedback", counters=aggregates((1, 1), 20, (1, 1), 60))))
    due = [(d, ok("compliance_requests", request("2026-08-10"))) for d in ("2026-08-08", "2026-08-11")]
    sequence("due", *due)
    cases = [(d, ok("case_log", case(CaseStatus.NEEDS_ATTENTION))) for d in ("2026-07-01", "2026-07-04")]
    sequence("case", *cases)
    nights = [
        ("2026-07-01", ok("regulatory_compliance", summary=health())),
        ("2026-07-02", ok("regulatory_compliance", summary=health(mfn="BAD"))),
    ]
    sequence("health", *nights)
    out = "\n".join(" ".join(p.split()) for p in printed)
    for sample in samples:
        assert " ".join(sample.split()) in out, sample


def test_the_report_command_draws_the_configured_band(
    history: History, history_target: str | Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scraper.cli import EXIT_OK, main

    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path / "home"))  # no configuration there
    config = tmp_path / "elsewhere.yaml"
    config.write_text(
        "accounts:\n  main:\n    host: https://sellercentral.amazon.de\n    email: s@example.com\n"
        "    marketplaces: [A1PA6795UKMFR9]\nfindings:\n  voc_category_sds: 2\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    args = ["--config", str(config), "report", "--db", str(history_target), "--format", "json", "--out", str(out)]
    assert main(args) == EXIT_OK
    (market,) = json.loads(out.read_text(encoding="utf-8"))["accounts"][0]["trends"]["ncx_by_listing"]
    # 1.5 + 2 * 1.2 = 3.9: the configured k, not the default
    assert (market["k"], market["listings"][0]["points"][-1]["threshold"]) == (2, 3.9)
    html = tmp_path / "r.html"
    assert main(["report", "--db", str(history_target), "--out", str(html)]) == EXIT_OK  # no configuration: defaults
    assert "mean + 1 standard deviation," in html.read_text(encoding="utf-8")
