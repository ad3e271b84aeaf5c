"""Retries: the backoff, Retry-After, what counts as transient, and the settings that bound them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Error as PlaywrightError

from scraper.capture import CapturedPage, Exchange, SectionCapture
from scraper.config import EXAMPLE, Settings, load_config
from scraper.errors import ConfigError
from scraper.read import read_section
from scraper.retry import RetryPolicy, connection_cause, error_cause, retry_after_seconds
from scraper.spec import Spec

NOW = datetime(2026, 7, 29, 2, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("attempt", [0, 1, 2, 3, 10, 60])
def test_backoff_doubles_with_jitter_and_is_capped(attempt: int) -> None:
    policy = RetryPolicy(backoff_ms=1000, backoff_max_ms=30000)
    ceiling = min(30.0, 2**attempt)
    pauses = [policy.pause_s(attempt) for _ in range(200)]
    assert all(p is not None and ceiling / 2 <= p <= ceiling for p in pauses)
    assert len({round(p, 6) for p in pauses if p is not None}) > 1  # jitter: not all the same


def test_retry_after_is_a_floor_and_refused_beyond_the_cap() -> None:
    policy = RetryPolicy(backoff_ms=10, backoff_max_ms=5000)
    assert policy.pause_s(0, retry_after_s=3) == pytest.approx(3, abs=0.02)
    assert policy.pause_s(0, retry_after_s=5) == pytest.approx(5, abs=0.02)
    assert policy.pause_s(0, retry_after_s=6) is None  # the site asks for more than we wait in one night's run


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2", 2.0),
        (" 120 ", 120.0),
        ("Wed, 29 Jul 2026 02:00:30 GMT", 30.0),
        ("Wed, 29 Jul 2026 01:59:00 GMT", 0.0),  # already past: no wait
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds_or_as_an_http_date(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds


@pytest.mark.parametrize(
    ("text", "words", "transient"),
    [
        ("Page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:1/x", "connection refused", True),
        ("Page.goto: net::ERR_EMPTY_RESPONSE at http://127.0.0.1:1/x", "closed without an answer", True),
        ("Page.goto: net::ERR_CONNECTION_RESET at http://127.0.0.1:1/x", "connection reset", True),
        ("APIRequestContext.fetch: socket hang up (ECONNRESET)", "connection reset", True),
        ("APIRequestContext.fetch: aborted", "dropped in the middle of the answer", True),
        ("Page.goto: Timeout 2000ms exceeded.", "no answer within 2000 ms (timeout)", True),
        ("Page.goto: net::ERR_TOO_MANY_REDIRECTS at http://127.0.0.1:1/x", "redirects in a loop", False),
        ('Page.goto: Navigation to "x" is interrupted by another navigation to "y"', "interrupted", True),
        ("Target page, context or browser has been closed", "has been closed", False),
    ],
)
def test_browser_errors_are_named_and_judged(text: str, words: str, transient: bool) -> None:
    cause, retry = error_cause(PlaywrightError(text), 2000)
    assert words in cause
    assert retry is transient


def test_connection_causes_name_chromiums_code() -> None:
    assert connection_cause("net::ERR_CONTENT_LENGTH_MISMATCH") == (
        "connection dropped in the middle of the answer (net::ERR_CONTENT_LENGTH_MISMATCH)"
    )
    assert connection_cause("HTTP 503") is None


CONFIG = """\
settings: {{{settings}}}
accounts:
  main:
    host: https://sellercentral.amazon.de
    email: seller@example.com
    marketplaces: [A1PA6795UKMFR9]
"""


def config_with(tmp_path: Path, settings: str) -> Settings:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(settings=settings), encoding="utf-8")
    return load_config(path).settings


def test_retry_settings_are_read_and_tiny_backoffs_allowed(tmp_path: Path) -> None:
    settings = config_with(tmp_path, "retries: 3, section_retries: 0, backoff_ms: 1, backoff_max_ms: 10")
    assert settings.retry == RetryPolicy(retries=3, section_retries=0, backoff_ms=1, backoff_max_ms=10)
    assert config_with(tmp_path, "").retry == RetryPolicy()  # defaults: 3, 1, 1000, 30000


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ("retries: 11", "settings.retries: expected a whole number from 0 to 10"),
        ("retries: -1", "settings.retries: expected a whole number from 0 to 10"),
        ("section_retries: 50", "settings.section_retries: expected a whole number from 0 to 10"),
        ("backoff_ms: 2000, backoff_max_ms: 1000", "settings.backoff_ms: is more than backoff_max_ms (1000)"),
        ("backoff_max_ms: 99999999", "settings.backoff_max_ms: expected a whole number from 0 to 3600000"),
        ("retries: yes", "settings.retries: expected a whole number"),
    ],
)
def test_retry_settings_are_bounded(tmp_path: Path, settings: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        config_with(tmp_path, settings)


def test_the_example_documents_the_retry_defaults() -> None:
    example = yaml.safe_load(EXAMPLE)["settings"]
    defaults = Settings()
    for key in ("retries", "section_retries", "backoff_ms", "backoff_max_ms"):
        assert example[key] == getattr(defaults, key), key


def _failed_capture(exchange: Exchange, attempts: int = 1) -> SectionCapture:
    page = CapturedPage("https://x/cu/case-lobby", "<html><body></body></html>", [exchange])
    return SectionCapture("case_log", "A1PA6795UKMFR9", "de_DE", "https://x/cu/case-lobby", [page], attempts=attempts)


@pytest.mark.parametrize(
    ("exchange", "words"),
    [
        (Exchange("rows", "https://x/hill/a", "POST", 0, None, error="connection refused"), "no answer: connection"),
        (
            Exchange("rows", "https://x/hill/a", "POST", 200, None, error="connection dropped in the middle"),
            "answered HTTP 200, then connection dropped in the middle",
        ),
        (Exchange("rows", "https://x/hill/a", "POST", 429, None), "answered HTTP 429 (rate limited)"),
        (Exchange("rows", "https://x/hill/a", "GET", 500, None, error="HTTP 500 (3 attempts)"), "500 (3 attempts)"),
    ],
)
def test_a_failed_data_call_is_read_as_its_cause_and_the_attempts(spec: Spec, exchange: Exchange, words: str) -> None:
    outcome = read_section(spec, spec.section("case_log"), _failed_capture(exchange, attempts=2))
    assert outcome.status == "error"
    assert words in (outcome.message or "")
    assert "(the section was collected 2 times)" in (outcome.message or "")
