"""The demo's fault catalogue over plain HTTP: each fault does what its one line says; unknown ones are refused."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from scraper import cli
from scraper.demo import server as demo_server
from scraper.demo.faults import SECTION_FAULTS, SITE_FAULTS, HttpFault, catalogue, parse_fault, parse_status
from scraper.demo.server import DemoOptions, DemoServer
from tests.helpers import Client

CASES_CALL = "/hill/hillservice/mons-api/SearchForCases"
CASES_BODY = {"page": 0, "searchPageSize": 10, "sortBy": "CreationDate"}


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(DemoOptions()) as demo:
        yield demo


@pytest.fixture
def signed_in(server: DemoServer) -> Client:
    client = Client(server.base_url)
    assert client.sign_in().soup().select_one("#sc-content-container") is not None
    return client


def raw(server: DemoServer, method: str, path: str, cookies: str, body: bytes = b"") -> http.client.HTTPResponse:
    """A request with http.client, which shows a cut or dropped answer as it is."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    headers = {"Cookie": cookies, "Content-Type": "application/json", "Content-Length": str(len(body))}
    connection.request(method, path, body=body, headers=headers)
    return connection.getresponse()


def cookies(client: Client) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in client.jar)


# --- the registry and its checks ---------------------------------------------------------------------------


