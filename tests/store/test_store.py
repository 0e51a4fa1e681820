"""The store facade on SQLite and PostgreSQL: every operation, bad input, concurrency, crashes, upgrades."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError

from selfexplore import codes, settings
from selfexplore.content import Content
from selfexplore.errors import InputError
from selfexplore.records import (
    DISK_FULL,
    NOT_JOINABLE,
    REFLECTION_LIMIT,
    STORE_UNAVAILABLE,
    GroupSession,
    IdentityError,
    StoreError,
    Student,
)
from selfexplore.scoring import value_ids
from selfexplore.store import Store, facade
from selfexplore.store.engine import current_revision, head_revision, make_engine, migrate
from selfexplore.store.facade import PASS_LIFETIME
from selfexplore.store.files import IDENTITY_KEY_FILE
from selfexplore.store.schema import HEAD_REVISION
from tests.store.writer import planned_answers


class _Clock:
    """The store's clock, moved on only by its own waits (time.sleep), or held still."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
        self.waits: list[float] = []
        self.still = False
        monkeypatch.setattr(facade, "_now", lambda: self.now)
        monkeypatch.setattr("selfexplore.store.facade.time.sleep", self.sleep)

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if not self.still:
            self.now += timedelta(seconds=seconds)


def _wrong_codes_kept(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM failed_logins")).scalar_one())


ROOT = Path(__file__).resolve().parents[2]


def _scale_items(content: Content) -> list[str]:
    return [item.id for item in content.questionnaire.items if item.kind == "scale"]


class TestIdentity:
    def test_a_new_student_gets_a_code_that_resumes_them(self, store: Store) -> None:
        new = store.create_student()
        assert store.resume(new.code) == new.student
        assert store.resume(new.code.lower().replace("-", " ")) == new.student

    def test_the_code_is_not_stored(self, store: Store) -> None:
        new = store.create_student()
        compact = new.code.replace("-", "")
        dump = json.dumps(store.export_student(new.student))
        assert compact not in dump and new.code not in dump
        with store.engine.connect() as connection:
            hashes = [row[0] for row in connection.exec_driver_sql("SELECT identity_hash FROM students")]
        assert all(compact not in value for value in hashes)

    def test_a_wrong_code_gets_a_generic_message_and_changes_nothing(self, store: Store) -> None:
        new = store.create_student()
        before = store.counts()
        other = store.create_student().code
        store.delete_student(store.resume(other))
        with pytest.raises(IdentityError, match=r"^That resume code was not recognised"):
            store.resume(other)
        assert store.counts() == before
        assert store.resume(new.code) == new.student

    @pytest.mark.parametrize(
        ("typed", "message"),
        [("ABCD", "has 17 letters and digits"), ("UUUU-UUUU-UUUU-UUUU-U", "never contains 'U'")],
    )
    def test_a_malformed_code_says_what_is_wrong(self, store: Store, typed: str, message: str) -> None:
        with pytest.raises(IdentityError, match=message):
            store.resume(typed)

    def test_a_typing_mistake_is_caught_by_the_check_symbol(self, store: Store) -> None:
        code = store.create_student().code
        first = code[0]
        typo = ("1" if first != "1" else "2") + code[1:]
        with pytest.raises(IdentityError, match="typing mistake"):
            store.resume(typo)

    def test_repeated_failures_are_slowed_down(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        waits: list[float] = []
        monkeypatch.setattr("selfexplore.store.facade.time.sleep", waits.append)
        for _ in range(8):
            gone = store.create_student()
            store.delete_student(gone.student)
            with pytest.raises(IdentityError):
                store.resume(gone.code)
        assert waits == [0.25, 0.5, 1.0]

    def test_one_kernels_wrong_codes_slow_down_that_kernel_and_nobody_else(
        self, store: Store, db_url: str, content: Content, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Security review finding 11: after one attacker's failures, every student's typo waited 8 s.
        waits: list[float] = []
        monkeypatch.setattr("selfexplore.store.facade.time.sleep", waits.append)
        gone = store.create_student()
        store.delete_student(gone.student)
        for _ in range(12):
            with pytest.raises(IdentityError):
                store.resume(gone.code)
        assert waits
        waits.clear()
        with Store.open(content, db_url) as another_kernel, pytest.raises(IdentityError):
            another_kernel.resume(gone.code)
        assert waits == []

    def test_one_visitors_wrong_codes_are_counted_across_all_their_kernels(
        self, store: Store, db_url: str, content: Content, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Security review of 5 December 2026, finding 8: each new kernel started with five free guesses, so
        one visitor guessed about 127 join codes a minute with nine kernels."""
        student = store.create_student().student
        gone = store.create_student()
        store.delete_student(gone.student)
        clock = _Clock(monkeypatch)
        kernels = [Store.open(content, db_url) for _ in range(3)]
        try:
            for kernel in kernels:  # two wrong join codes and one wrong resume code in each
                for _ in range(2):
                    with pytest.raises(StoreError, match="not open for joining"):
                        kernel.join_session(student, "ABC-DEF", visitor="tag-of-one-visitor")
                with pytest.raises(IdentityError):
                    kernel.resume(gone.code, visitor="tag-of-one-visitor")
            # The sixth wrong code of the visitor, in any kernel, waits; each further one twice as long.
            assert clock.waits == [0.25, 0.5, 1.0, 2.0]
            clock.waits.clear()
            with pytest.raises(StoreError):
                kernels[0].join_session(student, "ABC-DEF", visitor="another visitor")
            assert clock.waits == []  # nobody else waits
            assert _wrong_codes_kept(store) == 10
        finally:
            for kernel in kernels:
                kernel.close()

    def test_a_visitors_kernels_guessing_at_once_wait_one_after_another(
        self, store: Store, db_url: str, content: Content, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Waiting side by side, nine kernels of one visitor would guess nine times as fast as one."""
        student = store.create_student().student
        clock = _Clock(monkeypatch)
        for _ in range(facade.FREE_FAILURES + 6):  # one after another, until the delay is MAX_DELAY
            with pytest.raises(StoreError):
                store.join_session(student, "ABC-DEF", visitor="v")
        assert clock.waits[-1] == facade.MAX_DELAY
        clock.waits.clear()
        clock.still = True  # four kernels guessing at the same moment
        kernels = [Store.open(content, db_url) for _ in range(4)]
        try:
            for kernel in kernels:
                with pytest.raises(StoreError):
                    kernel.join_session(student, "ABC-DEF", visitor="v")
        finally:
            for kernel in kernels:
                kernel.close()
        assert clock.waits == [8.0, 16.0, 24.0, 32.0]  # not 8 s each, side by side

    def test_wrong_codes_older_than_the_window_are_forgotten(
        self, store: Store, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        student = store.create_student().student
        clock = _Clock(monkeypatch)
        for _ in range(facade.FREE_FAILURES + 3):
            with pytest.raises(StoreError):
                store.join_session(student, "ABC-DEF", visitor="v")
        clock.now += facade.FAILURE_WINDOW + timedelta(minutes=1)
        clock.waits.clear()
        with pytest.raises(StoreError):
            store.join_session(student, "ABC-DEF", visitor="v")
        assert clock.waits == [] and _wrong_codes_kept(store) == 1

    def test_hub_users_are_kept_by_a_hash_of_their_name(self, store: Store) -> None:
        first = store.student_for("hub", "student042")
        assert store.student_for("hub", "student042") == first
        assert store.student_for("proxy", "student042") != first
        with store.engine.connect() as connection:
            stored = [tuple(row) for row in connection.exec_driver_sql("SELECT * FROM students")]
        assert "student042" not in repr(stored)


class TestKeyedIdentities:
    """Hub and proxy names are stored as an HMAC with the server's key (security review finding 6)."""

    def test_a_roster_of_names_links_no_row_to_anyone_without_the_key(self, store: Store) -> None:
        store.student_for("hub", "jsmith42")
        roster = ["adoe1", "jsmith42", "mlee7", "tkhan3"]
        with store.engine.connect() as connection:
            stored = {row[0] for row in connection.exec_driver_sql("SELECT identity_hash FROM students")}
        # The attack of the review: hash every name of the roster the way the store used to.
        assert not stored & {codes.unkeyed_identity_hash("hub", name) for name in roster}
        assert not stored & {hashlib.sha256(name.encode()).hexdigest() for name in roster}

    def test_rows_stored_before_the_key_are_rekeyed_and_keep_their_student(self, db_url: str, content: Content) -> None:
        engine = make_engine(db_url)
        migrate(engine, "0004")
        legacy = codes.unkeyed_identity_hash("hub", "student042")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO students (id, identity_kind, identity_hash, created_at) "
                    "VALUES (7, 'hub', :hash, '2026-01-01 00:00:00')"
                ),
                {"hash": legacy},
            )
        engine.dispose()
        key = b"k" * 40
        for _ in range(2):  # the second opening finds the store keyed already, and changes nothing
            with Store.open(content, db_url, identity_key=key) as store:
                assert store.student_for("hub", "student042").id == 7
                with store.engine.connect() as connection:
                    (stored,) = connection.exec_driver_sql("SELECT identity_hash FROM students WHERE id = 7").one()
                assert stored == codes.identity_hash("hub", "student042", key) != legacy

    def test_a_store_keyed_with_another_key_is_refused(self, db_url: str, content: Content) -> None:
        with Store.open(content, db_url, identity_key=b"a" * 40) as store:
            store.student_for("hub", "ann")
        with pytest.raises(StoreError, match="keyed with another identity key"):
            Store.open(content, db_url, identity_key=b"b" * 40)

    def test_a_store_nobody_signed_in_to_by_name_takes_a_new_key(self, db_url: str, content: Content) -> None:
        # Security review of 5 December 2026, finding 12: resume-code students need no key, and were refused.
        with Store.open(content, db_url, identity_key=b"a" * 40) as store:
            coded = store.create_student()
        with Store.open(content, db_url, identity_key=b"b" * 40) as store:
            assert store.resume(coded.code) == coded.student
            ann = store.student_for("hub", "ann")
        with Store.open(content, db_url, identity_key=b"b" * 40) as store:
            assert store.student_for("hub", "ann") == ann
        with pytest.raises(StoreError, match="keyed with another identity key"):
            Store.open(content, db_url, identity_key=b"a" * 40)

    def test_a_copy_without_its_key_is_refused_and_no_new_key_is_left_behind(
        self, tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv(settings.IDENTITY_KEY.name, raising=False)
        original = tmp_path / "original"
        original.mkdir()
        with Store.open(content, f"sqlite:///{original / 'db.sqlite3'}") as store:
            store.student_for("hub", "ann")
        copy = tmp_path / "copy"
        copy.mkdir()
        shutil.copy(original / "db.sqlite3", copy / "db.sqlite3")
        with pytest.raises(StoreError) as refused:
            Store.open(content, f"sqlite:///{copy / 'db.sqlite3'}")
        assert "this server has none" in str(refused.value) and str(copy / IDENTITY_KEY_FILE) in str(refused.value)
        assert not (copy / IDENTITY_KEY_FILE).exists()
        shutil.copy(original / IDENTITY_KEY_FILE, copy / IDENTITY_KEY_FILE)  # the old key put back: all is well
        with Store.open(content, f"sqlite:///{copy / 'db.sqlite3'}") as store:
            assert store.student_for("hub", "ann").id == 1

    def test_the_key_is_made_once_beside_an_sqlite_database_readable_only_by_its_user(
        self, tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv(settings.IDENTITY_KEY.name, raising=False)
        url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
        with Store.open(content, url) as store:
            first = store.student_for("proxy", "ann")
        key_file = tmp_path / IDENTITY_KEY_FILE
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        written = key_file.read_text()
        with Store.open(content, url) as store:
            assert store.student_for("proxy", "ann") == first
        assert key_file.read_text() == written

    def test_a_key_from_the_environment_must_be_long_enough(
        self, db_url: str, content: Content, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(settings.IDENTITY_KEY.name, "short")
        with pytest.raises(StoreError, match=f"{settings.IDENTITY_KEY.name} must be at least 32 characters"):
            Store.open(content, db_url)

    def test_a_kernel_never_makes_a_key(
        self, tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv(settings.IDENTITY_KEY.name, raising=False)
        url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
        Store.open(content, url, identity_key=b"x" * 40).close()  # as `serve` does, with the key it was given
        with Store.open(content, url, create=False) as store, pytest.raises(StoreError, match="no identity key"):
            store.student_for("hub", "ann")
        assert not (tmp_path / IDENTITY_KEY_FILE).exists()


class TestAttempts:
    def test_a_new_student_has_one_attempt(self, store: Store) -> None:
        student = store.create_student().student
        assert [attempt.number for attempt in store.attempts(student)] == [1]

    def test_a_retake_opens_a_new_attempt_and_keeps_the_old(self, store: Store, content: Content) -> None:
        student = store.create_student().student
        first = store.latest_attempt(student)
        item = _scale_items(content)[0]
        store.save_answer(first, item, 2)
        second = store.start_attempt(student)
        assert second.number == 2
        assert store.latest_attempt(student) == second
        assert store.answers(first) == {item: 2}
        assert store.answers(second) == {}


class TestAnswers:
    def test_an_answer_is_saved_and_read_back(self, store: Store, content: Content) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        item = _scale_items(content)[0]
        saved = store.save_answer(attempt, item, 4)
        assert saved.changed
        assert store.answers(attempt) == {item: 4}

    def test_saving_the_same_value_again_changes_nothing(self, store: Store, content: Content) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        item = _scale_items(content)[0]
        store.save_answer(attempt, item, 4)
        before = store.counts()
        assert not store.save_answer(attempt, item, 4).changed
        assert store.counts() == before

    def test_a_changed_answer_keeps_its_history(self, store: Store, content: Content) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        item = _scale_items(content)[0]
        for value in (1, 3, 5):
            store.save_answer(attempt, item, value)
        assert store.answers(attempt) == {item: 5}
        assert [value for value, _ in store.answer_history(attempt, item)] == [1, 3, 5]

    def test_body_systems_are_saved_as_a_list(self, store: Store) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        store.save_answer(attempt, "body_systems", ["eye", "skin"])
        assert store.answers(attempt) == {"body_systems": ("eye", "skin")}

    @pytest.mark.parametrize(
        ("item", "value", "message"),
        [
            ("nope", 3, "unknown item 'nope'"),
            ("i01", 9, "whole number from 1 to 5"),
            ("i01", "5; DROP TABLE answers", "whole number from 1 to 5"),
            ("body_systems", ["liver"], "unknown body system 'liver'"),
        ],
    )
    def test_bad_answers_are_refused_and_change_nothing(
        self, store: Store, item: str, value: object, message: str
    ) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        before = store.counts()
        with pytest.raises(InputError, match=message):
            store.save_answer(attempt, item, value)
        assert store.counts() == before


class TestReflections:
    def test_a_reflection_is_private_by_default(self, store: Store) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        saved = store.save_reflection(attempt, "balance_week", "Evenings with family matter.")
        assert (saved.share_adviser, saved.share_group) == (False, False)
        assert store.reflections(attempt) == [saved]

    def test_sharing_is_an_explicit_choice_per_reflection(self, store: Store) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        store.save_reflection(attempt, "balance_week", "first")
        store.save_reflection(attempt, "balance_week", "<b>second</b>", share_group=True)
        (only,) = store.reflections(attempt)
        assert (only.text, only.share_adviser, only.share_group) == ("<b>second</b>", False, True)

    def test_oversized_text_is_refused_and_changes_nothing(self, store: Store) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        store.save_reflection(attempt, "balance_week", "kept")
        with pytest.raises(InputError, match=f"at most {REFLECTION_LIMIT} characters"):
            store.save_reflection(attempt, "balance_week", "x" * (REFLECTION_LIMIT + 1))
        assert [r.text for r in store.reflections(attempt)] == ["kept"]

    def test_a_forged_prompt_id_is_refused(self, store: Store) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        with pytest.raises(InputError, match="no reflection prompt"):
            store.save_reflection(attempt, "../etc", "text")
        with pytest.raises(InputError, match="no reflection prompt"):
            store.save_reflection(attempt, "no_such_prompt", "text")
        assert store.reflections(attempt) == []


class TestPlans:
    def test_plan_steps_are_saved_and_updated(self, store: Store) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        store.save_plan_step(attempt, "meet-society-advisor", "accepted", target_month="2027-02")
        store.save_plan_step(attempt, "meet-society-advisor", "edited", note="ask about shadowing")
        (step,) = store.plan(attempt)
        assert (step.status, step.note, step.target_month) == ("edited", "ask about shadowing", None)

    @pytest.mark.parametrize(
        ("status", "month", "message"),
        [("done", None, "no plan status"), ("accepted", "Feb 2027", "written YYYY-MM")],
    )
    def test_bad_plan_input_is_refused(self, store: Store, status: str, month: str | None, message: str) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        with pytest.raises(InputError, match=message):
            store.save_plan_step(attempt, "step", status, target_month=month)  # type: ignore[arg-type]
        assert store.plan(attempt) == []


class TestFailures:
    """What a student is told when the database fails (security review finding 10): a sentence of the
    store's, never the database's own words (which can hold SQL and its parameters)."""

    def test_a_nul_character_in_text_is_saved_without_it_on_every_database(self, store: Store) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        saved = store.save_reflection(attempt, "balance_week", "pasted\x00 text")
        assert saved.text == "pasted text" and [r.text for r in store.reflections(attempt)] == ["pasted text"]
        step = store.save_plan_step(attempt, "meet-society-advisor", "edited", note="a\x00b")
        assert step.note == "ab" and store.plan(attempt)[0].note == "ab"

    def test_a_full_disk_is_said_in_words_and_saves_nothing(self, tmp_path: Path, content: Content) -> None:
        from sqlalchemy import event

        with Store.open(content, f"sqlite:///{tmp_path / 'full.sqlite3'}") as store:
            attempt = store.latest_attempt(store.create_student().student)
            store.save_reflection(attempt, "balance_week", "kept")
            store.engine.dispose()
            with contextlib.closing(sqlite3.connect(tmp_path / "full.sqlite3")) as vacuumed:
                vacuumed.execute("VACUUM")  # no free pages left for a save to reuse

            @event.listens_for(store.engine, "connect")
            def no_room(connection: Any, _record: Any) -> None:  # the file may not grow by one page more
                pages = connection.execute("PRAGMA page_count").fetchone()[0]
                connection.execute(f"PRAGMA max_page_count = {pages}")

            store.engine.dispose()  # new connections, each with the limit
            with pytest.raises(StoreError) as raised:
                store.save_reflection(attempt, "balance_week", "x" * REFLECTION_LIMIT)
            assert str(raised.value) == DISK_FULL
            assert "sqlite" not in str(raised.value).lower() and "INSERT" not in str(raised.value)
            assert [r.text for r in store.reflections(attempt)] == ["kept"]

    def test_a_database_that_cannot_be_reached_is_said_in_words(
        self, store: Store, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        attempt = store.latest_attempt(store.create_student().student)

        def refused(*_args: object, **_kwargs: object) -> None:
            raise OperationalError("SELECT * FROM students WHERE id = 7", {}, ConnectionRefusedError("refused"))

        monkeypatch.setattr(store.engine, "connect", refused)
        for action in (lambda: store.save_reflection(attempt, "balance_week", "text"), lambda: store.plan(attempt)):
            with pytest.raises(StoreError) as raised:
                action()
            assert str(raised.value) == STORE_UNAVAILABLE and "SELECT" not in str(raised.value)


class TestGroupSessions:
    def test_students_join_a_session_by_its_code(self, store: Store) -> None:
        session = store.create_session("PDW 2026 group A", date(2026, 12, 1))
        student = store.create_student().student
        joined = store.join_session(student, session.code.lower().replace("-", ""))
        store.join_session(student, session.code)
        assert joined.id == session.id
        assert store.sessions_of(student) == [session]

    def test_a_closed_session_takes_no_new_members(self, store: Store) -> None:
        session = store.create_session("Specialty Interest Series")
        store.close_session(session.code)
        with pytest.raises(StoreError, match="not open for joining"):
            store.join_session(store.create_student().student, session.code)
        assert store.sessions()[0].closed

    def test_an_unknown_session_code_is_refused_as_a_closed_one_is(self, store: Store) -> None:
        # One message for both: a guessed code does not learn that it belongs to a session that has ended.
        with pytest.raises(StoreError) as raised:
            store.join_session(store.create_student().student, "ZZZ-ZZZ")
        assert str(raised.value) == NOT_JOINABLE

    def test_wrong_join_codes_are_slowed_down(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        waits: list[float] = []
        monkeypatch.setattr("selfexplore.store.facade.time.sleep", waits.append)
        student = store.create_student().student
        for _ in range(8):
            with pytest.raises(StoreError):
                store.join_session(student, "ZZZ-ZZZ")
        assert waits == [0.25, 0.5, 1.0]


class TestSharingWithASession:
    """A reflection shared with a group goes to one session: the one the student is in when they share it."""

    def _student_in(self, store: Store, *names: str, close: tuple[str, ...] = ()) -> tuple[Student, list[GroupSession]]:
        student = store.create_student().student
        joined = []
        for name in names:
            session = store.create_session(name)
            store.join_session(student, session.code)
            if name in close:
                store.close_session(session.code)
            joined.append(store.session(session.code))
        return student, joined

    def test_a_reflection_shared_in_may_is_not_in_januarys_closed_session(self, store: Store) -> None:
        """The review's case: shared while in "Lessons Learned (May)", it also showed in the earlier, closed
        "PDW group B (January)"."""
        student, (january, may) = self._student_in(
            store, "PDW group B (January)", "Lessons Learned (May)", close=("PDW group B (January)",)
        )
        attempt = store.latest_attempt(student)
        saved = store.save_reflection(attempt, "balance_week", "I am thinking of leaving medicine", share_group=True)
        assert store.session_rows(january).shared == []
        assert [text for _, _, text in store.session_rows(may).shared] == ["I am thinking of leaving medicine"]
        assert saved.shared_with == "Lessons Learned (May)"

    def test_in_two_open_sessions_it_goes_to_the_one_joined_last(self, store: Store) -> None:
        student, (first, second) = self._student_in(store, "SIS: surgery", "PDW group C")
        store.join_session(student, first.code)  # joining again changes nothing
        attempt = store.latest_attempt(student)
        store.save_reflection(attempt, "balance_week", "mine", share_group=True)
        assert store.session_rows(first).shared == []
        assert len(store.session_rows(second).shared) == 1
        assert store.reflections(attempt)[0].shared_with == "PDW group C"

    def test_shared_before_joining_it_goes_to_the_next_session_joined_and_only_that_one(self, store: Store) -> None:
        student = store.create_student().student
        attempt = store.latest_attempt(student)
        saved = store.save_reflection(attempt, "balance_week", "written at home", share_group=True)
        assert saved.share_group and saved.shared_with is None
        first = store.create_session("PDW group A")
        store.join_session(student, first.code)
        assert store.reflections(attempt)[0].shared_with == "PDW group A"
        later = store.create_session("Lessons Learned")
        store.join_session(student, later.code)
        assert len(store.session_rows(first).shared) == 1
        assert store.session_rows(later).shared == []

    def test_changed_text_goes_where_the_student_is_now_and_a_report_tick_moves_nothing(self, store: Store) -> None:
        student, (first,) = self._student_in(store, "PDW group A")
        attempt = store.latest_attempt(student)
        store.save_reflection(attempt, "balance_week", "first thought", share_group=True)
        second = store.create_session("Lessons Learned")
        store.join_session(student, second.code)
        moved = store.save_reflection(attempt, "balance_week", "first thought", share_group=True, in_report=True)
        assert moved.shared_with == "PDW group A"
        assert len(store.session_rows(first).shared) == 1
        rewritten = store.save_reflection(attempt, "balance_week", "a second thought", share_group=True)
        assert rewritten.shared_with == "Lessons Learned"
        assert store.session_rows(first).shared == []
        assert [text for _, _, text in store.session_rows(second).shared] == ["a second thought"]

    def test_unsharing_takes_it_out_of_its_session(self, store: Store) -> None:
        student, (session,) = self._student_in(store, "PDW group A")
        attempt = store.latest_attempt(student)
        store.save_reflection(attempt, "balance_week", "mine", share_group=True)
        unshared = store.save_reflection(attempt, "balance_week", "mine")
        assert not unshared.share_group and unshared.shared_with is None
        assert store.session_rows(session).shared == []

    def test_the_export_says_where_each_reflection_is_shared(self, store: Store) -> None:
        student, _ = self._student_in(store, "PDW group A")
        attempt = store.latest_attempt(student)
        store.save_reflection(attempt, "balance_week", "mine", share_group=True)
        store.save_reflection(attempt, "balance_energy", "private")
        shared = {r["prompt_id"]: r["shared_with"] for r in store.export_student(student)["attempts"][0]["reflections"]}
        assert shared == {"balance_week": "PDW group A", "balance_energy": None}


class TestStudentRights:
    def test_export_holds_everything_of_the_student_and_nothing_of_others(self, store: Store, content: Content) -> None:
        new, other = store.create_student(), store.create_student()
        item = _scale_items(content)[0]
        first = store.latest_attempt(new.student)
        store.save_answer(first, item, 2)
        store.save_answer(first, item, 5)
        store.save_reflection(first, "balance_week", "mine", share_adviser=True)
        store.save_plan_step(first, "meet-society-advisor", "accepted", target_month="2027-01")
        store.join_session(new.student, store.create_session("PDW").code)
        store.save_answer(store.latest_attempt(other.student), item, 1)
        exported = store.export_student(new.student)
        (attempt,) = exported["attempts"]
        assert attempt["answers"] == {item: 5}
        assert [entry["value"] for entry in attempt["answer_history"][item]] == [2, 5]
        assert attempt["reflections"][0]["text"] == "mine"
        assert attempt["plan"][0]["target_month"] == "2027-01"
        assert exported["group_sessions"][0]["name"] == "PDW"
        json.dumps(exported)

    def test_delete_removes_every_row_of_the_student_only(self, store: Store, content: Content) -> None:
        keep, gone = store.create_student(), store.create_student()
        item = _scale_items(content)[0]
        for new in (keep, gone):
            attempt = store.latest_attempt(new.student)
            store.save_answer(attempt, item, 3)
            store.save_reflection(attempt, "balance_week", "text")
            store.save_plan_step(attempt, "step", "accepted")
            store.join_session(new.student, store.create_session("S").code)
        store.delete_student(gone.student)
        assert store.counts() == {
            "students": 1,
            "attempts": 1,
            "answers": 1,
            "answer_history": 1,
            "reflections": 1,
            "plan_steps": 1,
            "memberships": 1,
        }
        with pytest.raises(IdentityError):
            store.resume(gone.code)


class TestMigrations:
    def test_a_new_store_is_at_the_latest_schema(self, store: Store) -> None:
        assert current_revision(store.engine) == head_revision() == HEAD_REVISION

    def test_a_store_of_the_first_schema_upgrades_without_losing_data(self, db_url: str, content: Content) -> None:
        engine = make_engine(db_url)
        migrate(engine, "0001")
        assert "plan_steps" not in inspect(engine).get_table_names()
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO students (id, identity_kind, identity_hash, created_at) "
                "VALUES (1, 'hub', 'h1', '2026-01-01 00:00:00')"
            )
            connection.exec_driver_sql(
                "INSERT INTO attempts (id, student_id, number, started_at) VALUES (1, 1, 1, '2026-01-01 00:00:00')"
            )
            connection.exec_driver_sql("INSERT INTO answers VALUES (1, 'i01', '4', '2026-01-01 00:00:00')")
        engine.dispose()
        store = Store.open(content, db_url)
        try:
            assert current_revision(store.engine) == head_revision()
            (attempt,) = store.attempts(store_student(store))
            assert store.answers(attempt) == {"i01": 4}
            store.save_plan_step(attempt, "step", "accepted")
            assert len(store.plan(attempt)) == 1
        finally:
            store.close()

    def test_reflections_shared_before_sessions_were_scoped_go_to_the_students_latest_session(
        self, db_url: str, content: Content
    ) -> None:
        """Schema 6 records which session a shared reflection is shared with. One shared before then is
        scoped to the session the student joined last (it showed there already, and in every other session
        of theirs too); one of a student in no session waits for the next session they join."""
        engine = make_engine(db_url)
        migrate(engine, "0004")
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO students (id, identity_kind, identity_hash, created_at) VALUES "
                "(1, 'code', 'h1', '2026-01-01 00:00:00'), (2, 'code', 'h2', '2026-01-01 00:00:00')",
                "INSERT INTO attempts (id, student_id, number, started_at) VALUES "
                "(1, 1, 1, '2026-01-01 00:00:00'), (2, 2, 1, '2026-01-01 00:00:00')",
                "INSERT INTO group_sessions (id, code, name, created_at, closed_at) VALUES "
                "(1, 'AAA-AAA', 'PDW group B (January)', '2026-01-10 00:00:00', '2026-01-12 00:00:00'), "
                "(2, 'BBB-BBB', 'Lessons Learned (May)', '2026-05-01 00:00:00', NULL)",
                "INSERT INTO memberships (session_id, student_id, joined_at) VALUES "
                "(1, 1, '2026-01-12 09:00:00'), (2, 1, '2026-05-02 09:00:00')",
                "INSERT INTO reflections (attempt_id, prompt_id, text, share_adviser, share_group, saved_at) VALUES "
                "(1, 'balance_week', 'shared', false, true, '2026-05-02 09:10:00'), "
                "(1, 'balance_energy', 'private', false, false, '2026-05-02 09:10:00'), "
                "(2, 'balance_week', 'no session yet', false, true, '2026-05-02 09:10:00')",
            ):
                connection.exec_driver_sql(statement)
        engine.dispose()
        store = Store.open(content, db_url)
        try:
            january, may = store.session("AAA-AAA"), store.session("BBB-BBB")
            assert store.session_rows(january).shared == []
            assert [text for _, _, text in store.session_rows(may).shared] == ["shared"]
            (first, second) = store_students(store)
            assert {r.prompt_id: r.shared_with for r in store.reflections(store.latest_attempt(first))} == {
                "balance_energy": None,
                "balance_week": "Lessons Learned (May)",
            }
            store.join_session(second, may.code)
            assert sorted(text for _, _, text in store.session_rows(may).shared) == ["no session yet", "shared"]
        finally:
            store.close()

    def test_opening_again_does_not_migrate_again(self, store: Store, content: Content, db_url: str) -> None:
        again = Store.open(content, db_url)
        assert current_revision(again.engine) == head_revision()
        again.close()


def store_students(store: Store) -> list[Student]:
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT id, identity_kind, created_at FROM students ORDER BY id").all()
    return [Student(row[0], row[1], row[2]) for row in rows]


def store_student(store: Store) -> Student:
    with store.engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT id, identity_kind, created_at FROM students").one()
    return Student(row[0], row[1], row[2])


def _writers(db_url: str, processes: int, count: int) -> list[subprocess.Popen[str]]:
    start_at = time.time() + 4.0
    return [
        subprocess.Popen(
            [sys.executable, "-m", "tests.store.writer", db_url, str(count), "--start-at", str(start_at)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]


@pytest.mark.slow
class TestConcurrency:
    PROCESSES = 32
    ANSWERS = 200

    def test_many_processes_save_at_once_without_errors_or_lost_answers(
        self, store: Store, db_url: str, content: Content
    ) -> None:
        writers = _writers(db_url, self.PROCESSES, self.ANSWERS)
        outputs = [writer.communicate(timeout=600) for writer in writers]
        assert [writer.returncode for writer in writers] == [0] * self.PROCESSES, outputs[0][1][-2000:]
        items = _scale_items(content)
        expected = dict(planned_answers(items, self.ANSWERS))
        for stdout, _ in outputs:
            lines = [json.loads(line) for line in stdout.splitlines()]
            header, saves = lines[0], lines[1:]
            assert [line for line in saves if "error" in line] == []
            assert len(saves) == self.ANSWERS
            student = store.resume(header["code"])
            (attempt,) = store.attempts(student)
            assert store.answers(attempt) == expected
        counts = store.counts()
        assert counts["answers"] == self.PROCESSES * len(expected)
        assert counts["answer_history"] == self.PROCESSES * self.ANSWERS

    def test_a_writer_killed_mid_way_loses_nothing_it_acknowledged(
        self, store: Store, db_url: str, content: Content
    ) -> None:
        (writer,) = _writers(db_url, 1, 5000)
        assert writer.stdout is not None
        header = json.loads(writer.stdout.readline())
        acknowledged: dict[str, int] = {}
        while len(acknowledged) < 40:
            line = json.loads(writer.stdout.readline())
            acknowledged[line["item"]] = line["value"]
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        student = store.resume(header["code"])
        (attempt,) = store.attempts(student)
        saved = store.answers(attempt)
        # The first pass over the items saves each item once, so every acknowledged answer must be there with
        # its value; the writer may have committed one more (unacknowledged) answer before it died.
        assert {item: saved.get(item) for item in acknowledged} == acknowledged
        assert len(acknowledged) <= len(saved) <= len(acknowledged) + 1


class TestPasses:
    """A page pass carries a student from page to page without the resume code ever being in a link."""

    def test_a_pass_opens_the_workbook_of_the_student_it_was_issued_to(self, store: Store) -> None:
        student = store.create_student().student
        token = store.issue_pass(student)
        assert store.student_for_pass(token).id == student.id

    def test_an_unknown_malformed_or_revoked_pass_gets_one_message(self, store: Store) -> None:
        student = store.create_student().student
        token = store.issue_pass(student)
        store.revoke_pass(token)
        for wrong in (token, "x" * 32, "short", "../../etc/passwd" + "a" * 16):
            with pytest.raises(IdentityError, match="expired or was signed out"):
                store.student_for_pass(wrong)

    def test_signing_out_revokes_every_pass_of_the_student_and_no_one_elses(self, store: Store) -> None:
        # Security review finding 4: a pass from another resume (another browser) outlived the sign-out.
        created = store.create_student()
        in_the_lab = store.issue_pass(created.student)
        at_home = store.issue_pass(store.resume(created.code))
        someone_else = store.issue_pass(store.create_student().student)
        store.revoke_pass(at_home)
        for revoked in (in_the_lab, at_home):
            with pytest.raises(IdentityError, match="expired or was signed out"):
                store.student_for_pass(revoked)
        assert store.student_for_pass(someone_else).id != created.student.id

    def test_an_expired_pass_opens_nothing(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        student = store.create_student().student
        token = store.issue_pass(student)
        later = datetime.now(UTC) + PASS_LIFETIME + timedelta(minutes=1)
        monkeypatch.setattr("selfexplore.store.facade._now", lambda: later)
        with pytest.raises(IdentityError):
            store.student_for_pass(token)

    def test_a_pass_in_use_stays_good_and_lapses_a_lifetime_after_its_last_use(
        self, store: Store, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        student = store.create_student().student
        token = store.issue_pass(student)
        start = datetime.now(UTC)
        for hours in (8, 16, 24):  # a student who comes back every eight hours stays signed in
            monkeypatch.setattr("selfexplore.store.facade._now", lambda hours=hours: start + timedelta(hours=hours))
            assert store.student_for_pass(token) == student
        idle = start + timedelta(hours=24) + PASS_LIFETIME + timedelta(minutes=1)
        monkeypatch.setattr("selfexplore.store.facade._now", lambda: idle)
        with pytest.raises(IdentityError):
            store.student_for_pass(token)

    def test_deleting_a_student_removes_their_passes(self, store: Store) -> None:
        student = store.create_student().student
        token = store.issue_pass(student)
        store.delete_student(student)
        with pytest.raises(IdentityError):
            store.student_for_pass(token)


class TestWorkbookItems:
    """The values ranking and the challenges checklist are saved and checked like any answer."""

    def test_the_ranking_and_the_checklist_are_saved_in_order(self, store: Store, content: Content) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        values = list(value_ids(content))[::-1]
        store.save_answer(attempt, "values_ranking", values)
        store.save_answer(attempt, "challenges", ["time", "information"])
        assert store.answers(attempt) == {"values_ranking": tuple(values), "challenges": ("time", "information")}

    def test_a_partial_or_repeated_ranking_is_refused(self, store: Store, content: Content) -> None:
        attempt = store.latest_attempt(store.create_student().student)
        values = list(value_ids(content))
        wrongs = (
            values[:-1],
            [*values, values[0]],
            [*values[:-1], "income"],
            ["procedures", *values[1:]],
            [*values[:-1], "prestige"],
        )
        for wrong in wrongs:
            with pytest.raises(InputError):
                store.save_answer(attempt, "values_ranking", wrong)
        with pytest.raises(InputError, match="unknown challenge"):
            store.save_answer(attempt, "challenges", ["time", "<script>"])
        assert store.answers(attempt) == {}
