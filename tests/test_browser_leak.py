"""Secrets never leak: a planted password, TOTP secret and session cookie appear in nothing written or printed.

The demo site is given its own password and TOTP secret, the tool gets them from a (fake, in-memory)
keyring through `scraper credentials set`, and then does its whole job: sign-in, all six sections with one
failing, history, alert, report, exports, the history command, a capture, `--show-records` and JSON output.
Then every file under the test's HOME, state and output folders, everything printed, logged and alerted is
searched for the secrets and for the session cookie values, in the forms they could take there (URL- and
HTML-encoded, base64; the TOTP secret lower-case, grouped, and as its decoded key bytes).

By design the saved session (``state/sessions/*.json``) holds the cookies, and evidence folders
(``evidence/``) may hold pages with them: both are left out of the search by name, and must be owner-only.
"""

from __future__ import annotations

import base64
import html
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import keyring
import pytest

from scraper.cli import EXIT_OK, EXIT_UNREADABLE, main
from scraper.demo.server import DEMO_EMAIL, DemoOptions, DemoServer
from tests.helpers import MemoryKeyring

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shared_browser")]
DE = "A1PA6795UKMFR9"
PASSWORD = "Canary+Pw&7q=Zx!"
"""Characters that URL- and HTML-encoding change, so the encoded forms differ from the plain one."""
TOTP_SECRET = "CANARYSECRETQ2Z4X7W3JBSWY3DPEHPK"
BY_DESIGN = ("sessions", "evidence")
"""Folders whose files may hold session cookies; they must be 0700 with files 0600."""


def forms(secret: str) -> set[bytes]:
    """The byte strings a secret could leak as."""
    texts = {secret, quote(secret, safe=""), quote_plus(secret), html.escape(secret), json.dumps(secret)[1:-1]}
    found = {t.encode("utf-8") for t in texts}
    found.add(base64.b64encode(secret.encode()))
    found.add(base64.urlsafe_b64encode(secret.encode()))
    return found


def totp_forms(secret: str) -> set[bytes]:
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    key = base64.b32decode(secret)
    return forms(secret) | forms(secret.lower()) | forms(grouped) | {key, key.hex().encode()}


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    found = {name: tmp_path / name for name in ("home", "sc", "out")}
    for path in found.values():
        path.mkdir()
    monkeypatch.setenv("HOME", str(found["home"]))
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(found["home"] / name.lower()))
    monkeypatch.setenv("SC_WATCH_HOME", str(found["sc"]))
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("SC_WATCH_PASSWORD", "SC_WATCH_TOTP_SECRET", "SC_WATCH_DB", "SC_WATCH_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(found["out"])  # default outputs (report.html, captures/) land here
    return found


@pytest.fixture
def planted_demo(monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoServer]:
    monkeypatch.setattr("scraper.demo.server.DEMO_PASSWORD", PASSWORD)
    monkeypatch.setattr("scraper.demo.server.DEMO_TOTP_SECRET", TOTP_SECRET)
    failing = {"/spx/myc/myc-backend-service/api/get-grain-compliance-requirement-issues": 500}
    with DemoServer(DemoOptions(http_status=failing)) as server:
        yield server


@pytest.fixture
def fake_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_no_secret_in_anything_written_or_printed(
    planted_demo: DemoServer,
    folders: dict[str, Path],
    fake_keyring: MemoryKeyring,
    webhook: tuple[str, list[dict]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = folders["sc"] / "config.yaml"
    config.write_text(
        "settings: {delay_ms: 0, jitter_ms: 0, timeout_ms: 10000}\n"
        f"accounts:\n  main:\n    host: {planted_demo.base_url}\n    email: {DEMO_EMAIL}\n"
        f"    marketplaces: [{DE}]\n    alerts: {{urls: ['{webhook[0]}'], min_severity: info}}\n",
        encoding="utf-8",
    )
    answers = iter([PASSWORD, TOTP_SECRET.lower()])  # as typed; the tool keeps the normalised form
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert main(["credentials", "set"]) == EXIT_OK
    assert fake_keyring.store[("sc-watch", "main/password")] == PASSWORD  # planted where the tool looks

    printed = []
    assert main(["run", "--show-records", "--format", "json"]) == EXIT_UNREADABLE  # one section fails
    printed.append(capsys.readouterr())
    assert '"status": "error"' in printed[0].out  # the JSON output, records and all, went to stdout
    assert main(["report"]) == EXIT_OK
    assert main(["report", "--format", "json", "--out", "report.json"]) == EXIT_OK
    assert main(["export", "records", "--format", "csv", "--out", "records.csv"]) == EXIT_OK
    assert main(["export", "findings"]) == EXIT_OK
    assert main(["history", "feedback"]) == EXIT_OK
    assert main(["capture", "feedback"]) == EXIT_OK
    assert main(["parse", str(folders["out"] / "captures" / DE / "feedback")]) == EXIT_OK
    assert main(["session", "path"]) == EXIT_OK
    assert main(["config", "check"]) == EXIT_OK
    printed.append(capsys.readouterr())

    session = folders["sc"] / "state" / "sessions" / "main.json"
    cookies = {c["name"]: c["value"] for c in json.loads(session.read_text(encoding="utf-8"))["cookies"]}
    assert len(cookies.get("session-token", "")) >= 20  # the demo's session cookie was saved (by design)
    needles: dict[str, set[bytes]] = {"password": forms(PASSWORD), "TOTP secret": totp_forms(TOTP_SECRET)}
    for name, value in cookies.items():
        if len(value) >= 16:  # short values (a locale) are no secret and would match by chance
            needles[f"cookie {name}"] = forms(value)

    haystacks: dict[str, bytes] = {}
    by_design: list[Path] = []
    for path in sorted(p for folder in folders.values() for p in folder.rglob("*")):
        if any(part in BY_DESIGN for part in path.relative_to(folders["home"].parent).parts):
            by_design.append(path)
        elif path.is_file():
            haystacks[str(path)] = path.read_bytes()
    for n, output in enumerate(printed):
        haystacks[f"stdout {n}"] = output.out.encode("utf-8")
        haystacks[f"stderr {n}"] = output.err.encode("utf-8")
    haystacks["log"] = caplog.text.encode("utf-8")
    haystacks["alerts"] = json.dumps(webhook[1], ensure_ascii=False).encode("utf-8")
    assert len(webhook[1]) == 1  # the failing section was alerted
    assert any(name.endswith("history.sqlite3") for name in haystacks)
    assert any("/captures/" in name for name in haystacks)
    assert any(name.endswith("report.html") for name in haystacks)

    leaks = [
        f"{what} in {where}"
        for where, data in haystacks.items()
        for what, variants in needles.items()
        if any(variant in data for variant in variants)
    ]
    assert leaks == []
    assert session in by_design
    for path in by_design:
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
