"""Test-only: the real command line, paused inside the history write, so a test can kill -9 it there.

    python -m tests.kill_points MARKER -- ARGS...     runs ``scraper ARGS...``

after the first section's rows are written (inside the account's transaction, before it commits) it writes
MARKER ("in transaction" or, were the write not one transaction, "committed") and sleeps until killed.
Nothing in the product knows about this; the sign-in and mid-walk kill points need no hook at all (the
test holds a demo request instead).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from scraper import cli, store


def pause_inside_the_history_write(marker: Path) -> None:
    """Wrap History.record_section: write ``marker`` after its first call returns, then wait to be killed."""
    original = store.History.record_section

    def paused(self: store.History, *args: Any, **kwargs: Any) -> Any:
        changes = original(self, *args, **kwargs)
        state = "in transaction" if self.backend.in_transaction else "committed"
        partial = marker.with_name(marker.name + ".partial")
        partial.write_text(state, encoding="utf-8")
        os.replace(partial, marker)  # the test waits for the marker: it must never see it half-written
        time.sleep(120)  # the test kills the process long before; a bound so a broken test cannot hang forever
        return changes

    store.History.record_section = paused  # type: ignore[method-assign]


if __name__ == "__main__":
    marker_file, separator, *argv = sys.argv[1:]
    assert separator == "--", "usage: python -m tests.kill_points MARKER -- ARGS..."
    pause_inside_the_history_write(Path(marker_file))
    sys.exit(cli.main(argv))
