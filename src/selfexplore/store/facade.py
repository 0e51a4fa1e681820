"""The student data store: the one facade over the database, for SQLite (default) and PostgreSQL.

Every answer is saved the moment it is given, in its own short transaction, and the call returns only
after the commit: what the workbook shows as saved is on disk. Every operation checks its input against
the content pack first and raises a domain error that the UI can show; a refused call changes nothing.

SQLite runs in WAL mode with a busy timeout and foreign keys on, and write transactions start with
BEGIN IMMEDIATE, so that many kernel processes writing at once queue for the lock instead of failing.
PostgreSQL is used through psycopg 3. The schema is created and upgraded by Alembic when the store opens.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from selfexplore import codes, settings
from selfexplore.content import Content
from selfexplore.errors import InputError
from selfexplore.export import AttemptRecords, export_document
from selfexplore.plan import PLAN_STATUSES, PlanStatus
from selfexplore.records import (
    EXPIRED_PASS,
    HISTORY_LIMIT,
    NOT_JOINABLE,
    NOT_SHARED,
    PLAN_NOTE_LIMIT,
    REFLECTION_LIMIT,
    STORE_GONE,
    WRONG_ADVISER_CODE,
    WRONG_CODE,
    AdviserShare,
    Attempt,
    BasedOn,
    ChangedElsewhere,
    GroupRows,
    GroupSession,
    IdentityError,
    IdentityKind,
    NewStudent,
    PlanStep,
    Reflection,
    SavedAnswer,
    StoreError,
    Student,
    Unchecked,
)
from selfexplore.scoring import Answer, check_answer
from selfexplore.sharing import (
    LABEL_LIMIT,
    Material,
    ShareItem,
    check_note,
    decode_items,
    encode_items,
    parse_days,
)
from selfexplore.store.engine import WriterLock, calm, make_engine, migrate
from selfexplore.store.files import (
    default_url,
    file_id,
    identity_key_file,
    load_identity_key,
    sqlite_file,
)
from selfexplore.store.rows import (
    aware,
    check_id,
    decode_answer,
    encode_answer,
    put,
    put_unless_changed,
    read_material,
    share_record,
    without_nul,
)
from selfexplore.store.schema import (
    adviser_notes,
    adviser_shares,
    answer_history,
    answers,
    attempts,
    failed_logins,
    group_sessions,
    memberships,
    passes,
    plan_steps,
    reflections,
    store_facts,
    students,
)
from selfexplore.store.sessions import read_group_rows, record_departures

IDENTITY_KEY_FACT = "identity_key_check"
NO_IDENTITY_KEY = (
    "This server has no identity key, so nobody can be signed in by name; the server's administrator can "
    f"set {settings.IDENTITY_KEY.name}."
)
# Wrong resume codes and join codes: after FREE_FAILURES in FAILURE_WINDOW, each further failure waits
# twice as long as the one before, up to MAX_DELAY seconds. Counted per visitor (who the server or the
# hosting says they are), across every kernel they hold, and spaced: a visitor's failures are answered one
# after another, however many kernels guess at once. Only the one guessing waits (and whoever shares their
# address, where the server knows visitors by address). With 80 random bits a resume code cannot be
# guessed; a join code has 30, so guessing one is slowed to MAX_DELAY apart: 7.5 a minute per visitor.
FREE_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=10)
MAX_DELAY = 8.0
# A page pass lasts a working day; after that the student resumes with their code.
PASS_LIFETIME = codes.PASS_LIFETIME


def _delay(failures: int) -> float:
    """How long the failure numbered `failures` (of one visitor or kernel, in the window) waits."""
    return min(MAX_DELAY, 0.25 * 2.0 ** (failures - FREE_FAILURES - 1))


_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    """The one way into the student data. Build it with `Store.open`."""

    def __init__(self, engine: Engine, content: Content, identity_key: bytes | None = None) -> None:
        self.engine = engine
        self.content = content
        self._identity_key = identity_key
        self._failures: list[datetime] = []  # this store's recent wrong codes (see FREE_FAILURES)
        self._writer_lock = WriterLock.for_engine(engine)
        # An SQLite file, and which file it is: a save checks it is still there, and still the same file.
        self._file = sqlite_file(engine.url)
        self._file_id = file_id(self._file) if self._file is not None else None

    @classmethod
    def open(
        cls, content: Content, url: str | None = None, *, create: bool = True, identity_key: bytes | None = None
    ) -> Store:
        """The store at `url` (the default one when None), created or upgraded. A store that cannot be
        reached or opened is a StoreError of one sentence, naming it without its password. With
        `create=False` (a served kernel) a missing SQLite file is that error too, not a new empty store,
        and no identity key is created. The identity key is `identity_key`, else `load_identity_key`'s;
        a store keyed with another key is refused (every signed-in student would become someone new)."""
        named = url or default_url()
        parsed = make_url(named)
        shown = parsed.render_as_string(hide_password=True)
        file = sqlite_file(parsed)
        if not create and file is not None and not file.exists():
            raise StoreError(STORE_GONE)
        try:
            engine = make_engine(named)
        except OSError as error:
            raise StoreError(f"cannot open the store at {shown}: {error.strerror}") from None
        try:
            migrate(engine)
        except OperationalError as error:
            engine.dispose()
            reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else "not reachable"
            raise StoreError(f"cannot open the store at {shown}: {reason}") from None
        try:
            store = cls(engine, content, None)
            key = identity_key or load_identity_key(parsed, os.environ, create=False)
            if key is None and create:
                # A new key only where no signed-in student needs the old one: a key made beside a copy
                # whose key went missing would have to be deleted by whoever puts the old one back.
                if store._named_students_keyed():
                    raise StoreError(store._lost_key(parsed, missing=True))
                key = load_identity_key(parsed, os.environ, create=True)
            store._identity_key = key
            if key is not None:
                store._key_identities(key, parsed)
        except BaseException:
            engine.dispose()
            raise
        return store

    @classmethod
    def for_kernel(cls, content: Content) -> Store:
        """The store a page's kernel opens: the server's (SELFEXPLORE_DB_URL), never created by a served
        kernel (the server creates it before any kernel starts: a missing file means it was moved or
        deleted, and a fresh empty store would take the answers); in JupyterLab, created when needed."""
        return cls.open(content, create=not settings.STORE_PREPARED.read())

    def _named_students_keyed(self) -> bool:
        """Whether the store records a key and holds students signed in by name (hub or proxy), who need it."""
        fact = select(store_facts.c.value).where(store_facts.c.name == IDENTITY_KEY_FACT)
        named = select(students.c.id).where(students.c.identity_kind.in_(("hub", "proxy"))).limit(1)
        with self._read() as connection:
            return (
                connection.execute(fact).scalar_one_or_none() is not None
                and connection.execute(named).first() is not None
            )

    @staticmethod
    def _lost_key(url: URL, *, missing: bool) -> str:
        which = "an identity key, and this server has none" if missing else "another identity key than this server's"
        return (
            f"this store's signed-in students were keyed with {which}; set {settings.IDENTITY_KEY.name} to their "
            f"key, or put back the key file {identity_key_file(url)}"
        )

    def _key_identities(self, key: bytes, url: URL) -> None:
        """Check that this store's signed-in students are keyed with `key`; the first time, rekey the rows
        stored before the store had a key (an HMAC over their unkeyed hash: no name is needed). A store with
        no student signed in by name takes a new key: nobody needs the old one."""
        check = codes.identity_key_check(key)
        fact = select(store_facts.c.value).where(store_facts.c.name == IDENTITY_KEY_FACT)
        with self._read() as connection:
            recorded = connection.execute(fact).scalar_one_or_none()
        if recorded is None:
            try:
                with self._write() as connection:
                    recorded = connection.execute(fact).scalar_one_or_none()
                    if recorded is None:
                        unkeyed = connection.execute(
                            select(students.c.id, students.c.identity_hash).where(
                                students.c.identity_kind.in_(("hub", "proxy"))
                            )
                        ).all()
                        for row in unkeyed:
                            connection.execute(
                                update(students)
                                .where(students.c.id == row.id)
                                .values(identity_hash=codes.rekey_identity(row.identity_hash, key))
                            )
                        connection.execute(insert(store_facts).values(name=IDENTITY_KEY_FACT, value=check))
                        recorded = check
            except IntegrityError:  # another process keyed it at the same moment
                with self._read() as connection:
                    recorded = connection.execute(fact).scalar_one_or_none()
        if recorded != check:
            if self._named_students_keyed():
                raise StoreError(self._lost_key(url, missing=False))
            with self._write() as connection:
                connection.execute(
                    update(store_facts).where(store_facts.c.name == IDENTITY_KEY_FACT).values(value=check)
                )

    def close(self) -> None:
        self._writer_lock.close()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with calm(), self._writer_lock, self.engine.connect() as connection:
            self._check_file()
            connection.execution_options(selfexplore_write=True)
            with connection.begin():
                yield connection
                # Checked again before the commit: a file replaced while this transaction ran is not
                # written to (the transaction is rolled back), and the student is not told "Saved".
                self._check_file()

    def _check_file(self) -> None:
        """Refuse to write when the SQLite file was deleted, moved or replaced since the store opened:
        an open connection would go on writing to a file nobody will read again."""
        if self._file is not None and file_id(self._file) != self._file_id:
            raise StoreError(STORE_GONE)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with calm(), self.engine.connect() as connection, connection.begin():
            yield connection

    # --- identity ---------------------------------------------------------------------------------

    def create_student(self) -> NewStudent:
        """A new student known only by a fresh resume code, with a first attempt opened."""
        for _ in range(3):
            code = codes.new_code()
            try:
                student = self._insert_student("code", codes.code_hash(code))
            except IntegrityError:  # a collision of 80 random bits: practically never, but never fatal
                continue
            return NewStudent(student, code)
        raise StoreError("A new resume code could not be made just now; please try again.")

    def _insert_student(self, kind: IdentityKind, identity: str) -> Student:
        now = _now()
        with self._write() as connection:
            student_id = connection.execute(
                insert(students)
                .values(identity_kind=kind, identity_hash=identity, created_at=now)
                .returning(students.c.id)
            ).scalar_one()
            connection.execute(insert(attempts).values(student_id=student_id, number=1, started_at=now))
        return Student(int(student_id), kind, now)

    def resume(self, code: str, visitor: str | None = None) -> Student:
        """The student with this resume code. A wrong code gets one generic message, and repeated
        failures are slowed down (counted for `visitor`: see _fail_slowly); a code with a typing mistake
        says so and does not count as a failure."""
        try:
            hashed = codes.code_hash(code)
        except codes.MalformedCode as error:
            raise IdentityError(f"{error}.") from None
        with self._read() as connection:
            row = connection.execute(select(students).where(students.c.identity_hash == hashed)).first()
        if row is None:
            self._fail_slowly(visitor)
            raise IdentityError(WRONG_CODE)
        return Student(row.id, row.identity_kind, aware(row.created_at))

    def _fail_slowly(self, visitor: str | None = None) -> None:
        """Count a wrong code, and wait if there have been too many lately. With `visitor` (who the server
        or the hosting took the visitor to be), counted in the store for that visitor, across all the kernels
        they hold: a visitor opening kernel after kernel gets no fresh free tries (security review of
        5 December 2026, finding 8). Without, counted for this store (this kernel) alone."""
        now = _now()
        if visitor is None:
            self._failures = [*(at for at in self._failures if at >= now - FAILURE_WINDOW), now]
            if len(self._failures) > FREE_FAILURES:
                time.sleep(_delay(len(self._failures)))
            return
        # Each failure is kept with the moment it is answered: the one before's, plus its delay. Parallel
        # kernels of one visitor queue behind each other instead of waiting side by side.
        who = hashlib.sha256(b"selfexplore-visitor:" + visitor.encode()).hexdigest()
        with self._write() as connection:
            connection.execute(delete(failed_logins).where(failed_logins.c.at < now - FAILURE_WINDOW))
            recent, latest = connection.execute(
                select(func.count(), func.max(failed_logins.c.at)).where(failed_logins.c.visitor == who)
            ).one()
            answered = now
            if recent >= FREE_FAILURES and latest is not None:
                answered = max(now, aware(latest) + timedelta(seconds=_delay(recent + 1)))
            connection.execute(insert(failed_logins).values(at=answered, visitor=who))
        if answered > now:
            time.sleep((answered - now).total_seconds())

    def student_for(self, kind: Literal["hub", "proxy"], name: str) -> Student:
        """The student signed in as `name` by JupyterHub or a trusted proxy, created on first visit."""
        if not name or len(name) > 256:
            raise IdentityError("The sign-in did not give a usable user name.")
        if self._identity_key is None:
            raise StoreError(NO_IDENTITY_KEY)
        hashed = codes.identity_hash(kind, name, self._identity_key)
        with self._read() as connection:
            row = connection.execute(select(students).where(students.c.identity_hash == hashed)).first()
        if row is not None:
            return Student(row.id, row.identity_kind, aware(row.created_at))
        try:
            return self._insert_student(kind, hashed)
        except IntegrityError:  # created by another tab of the same student a moment ago
            return self.student_for(kind, name)

    # --- page passes ------------------------------------------------------------------------------

    def issue_pass(self, student: Student) -> str:
        """A fresh random token for this student's workbook links; only its hash is stored."""
        token = codes.new_pass()
        now = _now()
        with self._write() as connection:
            connection.execute(delete(passes).where(passes.c.expires_at < now))
            connection.execute(
                insert(passes).values(
                    token_hash=codes.pass_hash(token), student_id=student.id, expires_at=now + PASS_LIFETIME
                )
            )
        return token

    def student_for_pass(self, token: str) -> Student:
        """The student a pass was issued to; an unknown, malformed or expired pass gets one message."""
        if not isinstance(token, str) or not codes.looks_like_pass(token):
            raise IdentityError(EXPIRED_PASS)
        hashed = codes.pass_hash(token)
        now = _now()
        with self._read() as connection:
            row = connection.execute(
                select(students, passes.c.expires_at)
                .join(passes, passes.c.student_id == students.c.id)
                .where(passes.c.token_hash == hashed, passes.c.expires_at > now)
            ).first()
        if row is None:
            raise IdentityError(EXPIRED_PASS)
        if aware(row.expires_at) < now + PASS_LIFETIME - codes.PASS_RENEWAL:
            # Used, so renewed: a pass lapses PASS_LIFETIME after its last use, not after it was issued.
            with self._write() as connection:
                connection.execute(
                    update(passes)
                    .where(passes.c.token_hash == hashed, passes.c.expires_at > now)
                    .values(expires_at=now + PASS_LIFETIME)
                )
        return Student(row.id, row.identity_kind, aware(row.created_at))

    def revoke_pass(self, token: str) -> None:
        """Sign out: no pass of the student who holds this one opens any page any more, on any device (a
        pass left in another browser, or in a link, would otherwise stay good for hours)."""
        if isinstance(token, str) and codes.looks_like_pass(token):
            holder = select(passes.c.student_id).where(passes.c.token_hash == codes.pass_hash(token))
            with self._write() as connection:
                connection.execute(delete(passes).where(passes.c.student_id.in_(holder.scalar_subquery())))

    # --- attempts ---------------------------------------------------------------------------------

    def attempts(self, student: Student) -> list[Attempt]:
        with self._read() as connection:
            rows = connection.execute(
                select(attempts).where(attempts.c.student_id == student.id).order_by(attempts.c.number)
            ).all()
        return [Attempt(r.id, r.student_id, r.number, aware(r.started_at)) for r in rows]

    def latest_attempt(self, student: Student) -> Attempt:
        found = self.attempts(student)
        if not found:
            raise StoreError("This student has no workbook yet.")
        return found[-1]

    def start_attempt(self, student: Student) -> Attempt:
        """Open a new attempt (a retake); the earlier ones are kept unchanged."""
        now = _now()
        with self._write() as connection:
            number = connection.execute(
                select(func.coalesce(func.max(attempts.c.number), 0)).where(attempts.c.student_id == student.id)
            ).scalar_one()
            attempt_id = connection.execute(
                insert(attempts)
                .values(student_id=student.id, number=number + 1, started_at=now)
                .returning(attempts.c.id)
            ).scalar_one()
        return Attempt(int(attempt_id), student.id, number + 1, now)

    # --- answers ----------------------------------------------------------------------------------

    def save_answer(
        self, attempt: Attempt, item_id: str, value: object, based_on: BasedOn = Unchecked.ANY
    ) -> SavedAnswer:
        """Save one answer; returns after the commit. Saving the value the store holds changes nothing. A save
        made from an answer another tab has changed since (`based_on`: records.BasedOn) writes nothing and
        raises ChangedElsewhere with the answer held."""
        checked = check_answer(self.content, item_id, value)
        encoded = encode_answer(checked)
        now = _now()
        key = {"attempt_id": attempt.id, "item_id": item_id}
        this_one = (answers.c.attempt_id == attempt.id) & (answers.c.item_id == item_id)
        with self._write() as connection:
            held = connection.execute(select(answers.c.value, answers.c.saved_at).where(this_one)).first()
            if held is not None and held.value == encoded:
                return SavedAnswer(item_id, checked, aware(held.saved_at), changed=False)
            values = {"value": encoded, "saved_at": now}
            if based_on is Unchecked.ANY:
                put(connection, answers, key, values)
            elif not put_unless_changed(connection, answers, key, values, based_on):
                held = connection.execute(select(answers.c.value, answers.c.saved_at).where(this_one)).first()
                raise ChangedElsewhere(
                    None
                    if held is None
                    else SavedAnswer(item_id, decode_answer(held.value), aware(held.saved_at), False)
                )
            connection.execute(
                insert(answer_history).values(attempt_id=attempt.id, item_id=item_id, value=encoded, saved_at=now)
            )
            this_answer = (answer_history.c.attempt_id == attempt.id) & (answer_history.c.item_id == item_id)
            first = select(func.min(answer_history.c.id)).where(this_answer).scalar_subquery()
            newest = (
                select(answer_history.c.id)
                .where(this_answer)
                .order_by(answer_history.c.id.desc())
                .limit(HISTORY_LIMIT - 1)
                .scalar_subquery()
            )
            connection.execute(
                delete(answer_history).where(
                    this_answer & (answer_history.c.id != first) & answer_history.c.id.not_in(newest)
                )
            )
        return SavedAnswer(item_id, checked, now, changed=True)

    def answers(self, attempt: Attempt) -> dict[str, Answer]:
        return {item_id: saved.value for item_id, saved in self.saved_answers(attempt).items()}

    def saved_answers(self, attempt: Attempt) -> dict[str, SavedAnswer]:
        """The answers with when each was saved: what a page's saves are made from (see save_answer)."""
        with self._read() as connection:
            rows = connection.execute(
                select(answers.c.item_id, answers.c.value, answers.c.saved_at).where(answers.c.attempt_id == attempt.id)
            ).all()
        return {
            row.item_id: SavedAnswer(row.item_id, decode_answer(row.value), aware(row.saved_at), False) for row in rows
        }

    def answer_history(self, attempt: Attempt, item_id: str) -> list[tuple[Answer, datetime]]:
        with self._read() as connection:
            rows = connection.execute(
                select(answer_history.c.value, answer_history.c.saved_at)
                .where((answer_history.c.attempt_id == attempt.id) & (answer_history.c.item_id == item_id))
                .order_by(answer_history.c.id)
            ).all()
        return [(decode_answer(row.value), aware(row.saved_at)) for row in rows]

    # --- reflections ------------------------------------------------------------------------------

    def save_reflection(
        self,
        attempt: Attempt,
        prompt_id: str,
        text_: str,
        *,
        share_adviser: bool = False,
        share_group: bool = False,
        in_report: bool = False,
        based_on: BasedOn = Unchecked.ANY,
    ) -> Reflection:
        """Save a private reflection; sharing with an adviser or the group is a separate, explicit choice.

        Shared with the group, it goes to one session: the open session the student joined last, when they
        share it or change its text (a save that changes neither, such as ticking it for the report, leaves
        it where it is). Shared while in no open session, it goes to the next session they join.

        A save made from a copy another tab has changed since (`based_on`: records.BasedOn) writes nothing and
        raises ChangedElsewhere with the reflection held."""
        if prompt_id not in self.content.reflection_prompts_by_id:
            raise InputError(f"There is no reflection prompt {prompt_id!r}.")
        if not isinstance(text_, str):
            raise InputError("A reflection must be text.")
        text_ = without_nul(text_)
        if len(text_) > REFLECTION_LIMIT:
            raise InputError(
                f"A reflection can hold at most {REFLECTION_LIMIT} characters; this one has {len(text_)}. "
                "Shorten it to save it: your last saved version is kept."
            )
        if not all(isinstance(choice, bool) for choice in (share_adviser, share_group, in_report)):
            raise InputError("Sharing choices must be yes or no.")
        now = _now()
        key = (reflections.c.attempt_id == attempt.id) & (reflections.c.prompt_id == prompt_id)
        with self._write() as connection:
            before = connection.execute(
                select(reflections.c.text, reflections.c.share_group, reflections.c.group_session_id).where(key)
            ).first()
            session_id: int | None = None
            if share_group and before is not None and before.share_group and before.text == text_:
                session_id = before.group_session_id
            elif share_group:
                session_id = connection.execute(
                    select(memberships.c.session_id)
                    .join(group_sessions, group_sessions.c.id == memberships.c.session_id)
                    .where((memberships.c.student_id == attempt.student_id) & group_sessions.c.closed_at.is_(None))
                    .order_by(memberships.c.joined_at.desc(), memberships.c.session_id.desc())
                    .limit(1)
                ).scalar_one_or_none()
            values = {
                "text": text_,
                "share_adviser": share_adviser,
                "share_group": share_group,
                "in_report": in_report,
                "saved_at": now,
                "group_session_id": session_id,
            }
            row_key = {"attempt_id": attempt.id, "prompt_id": prompt_id}
            if based_on is Unchecked.ANY:
                put(connection, reflections, row_key, values)
            elif not put_unless_changed(connection, reflections, row_key, values, based_on):
                raise ChangedElsewhere(next(iter(self._reflections(connection, attempt, prompt_id)), None))
            shared_with = (
                None
                if session_id is None
                else connection.execute(
                    select(group_sessions.c.name).where(group_sessions.c.id == session_id)
                ).scalar_one_or_none()
            )
        return Reflection(prompt_id, text_, share_adviser, share_group, now, in_report, shared_with)

    def reflections(self, attempt: Attempt) -> list[Reflection]:
        with self._read() as connection:
            return self._reflections(connection, attempt)

    @staticmethod
    def _reflections(connection: Connection, attempt: Attempt, prompt_id: str | None = None) -> list[Reflection]:
        which = reflections.c.attempt_id == attempt.id
        if prompt_id is not None:
            which &= reflections.c.prompt_id == prompt_id
        rows = connection.execute(
            select(reflections, group_sessions.c.name.label("shared_with"))
            .outerjoin(group_sessions, group_sessions.c.id == reflections.c.group_session_id)
            .where(which)
            .order_by(reflections.c.prompt_id)
        ).all()
        return [
            Reflection(
                r.prompt_id,
                r.text,
                r.share_adviser,
                r.share_group,
                aware(r.saved_at),
                r.in_report,
                r.shared_with if r.share_group else None,
            )
            for r in rows
        ]

    # --- plans ------------------------------------------------------------------------------------

    def save_plan_step(
        self,
        attempt: Attempt,
        step_id: str,
        status: PlanStatus,
        note: str = "",
        target_month: str | None = None,
        based_on: BasedOn = Unchecked.ANY,
    ) -> PlanStep:
        """Save what the student made of one step. A save made from a copy another tab has changed since
        (`based_on`: records.BasedOn) writes nothing and raises ChangedElsewhere with the step held."""
        check_id("plan step", step_id)
        if status not in PLAN_STATUSES:
            raise InputError(f"There is no plan status {status!r}.")
        if not isinstance(note, str) or len(note) > PLAN_NOTE_LIMIT:
            raise InputError(
                f"A note can hold at most {PLAN_NOTE_LIMIT} characters; shorten it to save it: your last saved note "
                "is kept."
            )
        if target_month is not None and (not isinstance(target_month, str) or not _MONTH.match(target_month)):
            raise InputError(f"A target month is written YYYY-MM, not {target_month!r}.")
        note = without_nul(note)
        now = _now()
        values = {"status": status, "note": note, "target_month": target_month, "saved_at": now}
        row_key = {"attempt_id": attempt.id, "step_id": step_id}
        with self._write() as connection:
            if based_on is Unchecked.ANY:
                put(connection, plan_steps, row_key, values)
            elif not put_unless_changed(connection, plan_steps, row_key, values, based_on):
                raise ChangedElsewhere(next(iter(self._plan(connection, attempt, step_id)), None))
        return PlanStep(step_id, status, note, target_month, now)

    def plan(self, attempt: Attempt) -> list[PlanStep]:
        with self._read() as connection:
            return self._plan(connection, attempt)

    @staticmethod
    def _plan(connection: Connection, attempt: Attempt, step_id: str | None = None) -> list[PlanStep]:
        which = plan_steps.c.attempt_id == attempt.id
        if step_id is not None:
            which &= plan_steps.c.step_id == step_id
        rows = connection.execute(select(plan_steps).where(which).order_by(plan_steps.c.step_id)).all()
        return [PlanStep(r.step_id, r.status, r.note, r.target_month, aware(r.saved_at)) for r in rows]

    # --- group sessions ---------------------------------------------------------------------------

    def create_session(self, name: str, held_on: date | None = None) -> GroupSession:
        name = name.strip() if isinstance(name, str) else ""
        if not name or len(name) > 200:
            raise InputError("A session needs a name of at most 200 characters.")
        for _ in range(5):
            code = codes.new_join_code()
            try:
                with self._write() as connection:
                    session_id = connection.execute(
                        insert(group_sessions)
                        .values(code=code, name=name, held_on=held_on, created_at=_now())
                        .returning(group_sessions.c.id)
                    ).scalar_one()
            except IntegrityError:
                continue
            return GroupSession(int(session_id), code, name, held_on, closed=False)
        raise StoreError("A join code could not be made just now; please try again.")

    def sessions(self) -> list[GroupSession]:
        with self._read() as connection:
            rows = connection.execute(select(group_sessions).order_by(group_sessions.c.id)).all()
        return [GroupSession(r.id, r.code, r.name, r.held_on, r.closed_at is not None) for r in rows]

    def _session(self, connection: Connection, code: str) -> Any:
        canonical = codes.normalise_join_code(code)
        row = connection.execute(select(group_sessions).where(group_sessions.c.code == canonical)).first()
        if row is None:
            raise StoreError("There is no group session with that code. Check it with your facilitator.")
        return row

    def join_session(self, student: Student, code: str, visitor: str | None = None) -> GroupSession:
        """Join the open session with this code. A code that opens none (unknown, or of a closed session:
        one message for both, so a guess learns nothing) counts as a wrong code (see FREE_FAILURES)."""
        with self._write() as connection:
            canonical = codes.normalise_join_code(code)
            row = connection.execute(select(group_sessions).where(group_sessions.c.code == canonical)).first()
            if row is None or row.closed_at is not None:
                row = None
            else:
                known = connection.execute(
                    select(memberships.c.session_id).where(
                        (memberships.c.session_id == row.id) & (memberships.c.student_id == student.id)
                    )
                ).first()
                if known is None:
                    connection.execute(
                        insert(memberships).values(session_id=row.id, student_id=student.id, joined_at=_now())
                    )
                # Reflections the student shared while in no open session were waiting for this one.
                connection.execute(
                    update(reflections)
                    .where(
                        reflections.c.share_group.is_(True)
                        & reflections.c.group_session_id.is_(None)
                        & reflections.c.attempt_id.in_(select(attempts.c.id).where(attempts.c.student_id == student.id))
                    )
                    .values(group_session_id=row.id)
                )
        if row is None:
            self._fail_slowly(visitor)
            raise StoreError(NOT_JOINABLE)
        return GroupSession(row.id, row.code, row.name, row.held_on, closed=False)

    def instrument_rows(self) -> list[tuple[int, int, str, str]]:
        """Every student's answers in every attempt, as (student, attempt number, item id, value as stored):
        what the questionnaire's evidence is computed from (selfexplore.instrument). No name or code."""
        query = (
            select(attempts.c.student_id, attempts.c.number, answers.c.item_id, answers.c.value)
            .join(answers, answers.c.attempt_id == attempts.c.id)
            .order_by(attempts.c.student_id, attempts.c.number)
        )
        with self._read() as connection:
            return [(int(s), int(n), str(i), str(v)) for s, n, i, v in connection.execute(query).all()]

    def session_sizes(self) -> Mapping[int, int]:
        """How many students joined each session (by session id), counted by the database: listing the
        sessions reads no student's answers."""
        counted = select(memberships.c.session_id, func.count()).group_by(memberships.c.session_id)
        with self._read() as connection:
            return {int(session_id): int(size) for session_id, size in connection.execute(counted).all()}

    def close_session(self, code: str) -> GroupSession:
        with self._write() as connection:
            row = self._session(connection, code)
            connection.execute(update(group_sessions).where(group_sessions.c.id == row.id).values(closed_at=_now()))
        return GroupSession(row.id, row.code, row.name, row.held_on, closed=True)

    def session(self, code: str) -> GroupSession:
        with self._read() as connection:
            row = self._session(connection, code)
        return GroupSession(row.id, row.code, row.name, row.held_on, row.closed_at is not None)

    def session_rows(self, session: GroupSession) -> GroupRows:
        """For a session's dashboard: what its figures are made from (selfexplore.store.sessions)."""
        with self._read() as connection:
            return read_group_rows(connection, session.id, _now())

    def sessions_of(self, student: Student) -> list[GroupSession]:
        with self._read() as connection:
            rows = connection.execute(
                select(group_sessions)
                .join(memberships, memberships.c.session_id == group_sessions.c.id)
                .where(memberships.c.student_id == student.id)
                .order_by(group_sessions.c.id)
            ).all()
        return [GroupSession(r.id, r.code, r.name, r.held_on, r.closed_at is not None) for r in rows]

    # --- sharing with an adviser --------------------------------------------------------------------

    def share_with_adviser(
        self,
        student: Student,
        items: Sequence[ShareItem],
        days: int,
        *,
        adviser: tuple[str, str] | None = None,
        label: str | None = None,
    ) -> tuple[AdviserShare, str | None]:
        """Share `items` for `days` with `adviser` (name, display name), or, without one, under a new adviser
        code, returned once and stored only as a hash. Sharing again with the same adviser replaces what is
        shared and for how long. `label` is how the adviser will know the student (their sign-in name)."""
        encoded = encode_items(items)
        days = parse_days(days)
        if adviser is not None and (not adviser[0] or len(adviser[0]) > LABEL_LIMIT):
            raise InputError("There is no such adviser.")
        if label is not None and len(label) > LABEL_LIMIT:
            raise InputError("The sign-in name is too long to show.")
        now = _now()
        values = {"items": encoded, "student_label": label, "updated_at": now, "expires_at": now + timedelta(days=days)}
        code: str | None = None
        with self._write() as connection:
            connection.execute(delete(adviser_shares).where(adviser_shares.c.expires_at <= now))
            existing = None
            if adviser is not None:
                existing = connection.execute(
                    select(adviser_shares.c.id).where(
                        (adviser_shares.c.student_id == student.id) & (adviser_shares.c.adviser_name == adviser[0])
                    )
                ).scalar_one_or_none()
            if existing is not None:
                connection.execute(
                    update(adviser_shares)
                    .where(adviser_shares.c.id == existing)
                    .values(adviser_display=adviser[1] if adviser else None, **values)
                )
                share_id = existing
            else:
                if adviser is None:
                    code = codes.new_adviser_code()
                share_id = connection.execute(
                    insert(adviser_shares)
                    .values(
                        student_id=student.id,
                        adviser_name=adviser[0] if adviser else None,
                        adviser_display=adviser[1] if adviser else None,
                        code_hash=codes.adviser_code_hash(code) if code else None,
                        created_at=now,
                        **values,
                    )
                    .returning(adviser_shares.c.id)
                ).scalar_one()
            row = connection.execute(select(adviser_shares).where(adviser_shares.c.id == share_id)).one()
        return share_record(row), code

    def adviser_shares_of(self, student: Student) -> list[AdviserShare]:
        """The student's shares with advisers, newest first (expired ones too, until replaced or withdrawn)."""
        with self._read() as connection:
            rows = connection.execute(
                select(adviser_shares)
                .where(adviser_shares.c.student_id == student.id)
                .order_by(adviser_shares.c.created_at.desc(), adviser_shares.c.id.desc())
            ).all()
        return [share_record(row) for row in rows]

    def withdraw_share(self, student: Student, share_id: int) -> bool:
        """Withdraw one of the student's shares: from this moment no adviser reads anything of it. False
        when there was no such share of theirs (already withdrawn in another tab)."""
        if not isinstance(share_id, int) or isinstance(share_id, bool):
            raise InputError("There is no such share.")
        with self._write() as connection:
            gone = connection.execute(
                delete(adviser_shares).where(
                    (adviser_shares.c.id == share_id) & (adviser_shares.c.student_id == student.id)
                )
            ).rowcount
        return bool(gone)

    def student_material(self, student: Student, items: Sequence[ShareItem]) -> Material:
        """What an adviser would be shown of `items` now: the student's preview reads it the same way."""
        with self._read() as connection:
            return read_material(connection, student.id, tuple(items))

    def redeem_adviser_code(self, adviser: str, display: str, code: str) -> AdviserShare:
        """Make the share behind an adviser code this adviser's. A code already redeemed by another adviser,
        expired, withdrawn or unknown opens nothing (one message; repeated failures are slowed)."""
        try:
            hashed = codes.adviser_code_hash(code)
        except codes.MalformedCode as error:
            raise IdentityError(f"{error}.") from None
        now = _now()
        with self._write() as connection:
            row = connection.execute(
                select(adviser_shares).where(
                    (adviser_shares.c.code_hash == hashed) & (adviser_shares.c.expires_at > now)
                )
            ).first()
            if row is not None and row.adviser_name is None:
                # Given only while still nobody's: of two advisers at once, the second's update finds it taken.
                connection.execute(
                    update(adviser_shares)
                    .where((adviser_shares.c.id == row.id) & adviser_shares.c.adviser_name.is_(None))
                    .values(adviser_name=adviser, adviser_display=display)
                )
                row = connection.execute(select(adviser_shares).where(adviser_shares.c.id == row.id)).one()
        if row is None or row.adviser_name != adviser:
            self._fail_slowly()
            raise IdentityError(WRONG_ADVISER_CODE)
        return share_record(row)

    def advisees(self, adviser: str) -> list[tuple[AdviserShare, Mapping[str, datetime | None]]]:
        """The live shares with this adviser, oldest first, each with when its shared parts last changed."""
        now = _now()
        with self._read() as connection:
            rows = connection.execute(
                select(adviser_shares)
                .where((adviser_shares.c.adviser_name == adviser) & (adviser_shares.c.expires_at > now))
                .order_by(adviser_shares.c.created_at, adviser_shares.c.id)
            ).all()
            return [
                (share_record(row), read_material(connection, row.student_id, decode_items(row.items)).changed)
                for row in rows
            ]

    def _live_share(self, connection: Connection, adviser: str, share_id: int) -> Any:
        if not isinstance(share_id, int) or isinstance(share_id, bool):
            raise IdentityError(NOT_SHARED)
        row = connection.execute(
            select(adviser_shares).where(
                (adviser_shares.c.id == share_id)
                & (adviser_shares.c.adviser_name == adviser)
                & (adviser_shares.c.expires_at > _now())
            )
        ).first()
        if row is None:
            raise IdentityError(NOT_SHARED)
        return row

    def shared_material(self, adviser: str, share_id: int) -> tuple[AdviserShare, Material]:
        """What one share shows this adviser, now; the adviser has looked (`seen_at`). Another adviser's
        share, an expired or a withdrawn one is an IdentityError."""
        with self._write() as connection:
            row = self._live_share(connection, adviser, share_id)
            material = read_material(connection, row.student_id, decode_items(row.items))
            connection.execute(update(adviser_shares).where(adviser_shares.c.id == row.id).values(seen_at=_now()))
        return share_record(row), material

    def adviser_note(self, adviser: str, share_id: int) -> str:
        """This adviser's notes on the student of a live share of theirs."""
        with self._read() as connection:
            row = self._live_share(connection, adviser, share_id)
            note = connection.execute(
                select(adviser_notes.c.text).where(
                    (adviser_notes.c.adviser_name == adviser) & (adviser_notes.c.student_id == row.student_id)
                )
            ).scalar_one_or_none()
        return note or ""

    def save_adviser_note(self, adviser: str, share_id: int, text_: object) -> datetime:
        note = check_note(text_)
        now = _now()
        with self._write() as connection:
            row = self._live_share(connection, adviser, share_id)
            put(
                connection,
                adviser_notes,
                {"adviser_name": adviser, "student_id": row.student_id},
                {"text": note, "saved_at": now},
            )
        return now

    def adviser_summary(self) -> list[tuple[str, str | None, int, datetime]]:
        """For the hosting side: each adviser with live shares, their display name, how many students share
        with them, and the newest share."""
        now = _now()
        with self._read() as connection:
            rows = connection.execute(
                select(
                    adviser_shares.c.adviser_name,
                    func.max(adviser_shares.c.adviser_display).label("display"),
                    func.count(func.distinct(adviser_shares.c.student_id)).label("students"),
                    func.max(adviser_shares.c.updated_at).label("newest"),
                )
                .where(adviser_shares.c.adviser_name.is_not(None) & (adviser_shares.c.expires_at > now))
                .group_by(adviser_shares.c.adviser_name)
                .order_by(adviser_shares.c.adviser_name)
            ).all()
        return [(r.adviser_name, r.display, int(r.students), aware(r.newest)) for r in rows]

    def revoke_adviser(self, adviser: str, share_id: int | None = None) -> int:
        """For the hosting side: end every share with this adviser (or one of them); their notes go too.
        Returns how many shares ended."""
        where = adviser_shares.c.adviser_name == adviser
        if share_id is not None:
            where = where & (adviser_shares.c.id == share_id)
        with self._write() as connection:
            ended = connection.execute(delete(adviser_shares).where(where)).rowcount
            if share_id is None:
                connection.execute(delete(adviser_notes).where(adviser_notes.c.adviser_name == adviser))
        return int(ended)

    # --- student rights ---------------------------------------------------------------------------

    def export_student(self, student: Student) -> dict[str, Any]:
        """Everything the store holds about a student, as plain JSON data (selfexplore.export)."""
        held = []
        for attempt in self.attempts(student):
            saved = self.answers(attempt)
            history = {item_id: self.answer_history(attempt, item_id) for item_id in saved}
            held.append(AttemptRecords(attempt, saved, history, self.reflections(attempt), self.plan(attempt)))
        return export_document(student, held, self.sessions_of(student), self.adviser_shares_of(student))

    def delete_student(self, student: Student) -> None:
        """Remove the student and everything of theirs (attempts, answers, history, reflections, plans,
        memberships). A session they joined keeps when they answered, never what (`record_departures`)."""
        with self._write() as connection:
            record_departures(connection, student.id, _now())
            connection.execute(delete(students).where(students.c.id == student.id))
        if self.engine.dialect.name == "sqlite":
            # The deleted rows were zeroed in the file (secure_delete); the write-ahead log still holds the
            # pages as they were written: copy it back into the file and empty it.
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def counts(self) -> Mapping[str, int]:
        """Row counts per table (for checks and benchmarks)."""
        tables = (students, attempts, answers, answer_history, reflections, plan_steps, memberships)
        with self._read() as connection:
            return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}
