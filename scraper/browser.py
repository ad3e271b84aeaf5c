"""Finding and starting Chromium, and the browser context a walk runs in.

The browser layer only navigates and hands over HTML and JSON; it never parses (see scraper.parse).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
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


def _need_display(headed: bool) -> None:
    if headed and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise BrowserNotFoundError("a visible browser needs a display; run under `xvfb-run -a` or drop --headed")


@contextmanager
def launched(
    headed: bool,
    chromium_path: str | None = None,
    extra_args: list[str] | None = None,
    endpoint: str | None = None,
) -> Iterator[Browser]:
    """A running Chromium (visible when ``headed``), closed on exit; with ``endpoint``, the shared Chromium
    served there (scraper.browser.shared_chromium), which is left running: only this connection closes."""
    _need_display(headed)
    with sync_playwright() as playwright:
        if endpoint is not None:
            shared = playwright.chromium.connect_over_cdp(endpoint)
            try:
                yield shared
            finally:
                shared.close()
            return
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


def _free_port() -> int:
    # The port is free when asked; Chromium binds it a moment later. Another process taking it in between
    # makes the launch fail loudly, not connect anywhere else.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def shared_chromium(
    headed: bool, chromium_path: str | None = None, extra_args: list[str] | None = None
) -> Iterator[str]:
    """One Chromium for several worker processes (``--parallel`` with ``settings.parallel_browser: shared``):
    yields the DevTools endpoint they connect to, each account in a context of its own; closed on exit.

    Playwright's own launch (its flags, its pipe) with a DevTools port added on 127.0.0.1 only: Python's
    Playwright cannot serve a browser to other processes any other way. Any local user can reach that
    port while the run lasts, which is why sharing is opt-in. The browser lives in a thread of its own:
    the sync API refuses to start where an event loop already runs (a caller's own Playwright, a test).
    """
    _need_display(headed)
    port = _free_port()
    args = [f"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1", *(extra_args or [])]
    ready, done = threading.Event(), threading.Event()
    failed: list[BaseException] = []

    def serve() -> None:
        try:
            with launched(headed, chromium_path, args):
                ready.set()
                done.wait()
        except BaseException as exc:  # handed to the caller, which raises it
            failed.append(exc)
            ready.set()

    thread = threading.Thread(target=serve, name="sc-watch-shared-chromium", daemon=True)
    thread.start()
    ready.wait()
    if failed:
        thread.join()
        raise failed[0]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        done.set()
        thread.join(30)


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
