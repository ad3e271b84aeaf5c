"""read_section on captures built from the fixtures: JSON first, the page as a witness, and every way a
section can fail to be read (fault injection on the capture, no browser)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from scraper.capture import CapturedPage, CaptureProblem, Exchange, SectionCapture, load_capture, save_capture
from scraper.cli import EXIT_OK, EXIT_UNREADABLE, main
from scraper.errors import CaptureFormatError
from scraper.marketplace import marketplace_shown
from scraper.read import page_only_fields, read_section
from scraper.redact import Redactor
from scraper.serialize import to_jsonable
from scraper.spec import Spec, load_spec
from scraper.walk import replay_request
from tests.fixture_cases import all_cases, run_golden

DE, UK = "A1PA6795UKMFR9", "A1F83G8C2ARO7P"
CASES = all_cases()
SPEC = load_spec()
PAIRS = sorted(
    {(c.section, c.name) for c in CASES if c.source == "dom"}
    & {(c.section, c.name) for c in CASES if c.source == "api" and not c.is_summary}
)
SIGNIN_PAGE = '<html lang="de"><body><form action="/ap/signin"><input id="ap_email"></form></body></html>'
CHANGED_PAGE = '<html lang="de"><body><main><div class="new-list"><div>a row</div></div></main></body></html>'


def fixture(section: str, source: str, name: str) -> bytes:
    suffix = "html" if source == "dom" else "json"
    return (Path(__file__).parent.parent / "fixtures" / section / source / f"{name}.{suffix}").read_bytes()


def golden(section: str, source: str, name: str) -> list:
    path = Path(__file__).parent.parent / "fixtures" / section / source / f"{name}.expected.json"
    return json.loads(path.read_text(encoding="utf-8"))["records"]


def rows(section: str, name: str, status: int = 200, url: str = "https://sc.test/api?page=0") -> Exchange:
    return Exchange("rows", url, "GET", status, fixture(section, "api", name))


def capture_of(section: str, *pages: CapturedPage, marketplace: str | None = None) -> SectionCapture:
    """A capture for the marketplace the first page shows (fixtures come from several), else Germany."""
    if marketplace is None:
        shown = next((marketplace_shown(p.html, SPEC) for p in pages if p.html is not None), None)
        marketplace = shown if isinstance(shown, str) else DE
    return SectionCapture(section, marketplace, "de_DE", f"https://sc.test/{section}", pages=list(pages))


def with_label(html: str, label: str) -> str:
    """The page with the EU switcher's label in its header, as the live shell shows it."""
    badge = f'<span class="dropdown-account-switcher-header-label-regional">{label}</span>'
    return html.replace("<body>", f"<body>{badge}", 1) if "<body>" in html else badge + html


def page(html: str | bytes | None, *exchanges: Exchange, label: str | None = None) -> CapturedPage:
    text = html.decode("utf-8") if isinstance(html, bytes) else html
    if text is not None and label is not None:
        text = with_label(text, label)
    return CapturedPage("https://sc.test/x", text, list(exchanges), label)


# One page of a paged list read alone: Amazon's own count (body total or the page's counter) is the whole list's,
# so the read is incomplete with both numbers (counted by hand in the fixtures: Amazon's count, records on the page).
ONE_PAGE_OF_MORE = {
    ("case_log", "paged-1"): (13, 10),  # totalNumberOfResults 13, "Fälle 1 bis 10 von 13"
    ("case_log", "paged-2"): (13, 3),
    ("compliance_requests", "paged-1"): (7, 4),  # issueCount.incompleteCount 7, "Requests: 7"
    ("compliance_requests", "paged-2"): (7, 3),
    ("regulatory_compliance", "paged-1"): (5, 3),  # sub-title "Violations: 5" (no summary call in this capture)
    ("regulatory_compliance", "paged-2"): (5, 2),
    ("voice_of_customer", "paged-1"): (8, 5),  # totalListingsCount 8
    ("voice_of_customer", "paged-2"): (8, 3),
}


