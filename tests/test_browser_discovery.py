"""Which Chromium the tool launches, and the message when there is none."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from scraper.browser import find_chromium, launched
from scraper.errors import BrowserNotFoundError


def fake_playwright(managed: Path | None) -> SimpleNamespace:
    return SimpleNamespace(chromium=SimpleNamespace(executable_path=str(managed or "/nonexistent/chrome")))


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    return tmp_path


def executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_configured_path_wins(bin_dir: Path) -> None:
    chosen = executable(bin_dir / "my-chrome")
    managed = executable(bin_dir / "managed-chrome")
    executable(bin_dir / "chromium")
    assert find_chromium(fake_playwright(managed), str(chosen)) == str(chosen)


def test_environment_variable(bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = executable(bin_dir / "env-chrome")
    monkeypatch.setenv("CHROMIUM_PATH", str(chosen))
    assert find_chromium(fake_playwright(None)) == str(chosen)


def test_missing_configured_path_is_an_error(bin_dir: Path) -> None:
    with pytest.raises(BrowserNotFoundError, match="does not exist"):
        find_chromium(fake_playwright(None), str(bin_dir / "nope"))


def test_playwright_managed_browser_before_path(bin_dir: Path) -> None:
    managed = executable(bin_dir / "managed-chrome")
    executable(bin_dir / "chromium")
    assert find_chromium(fake_playwright(managed)) is None  # None: let Playwright launch its own


def test_chromium_on_path(bin_dir: Path) -> None:
    on_path = executable(bin_dir / "chromium")
    assert find_chromium(fake_playwright(None)) == str(on_path)


def test_no_browser_says_how_to_install_one(bin_dir: Path) -> None:
    with pytest.raises(BrowserNotFoundError) as info:
        find_chromium(fake_playwright(None))
    assert "apt-get install chromium" in str(info.value)
    assert "playwright install chromium" in str(info.value)


def test_headed_without_a_display_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(BrowserNotFoundError, match="xvfb-run"), launched(headed=True):
        pass
