"""Finding and starting Chromium, and the browser context a walk runs in.

The browser layer only navigates and hands over HTML and JSON; it never parses (see scraper.parse).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Playwright, Route, sync_playwright

from scraper.errors import BrowserNotFoundError
from scraper.session import usable_session

BLOCKED_RESOURCES = frozenset({"image", "font", "media"})
"""Not needed to read a page; blocking them saves time and bandwidth on every load."""

CHROMIUM_ARGS = ["--disable-quic", "--disable-gpu"]


def _playwright_managed(playwright: Playwright) -> bool:
    try:
        return Path(playwright.chromium.executable_path).exists()
    except Exception:  # any failure here just means "not installed"
        return False


def find_chromium(playwright: Playwright, configured: str | None = None) -> str | None:
    """The executable to launch: the configured path or CHROMIUM_PATH, else None for Playwright's own
    browser when installed, else chromium on PATH. BrowserNotFoundError when there is none."""
    explicit = configured or os.environ.get("CHROMIUM_PATH")
    if explicit:
        if not Path(explicit).exists():
            raise BrowserNotFoundError(f"the configured Chromium {explicit!r} does not exist")
        return explicit
    if _playwright_managed(playwright):
        return None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise BrowserNotFoundError(
        "no Chromium found. Install one: `sudo apt-get install chromium` (Debian/Ubuntu), or "
        "`.venv/bin/playwright install chromium` where downloads work, or set CHROMIUM_PATH"
    )


@contextmanager
def launched(headed: bool, chromium_path: str | None = None, extra_args: list[str] | None = None) -> Iterator[Browser]:
    """A running Chromium (visible when ``headed``), closed on exit."""
    if headed and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise BrowserNotFoundError("a visible browser needs a display; run under `xvfb-run -a` or drop --headed")
    with sync_playwright() as playwright:
        executable = find_chromium(playwright, chromium_path)
        browser = playwright.chromium.launch(
            headless=not headed,
            executable_path=executable,
            args=[*CHROMIUM_ARGS, *(extra_args or [])],
        )
        try:
            yield browser
        finally:
            browser.close()


def _block_heavy(route: Route) -> None:
    if route.request.resource_type in BLOCKED_RESOURCES:
        route.abort()
    else:
        route.continue_()


def new_context(browser: Browser, storage_state: Path | None, locale: str, block: bool = True) -> BrowserContext:
    """A context restoring a saved session (when the file exists and can be loaded; a damaged one is moved
    aside), in the account's language, without images, fonts and media unless ``block`` is False."""
    usable = usable_session(storage_state)[0] if storage_state is not None else None
    context = browser.new_context(
        storage_state=str(usable) if usable is not None else None,
        locale=locale.replace("_", "-"),
        viewport={"width": 1400, "height": 900},
    )
    if block:
        context.route("**/*", _block_heavy)
    return context
