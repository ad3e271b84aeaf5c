"""What the walk saves: elements a person cannot see are marked, so the saved file reads like the screen."""

from __future__ import annotations

import dataclasses

import pytest
from playwright.sync_api import Page

from scraper.extract import soup_of
from scraper.spec import Spec
from scraper.walk import snapshot

pytestmark = pytest.mark.browser

PAGE = """<!DOCTYPE html><html lang="de"><head><style>
.shadow-compare { display: none; }
.gone { visibility: hidden; }
.panel { position: absolute; left: -5000px; top: 0; width: 300px; }
.flat { display: block; width: 0; height: 0; overflow: hidden; }
</style></head><body>
<table id="t">
  <tr class="row" data-k="1"><td>one</td></tr>
  <tr class="row shadow-compare" data-k="1"><td>one again</td></tr>
  <tr class="row gone" data-k="2"><td>two</td></tr>
  <tr class="row" hidden data-k="3"><td>three</td></tr>
  <tr class="row" aria-hidden="true" data-k="4"><td>four</td></tr>
  <tr class="row" data-k="5"><td>five</td></tr>
</table>
<div class="panel"><span class="row" data-k="6">six</span></div>
<div class="flat"><span class="row" data-k="7">seven</span></div>
<div style="height: 3000px"></div>
<p class="row" data-k="8">far below the fold, but a person scrolls there</p>
<x-host id="h"></x-host>
<script>
  document.getElementById('h').attachShadow({mode: 'open'}).innerHTML =
    '<span class="in-shadow">from the shadow root</span>';
</script>
</body></html>"""


def _visible_keys(html: str) -> list[str]:
    return [str(el["data-k"]) for el in soup_of(html).select(".row")]


def test_hidden_copies_and_invisible_elements_are_marked_and_ignored(page: Page, spec: Spec) -> None:
    page.set_content(PAGE)
    html = snapshot(page, spec)
    assert _visible_keys(html) == ["1", "5", "8"]
    assert html.count('data-sc-hidden="1"') >= 6
    assert soup_of(html).select_one(".in-shadow") is None  # no host named: shadow roots stay out


def test_marks_follow_the_page_not_an_earlier_snapshot(page: Page, spec: Spec) -> None:
    page.set_content(PAGE)
    snapshot(page, spec)
    page.evaluate("document.querySelector('.shadow-compare').classList.remove('shadow-compare')")
    assert _visible_keys(snapshot(page, spec)) == ["1", "1", "5", "8"]


def test_shadow_roots_of_named_hosts_are_inlined(page: Page, spec: Spec) -> None:
    page.set_content(PAGE)
    html = snapshot(page, dataclasses.replace(spec, shadow_hosts="x-host"))
    assert soup_of(html).select_one("x-host .in-shadow").get_text() == "from the shadow root"
    assert 'lang="de"' in html
