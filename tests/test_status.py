"""The one status vocabulary keeps the exact words existing histories, JSON output and goldens hold."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from scraper.status import APPLIED, READ_OK, STOPPED_EARLY, SectionStatus, sql_in
from scraper.store import History

STORED_WORDS = {
    "OK": "ok",
    "EMPTY": "empty",
    "INCOMPLETE": "incomplete",
    "DRIFT": "drift",
    "SIGNED_OUT": "signed_out",
    "LOGIN_NEEDED": "login needed",
    "CHALLENGE": "challenge",
    "WRONG_MARKETPLACE": "wrong marketplace",
    "ERROR": "error",
    "UNREACHABLE": "unreachable",
    "CRASHED": "crashed",
    "TIMED_OUT": "timed out",
    "INTERRUPTED": "interrupted",
    "NOT_RECORDED": "not recorded",
    "UNREADABLE": "unreadable",
    "RUNNING": "running",
}


def test_values_are_the_stored_words() -> None:
    assert {s.name: s.value for s in SectionStatus} == STORED_WORDS


def test_status_serialises_as_its_word() -> None:
    assert json.dumps({"status": SectionStatus.LOGIN_NEEDED}) == '{"status": "login needed"}'
    assert f"{SectionStatus.WRONG_MARKETPLACE}" == "wrong marketplace"
    assert SectionStatus.INCOMPLETE.upper() == "INCOMPLETE"


def test_groups() -> None:
    assert READ_OK == ("ok", "empty")
    assert APPLIED == ("ok", "empty", "incomplete")
    assert set(STOPPED_EARLY) == {"interrupted", "crashed", "not recorded"}
    assert sql_in(APPLIED) == "('ok', 'empty', 'incomplete')"


def test_history_written_as_words_reads_back_as_statuses(tmp_path: Path) -> None:
    """A history written before the enum (plain words in SQLite) reads back as the same statuses."""
    db = tmp_path / "h.sqlite"
    history = History(db)
    run_id = history.start_run("acme")
    history.record_section(run_id, "acme", "DE", "feedback", SectionStatus.OK, None, {})
    history.record_section(run_id, "acme", "DE", "case_log", SectionStatus.LOGIN_NEEDED, "sign in", None)
    history.finish_run(run_id, SectionStatus.LOGIN_NEEDED)
    history.close()
    raw = sqlite3.connect(db)
    assert sorted(r[0] for r in raw.execute("SELECT status FROM section_runs")) == ["login needed", "ok"]
    assert raw.execute("SELECT outcome FROM runs").fetchone()[0] == "login needed"
    raw.close()
    history = History(db)
    states = {s.section: s for s in history.section_states("acme")}
    assert states["case_log"].status is SectionStatus.LOGIN_NEEDED
    assert states["case_log"].last_success is None
    assert states["feedback"].status is SectionStatus.OK
    assert states["feedback"].last_success is not None
    history.close()


def test_one_whitespace_normaliser() -> None:
    from bs4 import BeautifulSoup

    from scraper.text import element_text, squash
    from scraper.transforms import REGISTRY

    assert squash("  a\u00a0 b\n\tc  ") == "a b c"
    cell = BeautifulSoup("<td>\n  Order <b>123</b>\u00a0\n</td>", "html.parser").td
    assert cell is not None
    assert element_text(cell) == "Order 123"
    assert REGISTRY["collapse_ws"](None)("  a\u00a0 b\n ") == "a b"
    with pytest.raises(TypeError, match="expected text, got bool"):
        squash(False)  # type: ignore[arg-type]


def test_a_change_names_each_fields_before_and_after() -> None:
    from scraper.diff import FieldChange, diff_records

    (change,) = diff_records({'["A"]': {"status": "OPEN", "n": 1}}, {}, {'["A"]': {"status": "DONE", "n": 1}})
    assert change.fields == {"status": FieldChange(before="OPEN", after="DONE")}
    assert (change.fields["status"].before, change.fields["status"].after) == ("OPEN", "DONE")
    assert json.dumps(change.fields) == '{"status": ["OPEN", "DONE"]}'  # the history's form is unchanged
