"""The DOM fixtures, rendered by a real Chromium and read back with page.content(), give the golden records.

This is the path the browser walk takes (wait for the section's ready marker, hand the HTML to the
parser), so it proves the ready markers match and that the markup survives a browser's parser.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page

from scraper.parse import parse_page
from scraper.serialize import to_jsonable
from scraper.spec import Spec
from tests.conftest import FIXTURES
from tests.fixture_cases import all_cases

DOM_CASES = [c for c in all_cases() if c.source == "dom"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def fixture_server() -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(FIXTURES))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
@pytest.mark.parametrize("case", DOM_CASES, ids=[c.id for c in DOM_CASES])
def test_rendered_fixture_parses_to_golden(page: Page, fixture_server: str, spec: Spec, case) -> None:
    section = spec.section(case.section)
    page.goto(f"{fixture_server}/{case.section}/dom/{case.path.name}", wait_until="domcontentloaded")
    page.wait_for_selector(section.ready, state="attached", timeout=5000)
    result = parse_page(spec, case.section, "dom", page.content())
    golden = json.loads(case.golden.read_text(encoding="utf-8"))
    assert to_jsonable(list(result.records)) == golden["records"]
    assert result.status == golden["status"]
    assert result.next_page == golden["next_page"]