@pytest.mark.parametrize(("section", "name"), PAIRS, ids=[f"{s}/{n}" for s, n in PAIRS])
def test_page_with_its_json_reads_the_json_and_the_page_confirms_it(spec: Spec, section: str, name: str) -> None:
    capture = capture_of(section, page(fixture(section, "dom", name), rows(section, name)))
    outcome = read_section(spec, spec.section(section), capture)
    short = ONE_PAGE_OF_MORE.get((section, name))
    status = "incomplete" if short else "empty" if name == "empty" else "ok"
    assert (outcome.status, outcome.source, outcome.notices) == (status, "api", [])
    assert to_jsonable(list(outcome.records)) == run_golden(spec, section, name)
    if short:
        assert outcome.counted == short[0]
        assert f"Amazon counts {short[0]}, the read has {short[1]}" in (outcome.message or "")


def test_overlapping_responses_are_read_once(spec: Spec) -> None:
    """Feedback Manager fires /feedbacks two or three times for one page: same rows, counted once."""
    capture = capture_of(
        "feedback",
        page(fixture("feedback", "dom", "de-typical"), *(rows("feedback", "de-typical") for _ in range(3))),
    )
    outcome = read_section(spec, spec.section("feedback"), capture)
    assert outcome.status == "ok"
    assert to_jsonable(list(outcome.records)) == run_golden(spec, "feedback", "de-typical")
    assert outcome.duplicates == 2 * len(outcome.records)


def test_page_and_json_with_different_rows_are_drift(spec: Spec) -> None:
    capture = capture_of("case_log", page(fixture("case_log", "dom", "paged-1"), rows("case_log", "paged-2")))
    outcome = read_section(spec, spec.section("case_log"), capture)
    assert outcome.status == "drift"
    assert "page and JSON disagree" in (outcome.message or "")


def test_json_rows_the_page_shows_as_empty_are_drift(spec: Spec) -> None:
    capture = capture_of("case_log", page(fixture("case_log", "dom", "empty"), rows("case_log", "paged-1")))
    outcome = read_section(spec, spec.section("case_log"), capture)
    assert outcome.status == "drift"
    assert "0 row(s) only on the page" in (outcome.message or "")


def test_a_witness_that_no_longer_matches_is_a_notice_not_a_lost_section(spec: Spec) -> None:
    capture = capture_of("feedback", page(CHANGED_PAGE, rows("feedback", "de-typical")))
    outcome = read_section(spec, spec.section("feedback"), capture)
    assert (outcome.status, outcome.source, outcome.message) == ("ok", "api", None)
    assert to_jsonable(list(outcome.records)) == golden("feedback", "api", "de-typical")
    (notice,) = outcome.notices
    assert spec.section("feedback").dom.rows in notice
    assert "maintenance" in notice


def test_a_changed_page_without_json_is_drift(spec: Spec) -> None:
    capture = capture_of("feedback", page(CHANGED_PAGE))
    outcome = read_section(spec, spec.section("feedback"), capture)
    assert outcome.status == "drift"
    assert outcome.records == ()


def test_a_page_that_did_not_call_its_endpoint_is_read_from_the_page_and_said(spec: Spec) -> None:
    capture = capture_of("feedback", page(fixture("feedback", "dom", "de-typical")))
    outcome = read_section(spec, spec.section("feedback"), capture)
    assert (outcome.status, outcome.source) == ("ok", "dom")
    assert any("did not call" in n for n in outcome.notices)
    assert to_jsonable(list(outcome.records)) == golden("feedback", "dom", "de-typical")


def test_the_sign_in_page_is_signed_out_not_empty(spec: Spec) -> None:
    capture = capture_of("feedback", page(SIGNIN_PAGE, rows("feedback", "empty")))
    outcome = read_section(spec, spec.section("feedback"), capture)
    assert outcome.status == "signed_out"
    assert outcome.records == ()