def test_every_fault_has_a_one_line_description_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    text = catalogue()
    for name, kind in SECTION_FAULTS.items():
        assert "\n" not in kind.description
        assert f"  {name} " in text
    for option in SITE_FAULTS:
        assert option in text
    for main, argv in ((cli.main, ["demo", "--help"]), (demo_server.main, ["--help"])):
        with pytest.raises(SystemExit):
            main(argv)
        help_text = capsys.readouterr().out
        for name in SECTION_FAULTS:
            assert f"  {name} " in help_text, name
        assert "--switch-fails" in help_text


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"faults": {"case_log": "no_such_fault"}}, "unknown fault 'no_such_fault'; known: markup_changed"),
        ({"faults": {"nowhere": "api_hang"}}, "unknown section 'nowhere' for a fault"),
        ({"faults": {"case_log": "captcha:3"}}, "fault captcha takes no argument"),
        ({"http_status": {"/x": 200}}, "status 400-599"),
        ({"http_status": {"x": 503}}, "path prefix starting with '/'"),
        ({"rows": {"voice_of_customer": 50}}, "--rows works for notifications, case_log, feedback"),
    ],
)
def test_unknown_faults_and_sections_are_refused_where_they_are_set(change: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        DemoOptions(**change)
    options = DemoOptions()
    with pytest.raises(ValueError, match=words):
        setattr(options, *next(iter(change.items())))  # also when a test changes a running demo


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--fault", "case_log=no_such_fault"],
        ["demo", "--fault", "nowhere=api_hang"],
        ["demo", "--fault", "case_log"],
        ["demo", "--http-status", "/home=abc"],
        ["demo", "--rows", "regulatory_compliance=40"],
        ["demo", "--marketplaces", "XX"],
    ],
)
def test_the_demo_command_refuses_unknown_faults_with_exit_2(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == cli.EXIT_USAGE
    assert "error: argument" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        demo_server.main(argv[1:])
    assert info.value.code == 2


def test_fault_texts() -> None:
    fault = parse_fault("api_huge:12x3")
    assert (fault.name, fault.arg, fault.times, fault.value) == ("api_huge", 12, 3, 12)
    assert parse_fault("api_huge").value == 40
    assert parse_fault("session_expired").times == 1  # once by default
    status = parse_status("429:2x1")
    assert (status.status, status.retry_after, status.times) == (429, "2", 1)
    assert parse_status("503").retry_after is None


# --- what each fault does ----------------------------------------------------------------------------------


def test_a_counted_status_fails_n_times_then_answers(server: DemoServer, signed_in: Client) -> None:
    server.options.http_status = {"/cu/case-lobby": "503:7x2"}
    replies = [signed_in.get("/cu/case-lobby") for _ in range(3)]
    assert [r.status for r in replies] == [503, 503, 200]
    assert replies[0].headers.get("Retry-After") == "7"
    server.options.http_status = {"/cu/case-lobby": HttpFault(429)}
    reply = signed_in.get("/cu/case-lobby")
    assert (reply.status, reply.headers.get("Retry-After")) == (429, None)  # 429 without Retry-After


def test_a_dropped_answer_sends_half_its_body_then_closes(server: DemoServer, signed_in: Client) -> None:
    server.options.faults = {"case_log": "api_drop"}
    response = raw(server, "POST", CASES_CALL, cookies(signed_in), json.dumps(CASES_BODY).encode())
    assert response.status == 200
    with pytest.raises(http.client.IncompleteRead):
        response.read()


def test_cut_malformed_and_huge_bodies(server: DemoServer, signed_in: Client) -> None:
    whole = signed_in.post_json(CASES_CALL, CASES_BODY)
    assert len(whole.json()["caseSearchResultList"]) == 10
    server.options.faults = {"case_log": "api_truncated"}
    cut = signed_in.post_json(CASES_CALL, CASES_BODY)
    assert cut.status == 200
    assert cut.body == whole.body[: len(whole.body) // 2]
    server.options.faults = {"case_log": "api_malformed"}
    bad = signed_in.post_json(CASES_CALL, CASES_BODY)
    assert bad.status == 200
    assert bad.headers["Content-Type"].startswith("application/json")
    assert bad.body.startswith(b"<html>")
    server.options.faults = {"case_log": "api_huge:3"}
    huge = signed_in.post_json(CASES_CALL, CASES_BODY)
    assert len(huge.body) >= 3_000_000
    assert huge.json()["caseSearchResultList"] == whole.json()["caseSearchResultList"]  # the same records


def test_page_faults_captcha_interstitial_redirect_loop_and_session_expiry(
    server: DemoServer, signed_in: Client
) -> None:
    server.options.faults = {"case_log": "captcha"}
    assert signed_in.get("/cu/case-lobby").soup().select_one("#auth-captcha-image") is not None
    server.options.faults = {"case_log": "interstitial"}
    notice = signed_in.get("/cu/case-lobby")
    assert notice.path == "/notices/terms-update"
    assert notice.soup().title.string == "Wir haben unsere Bedingungen aktualisiert"
    assert notice.soup().select_one("#sc-content-container, #ap_email") is None  # no marker the spec knows
    server.options.faults = {"case_log": "redirect_loop"}
    loop = raw(server, "GET", "/cu/case-lobby?x=1", cookies(signed_in))
    assert (loop.status, loop.getheader("Location")) == (302, "/cu/case-lobby?x=1")
    server.options.faults = {"case_log": "session_expired"}
    assert signed_in.get("/cu/case-lobby").soup().select_one("#ap_email") is not None  # signed out
    again = signed_in.sign_in("/cu/case-lobby")
    assert again.soup().select_one("#sc-content-container") is not None  # once only: the new session works


def test_a_hang_holds_the_request_until_the_server_stops(server: DemoServer, signed_in: Client) -> None:
    server.options.faults = {"case_log": "hang"}
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    connection.sendall(f"GET /cu/case-lobby HTTP/1.1\r\nHost: x\r\nCookie: {cookies(signed_in)}\r\n\r\n".encode())
    connection.settimeout(0.5)
    with pytest.raises(TimeoutError):
        connection.recv(1)  # nothing comes
    started = time.monotonic()
    threading.Timer(0.2, server.stop).start()
    connection.settimeout(5)
    assert connection.recv(1) == b""  # released and closed by stop(), not after the 300 s bound
    assert time.monotonic() - started < 4
    connection.close()


def test_slow_delays_the_page_and_its_data_call(server: DemoServer, signed_in: Client) -> None:
    server.options.faults = {"case_log": "slow:300"}
    started = time.monotonic()
    assert signed_in.post_json(CASES_CALL, CASES_BODY).status == 200
    assert signed_in.get("/cu/case-lobby").status == 200
    assert time.monotonic() - started >= 0.6


def test_rows_grows_a_section_with_new_ids(server: DemoServer, signed_in: Client) -> None:
    server.options.rows = {"case_log": 25}
    ids = []
    for page in range(3):
        body = signed_in.post_json(CASES_CALL, {**CASES_BODY, "page": page}).json()
        assert body["totalNumberOfResults"] == 25
        ids += [case["caseId"] for case in body["caseSearchResultList"]]
    assert len(ids) == len(set(ids)) == 25
    assert ids[10] == "10000001110"  # the first copy of 10000000110


def test_switch_fails_is_on_the_command_line(server: DemoServer) -> None:
    args = demo_server.build_parser().parse_args(["--switch-fails", "--fault", "feedback=api_dropx1"])
    assert args.switch_fails is True
    (section, fault), = args.fault
    assert (section, fault.name, fault.times) == ("feedback", "api_drop", 1)


def test_a_status_path_may_carry_a_query() -> None:
    args = demo_server.build_parser().parse_args(["--http-status", "/pcrHealth/x?a=1&pageOffset=5=503x1"])
    ((path, fault),) = args.http_status
    assert (path, fault.status, fault.times) == ("/pcrHealth/x?a=1&pageOffset=5", 503, 1)
