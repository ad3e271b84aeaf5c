"""Pacing between page loads: the configured delay plus a random share of the jitter, never less."""

from __future__ import annotations

import pytest

from scraper.walk import Pacer


@pytest.mark.parametrize(
    ("delay", "jitter", "draw", "expected"),
    [
        (1500, 1000, 0.0, 1.5),
        (1500, 1000, 1000.0, 2.5),
        (0, 0, 0.0, None),
        (0, 200, 100.0, 0.1),
    ],
)
def test_pause(monkeypatch: pytest.MonkeyPatch, delay: int, jitter: int, draw: float, expected: float | None) -> None:
    slept: list[float] = []
    monkeypatch.setattr("scraper.walk.time.sleep", slept.append)
    monkeypatch.setattr("scraper.walk.random.uniform", lambda low, high: min(draw, high))
    Pacer(delay, jitter).wait()
    assert slept == ([] if expected is None else [pytest.approx(expected)])