@pytest.mark.parametrize(
    ("label", "status"),
    [
        ("Deutschland", "ok"),
        ("Olivia Demo GmbH | Deutschland", "ok"),
        ("Germany", "ok"),
        ("United Kingdom", "wrong marketplace"),
    ],
)
def test_the_marketplace_the_page_shows_decides(spec: Spec, label: str, status: str) -> None:
    html = fixture("case_log", "dom", "de-typical")
    capture = capture_of("case_log", page(html, rows("case_log", "de-typical"), label=label), marketplace=DE)
    outcome = read_section(spec, spec.section("case_log"), capture)
    assert outcome.status == status
    if status != "ok":
        assert outcome.records == ()
        assert DE in (outcome.message or "")
        assert UK in (outcome.message or "")


def test_an_unknown_switcher_label_reads_but_says_so(spec: Spec) -> None:
    capture = capture_of(
        "case_log", page(fixture("case_log", "dom", "de-typical"), rows("case_log", "de-typical"), label="Atlantis")
    )
    outcome = read_section(spec, spec.section("case_log"), capture)
    assert outcome.status == "ok"
    assert any("'Atlantis'" in n for n in outcome.notices)


def test_a_failed_data_call_is_an_error_unless_another_call_of_the_page_succeeded(spec: Spec) -> None:
    section = spec.section("feedback")
    html = fixture("feedback", "dom", "de-typical")
    failed = Exchange("rows", "https://sc.test/fbmapi/v1/feedbacks?x=1", "GET", 500, b'{"message": "oops"}')
    outcome = read_section(spec, section, capture_of("feedback", page(html, failed)))
    assert outcome.status == "error"
    assert "HTTP 500" in (outcome.message or "")
    assert "/fbmapi/v1/feedbacks" in (outcome.message or "")
    outcome = read_section(spec, section, capture_of("feedback", page(html, failed, rows("feedback", "de-typical"))))
    assert outcome.status == "ok"


def test_a_failed_replayed_page_is_an_error_not_fewer_records(spec: Spec) -> None:
    section = spec.section("feedback")
    first = page(fixture("feedback", "dom", "paged-1"), rows("feedback", "paged-1"))
    second = CapturedPage("https://sc.test/x", None, [Exchange("rows", "https://sc.test/api", "GET", 429, b"{}")])
    outcome = read_section(spec, section, capture_of("feedback", first, second))
    assert outcome.status == "error"
    assert "page 2" in (outcome.message or "")


def test_replayed_json_pages_add_records_without_a_witness(spec: Spec) -> None:
    section = spec.section("feedback")
    first = page(fixture("feedback", "dom", "paged-1"), rows("feedback", "paged-1"))
    second = CapturedPage("https://sc.test/x", None, [rows("feedback", "paged-2")])
    outcome = read_section(spec, section, capture_of("feedback", first, second))
    assert outcome.status == "ok"
    # The page of the first part fills what only it shows; the replayed part has no page to do so.
    assert to_jsonable(list(outcome.records)) == run_golden(spec, "feedback", "paged-1") + golden(
        "feedback", "api", "paged-2"
    )


@pytest.mark.parametrize("kind", ["signed_out", "drift", "error"])
def test_a_problem_the_browser_met_is_the_status(spec: Spec, kind: str) -> None:
    capture = capture_of("feedback")
    capture.problem = CaptureProblem(kind, f"[feedback] {kind} happened")  # type: ignore[arg-type]
    outcome = read_section(spec, spec.section("feedback"), capture)
    assert (outcome.status, outcome.message, outcome.records) == (kind, f"[feedback] {kind} happened", ())


def test_a_capture_without_pages_is_an_error(spec: Spec) -> None:
    outcome = read_section(spec, spec.section("case_log"), capture_of("case_log"))
    assert outcome.status == "error"


