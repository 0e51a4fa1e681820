"""What a student's data leaves on disk (security review findings 5, 9 and 12): the SQLite files are this
user's alone, "Delete all my data" leaves no trace in the database file or its write-ahead log, and forged
changes from a page cannot grow an answer's history without limit."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from selfexplore.content import Content
from selfexplore.records import HISTORY_LIMIT, Attempt, StoreError
from selfexplore.store import Store
from selfexplore.store.files import database_files


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask (022), under which files are created readable by every user of the machine."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("loose_umask")
def test_a_new_database_and_its_folder_are_readable_only_by_this_user(content: Content, tmp_path: Path) -> None:
    database = tmp_path / "data" / "selfexplore" / "selfexplore.sqlite3"
    store = Store.open(content, f"sqlite:///{database}")
    try:
        created = store.create_student()
        store.save_reflection(store.latest_attempt(created.student), "balance_week", "private words")
        files = database_files(database)
        assert all(path.exists() for path in files)
        assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}
        assert _mode(database.parent) == 0o700
    finally:
        store.close()


@pytest.mark.usefixtures("loose_umask")
def test_an_existing_database_readable_by_others_is_closed_when_opened(content: Content, tmp_path: Path) -> None:
    database = tmp_path / "old.sqlite3"
    Store.open(content, f"sqlite:///{database}").close()
    database.chmod(0o644)
    Store.open(content, f"sqlite:///{database}").close()
    assert _mode(database) == 0o600


def test_delete_all_my_data_leaves_no_trace_in_the_file_or_its_log(content: Content, tmp_path: Path) -> None:
    database = tmp_path / "store.sqlite3"
    marker = "unmistakable-marker-7f3a9c"
    store = Store.open(content, f"sqlite:///{database}")
    try:
        created = store.create_student()
        attempt = store.latest_attempt(created.student)
        store.save_reflection(attempt, "balance_week", f"{marker} what I wrote")
        store.save_answer(attempt, "i01", 5)
        files = [database, database.with_name(database.name + "-wal")]
        assert any(marker.encode() in path.read_bytes() for path in files if path.exists())
        store.delete_student(created.student)
        for path in files:
            if path.exists():
                assert marker.encode() not in path.read_bytes(), path.name
    finally:
        store.close()


def test_a_session_keeps_when_a_member_who_deleted_their_data_answered_never_what(
    content: Content, db_url: str
) -> None:
    """Security review of 5 December 2026, finding 3: a deletion must not move anyone into figures already
    shown, so a session keeps the places of those who left (selfexplore.cohorts), and nothing else of them."""
    store = Store.open(content, db_url)
    try:
        group, other = store.create_session("PDW"), store.create_session("SIS")
        leaving = store.create_student()
        store.join_session(leaving.student, group.code)
        store.join_session(leaving.student, other.code)
        attempt = store.latest_attempt(leaving.student)
        store.save_answer(attempt, "i01", 5)
        store.save_answer(attempt, "i01", 2)
        store.save_answer(store.start_attempt(leaving.student), "challenges", ["time"])
        first_i01 = min(at for _, at in store.answer_history(attempt, "i01"))
        store.delete_student(leaving.student)
        for session in (group, other):
            rows = store.session_rows(session)
            assert rows.members == {} and rows.changes == []
            (gone,) = rows.departed
            assert [(n, item) for n, item, _ in gone.first_given] == [(1, "i01"), (2, "challenges")]
            assert gone.first_given[0][2] == first_i01 and gone.joined_at <= gone.departed_at
        with store.engine.connect() as connection:
            kept = connection.exec_driver_sql("SELECT * FROM departures").all()
        # No value and no student: the session, when they joined and left, and when they first answered.
        assert len(kept) == 2 and all(
            set(row._fields) == {"id", "session_id", "joined_at", "departed_at", "first_given"} for row in kept
        )
        assert all('"time"' not in row.first_given and ", 5" not in row.first_given for row in kept)
        assert store.counts()["students"] == 0
    finally:
        store.close()


def test_an_answers_history_keeps_only_its_first_answer_and_newest_changes(content: Content, db_url: str) -> None:
    store = Store.open(content, db_url)
    try:
        created = store.create_student()
        attempt = store.latest_attempt(created.student)
        other = store.latest_attempt(store.create_student().student)
        store.save_answer(other, "i01", 2)
        first = store.save_answer(attempt, "i01", 3)
        # A page forging 200 changes of one statement.
        for number in range(200):
            store.save_answer(attempt, "i01", 1 + number % 5)
        history = store.answer_history(attempt, "i01")
        assert len(history) == HISTORY_LIMIT
        assert history[0] == (first.value, first.saved_at)  # and the first answer, with when it was given
        assert history[-1][0] == 1 + 199 % 5  # the newest change is kept, and the answer itself
        assert store.answers(attempt)["i01"] == 1 + 199 % 5
        # Another student's history is not touched.
        assert len(store.answer_history(other, "i01")) == 1
    finally:
        store.close()


@pytest.fixture
def answered(content: Content, tmp_path: Path) -> Iterator[tuple[Store, Attempt, Path]]:
    """A store on an SQLite file with one student who has answered one statement."""
    database = tmp_path / "store.sqlite3"
    store = Store.open(content, f"sqlite:///{database}")
    try:
        created = store.create_student()
        attempt = store.latest_attempt(created.student)
        store.save_answer(attempt, "i01", 4)
        yield store, attempt, database
    finally:
        store.close()


def test_a_deleted_database_refuses_every_save_and_is_not_made_anew(
    content: Content, answered: tuple[Store, Attempt, Path]
) -> None:
    # Security review finding 7: open connections went on saving to the deleted file, and said "Saved".
    store, attempt, database = answered
    for path in database_files(database):
        path.unlink(missing_ok=True)
    with pytest.raises(StoreError, match="not where it was"):
        store.save_answer(attempt, "i02", 5)
    assert not database.exists()
    # A served kernel opening the store afterwards does not create an empty one either.
    with pytest.raises(StoreError, match="not where it was"):
        Store.open(content, f"sqlite:///{database}", create=False)
    assert not database.exists()


def test_a_replaced_database_refuses_every_save(
    content: Content, tmp_path: Path, answered: tuple[Store, Attempt, Path]
) -> None:
    store, attempt, database = answered
    # A restore from a backup: another file moved into its place (and the old log files removed).
    other = tmp_path / "restored.sqlite3"
    Store.open(content, f"sqlite:///{other}").close()
    for path in database_files(database)[1:]:
        path.unlink(missing_ok=True)
    other.replace(database)
    with pytest.raises(StoreError, match="not where it was"):
        store.save_answer(attempt, "i02", 5)
    restored = Store.open(content, f"sqlite:///{database}")
    try:
        assert restored.counts()["answers"] == 0  # nothing was written into the file put in its place
    finally:
        restored.close()