def test_capture_directory_round_trip_is_redacted_private_and_replays(
    spec: Spec, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    order = "302-9999999-1234567"
    html = fixture("feedback", "dom", "de-typical").decode("utf-8").replace("</body>", f"<p>{order}</p></body>")
    capture = capture_of(
        "feedback",
        page(
            html,
            Exchange(
                "rows",
                f"https://sc.test/fbmapi/v1/feedbacks?o={order}",
                "GET",
                200,
                fixture("feedback", "api", "de-typical"),
                '{"q": 1}',
            ),
        ),
    )
    written = save_capture(capture, tmp_path / "cap", Redactor(keep_ids=spec.marketplaces), note="test")
    redacted_html = (tmp_path / "cap" / "page-1.html").read_text(encoding="utf-8")
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written)
    assert all(order not in p.read_text(encoding="utf-8") for p in written)
    loaded = load_capture(tmp_path / "cap")
    assert (loaded.section, loaded.marketplace, len(loaded.pages)) == ("feedback", DE, 1)
    assert loaded.pages[0].exchanges[0].post_data is not None
    assert loaded.pages[0].html == redacted_html
    assert main(["parse", str(tmp_path / "cap"), "--format", "json"]) == EXIT_OK
    replayed = json.loads(capsys.readouterr().out)
    assert (replayed["status"], replayed["source"], replayed["marketplace"]) == ("ok", "api", DE)
    assert len(replayed["records"]) == len(golden("feedback", "api", "de-typical"))
    assert main(["parse", "case_log", str(tmp_path / "cap")]) != EXIT_OK  # a capture of another section


def test_replaying_an_unreadable_capture_exits_unreadable(spec: Spec, tmp_path: Path) -> None:
    save_capture(capture_of("feedback", page(SIGNIN_PAGE)), tmp_path / "cap")
    assert main(["parse", str(tmp_path / "cap")]) == EXIT_UNREADABLE


@pytest.mark.parametrize(
    ("index", "problem"),
    [
        ("{", "cannot read the index"),
        ('{"format": 99}', "format 99"),
        ('{"format": 1, "section": "feedback"}', "'pages'"),
        (
            '{"format": 1, "section": "feedback", "marketplace": "X", "locale": "de", "requested_url": "/", '
            '"pages": [{"url": "/", "html": "../../etc/passwd", "exchanges": []}]}',
            "not a file of the capture",
        ),
    ],
)
def test_a_malformed_capture_is_refused_with_the_place(tmp_path: Path, index: str, problem: str) -> None:
    (tmp_path / "capture.json").write_text(index)
    with pytest.raises(CaptureFormatError, match=problem):
        load_capture(tmp_path)


def test_replay_request_advances_a_row_offset_until_the_total(spec: Spec) -> None:
    section = spec.section("voice_of_customer")
    assert section.api is not None
    assert section.api.paging is not None
    paging = section.api.paging
    body = {section.api.rows: [{"asin": f"B0TEST{n:04d}"} for n in range(paging.size)]}
    if section.api.total:
        body[section.api.total] = paging.size * 2 + 1
    url = f"https://sc.test/pcrHealth/pcrListingSummary?{paging.page_param}={paging.start}&{paging.size_param}={paging.size}"
    nxt = replay_request(section, Exchange("rows", url, "GET", 200, json.dumps(body).encode()))
    assert nxt is not None
    step = paging.size if paging.unit == "row" else 1
    assert f"{paging.page_param}={paging.start + step}" in nxt[0]
    short = {**body, section.api.rows: body[section.api.rows][:3]}
    if section.api.total:
        short[section.api.total] = paging.size + 3
    last_url = nxt[0]
    assert replay_request(section, Exchange("rows", last_url, "GET", 200, json.dumps(short).encode())) is None


def test_replay_request_advances_a_page_number_in_a_post_body(spec: Spec) -> None:
    section = spec.section("case_log")
    assert section.api is not None
    assert section.api.paging is not None
    paging = section.api.paging
    body = {section.api.rows: [{"caseId": str(n)} for n in range(paging.size)], section.api.total: paging.size * 3}
    post = json.dumps({paging.page_param: paging.start, paging.size_param: paging.size, "other": "kept"})
    nxt = replay_request(
        section, Exchange("rows", "https://sc.test/SearchForCases", "POST", 200, json.dumps(body).encode(), post)
    )
    assert nxt is not None
    sent = json.loads(nxt[1] or "{}")
    step = paging.size if paging.unit == "row" else 1
    assert (sent[paging.page_param], sent["other"]) == (paging.start + step, "kept")
    done = {**body, section.api.total: paging.size}
    assert (
        replay_request(section, Exchange("rows", "https://sc.test/S", "POST", 200, json.dumps(done).encode(), post))
        is None
    )


def test_replay_request_hands_back_the_continuation_token(spec: Spec) -> None:
    section = spec.section("regulatory_compliance")
    assert section.api is not None
    paging = section.api.paging
    assert paging is not None
    assert paging.token_param is not None
    assert paging.token_path is not None
    rows = [{"violationId": "v1"}, {"violationId": "v2"}]
    url = f"https://sc.test/performance/api/product/policy/defects/pagination?{paging.page_param}=0&pageSize=25"
    body = {section.api.rows: rows, paging.token_path: "TOKEN-2"}
    nxt = replay_request(section, Exchange("rows", url, "POST", 200, json.dumps(body).encode(), "{}"))
    assert nxt is not None
    assert f"{paging.token_param}=TOKEN-2" in nxt[0]
    assert f"{paging.page_param}={2 if paging.unit == 'row' else 1}" in nxt[0]
    assert nxt[1] == "{}"
    for last in ("", None):
        body = {section.api.rows: rows, paging.token_path: last}
        assert replay_request(section, Exchange("rows", url, "POST", 200, json.dumps(body).encode(), "{}")) is None


def test_a_failing_section_whose_url_was_never_seen_says_so(spec: Spec) -> None:
    section = spec.section("compliance_requests")
    assert not section.url_seen
    outcome = read_section(spec, section, capture_of("compliance_requests", page(CHANGED_PAGE)))
    assert outcome.status == "drift"
    assert "never seen on the live site" in (outcome.message or "")
    outcome = read_section(spec, spec.section("feedback"), capture_of("feedback", page(CHANGED_PAGE)))
    assert "never seen on the live site" not in (outcome.message or "")


def test_the_passkey_prompt_is_signed_out(spec: Spec) -> None:
    claim = '<html lang="en"><body><a class="signin-with-another-account" href="/ap/signin">other</a></body></html>'
    outcome = read_section(spec, spec.section("case_log"), capture_of("case_log", page(claim)))
    assert outcome.status == "signed_out"


def test_fields_only_the_page_shows_come_from_the_witness(spec: Spec) -> None:
    section = spec.section("feedback")
    assert "amazon_message" in page_only_fields(section)
    capture = capture_of("feedback", page(fixture("feedback", "dom", "de-typical"), rows("feedback", "de-typical")))
    records = to_jsonable(list(read_section(spec, section, capture).records))
    assert any(r["amazon_message"] for r in records)
    assert all(r["amazon_message"] is None for r in golden("feedback", "api", "de-typical"))


@pytest.mark.parametrize(
    ("body", "words"),
    [(b"[" * 100_000 + b"]" * 100_000, "nested too deeply"), (b'{"feedbacks": ["\xff\xfe"]}', "not UTF-8")],
)
def test_a_hostile_body_fails_its_section_only(spec: Spec, body: bytes, words: str) -> None:
    bad = Exchange("rows", "https://sc.test/fbmapi/v1/feedbacks", "GET", 200, body)
    outcome = read_section(
        spec, spec.section("feedback"), capture_of("feedback", page(fixture("feedback", "dom", "de-typical"), bad))
    )
    assert outcome.status == "error"
    assert words in (outcome.message or "")
