"""The tables of the student data store (SQLAlchemy Core). Migrations in `selfexplore.store.migrations` build them.

Students are kept by a hash of their identity (a resume code, or a hub or proxy user name), never by name.
Every row that belongs to a student hangs off `students` with ON DELETE CASCADE, so deleting a student
removes everything of theirs in one statement.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID_LENGTH = 64


def _owner(table: str) -> Column[int]:
    return Column(f"{table}_id", Integer, ForeignKey(f"{table}s.id", ondelete="CASCADE"), nullable=False)


students = Table(
    "students",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("identity_kind", String(16), nullable=False),
    Column("identity_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    _owner("student"),
    Column("number", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("student_id", "number"),
)

answers = Table(
    "answers",
    metadata,
    Column("attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", String(ID_LENGTH), primary_key=True),
    Column("value", Text, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
)

answer_history = Table(
    "answer_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", String(ID_LENGTH), nullable=False),
    Column("value", Text, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    Index(None, "attempt_id", "item_id"),
)

reflections = Table(
    "reflections",
    metadata,
    Column("attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True),
    Column("prompt_id", String(ID_LENGTH), primary_key=True),
    Column("text", Text, nullable=False),
    Column("share_adviser", Boolean, nullable=False, default=False),
    Column("share_group", Boolean, nullable=False, default=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    # Schema version 4: whether the student ticked this reflection for their report.
    Column("in_report", Boolean, nullable=False, default=False, server_default=false()),
    # Schema version 6: the one session a reflection shared with a group is shared with (None: the next
    # session the student joins).
    Column("group_session_id", Integer, ForeignKey("group_sessions.id", ondelete="SET NULL"), nullable=True),
)

group_sessions = Table(
    "group_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("held_on", Date, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
)

memberships = Table(
    "memberships",
    metadata,
    Column("session_id", Integer, ForeignKey("group_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("student_id", Integer, ForeignKey("students.id", ondelete="CASCADE"), primary_key=True),
    Column("joined_at", DateTime(timezone=True), nullable=False),
)

# Schema version 2: the student's plan, and failed resume-code attempts (to slow down guessing).
plan_steps = Table(
    "plan_steps",
    metadata,
    Column("attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True),
    Column("step_id", String(ID_LENGTH), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("target_month", String(7), nullable=True),
    Column("saved_at", DateTime(timezone=True), nullable=False),
)

failed_logins = Table(
    "failed_logins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    # Schema version 9: whose wrong code it was (a hash of the visitor the server or the hosting names: see
    # Store._fail_slowly); kept for FAILURE_WINDOW.
    Column("visitor", String(64), nullable=True),
    Index(None, "visitor", "at"),
)

# Schema version 3: page passes. A pass keeps a signed-in student signed in between reloads of the app (in
# a cookie of their browser) without the resume code; only its hash is kept, and it expires.
passes = Table(
    "passes",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    _owner("student"),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

# Schema version 5: facts about the store itself (name, value): which identity key its signed-in students'
# user names are keyed with (a check value of the key, never the key).
store_facts = Table(
    "store_facts",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)

# Schema version 7: what a student shares with an adviser, and the adviser's own notes.
# A share names the adviser it is for (`adviser_name`: their hub, proxy or adviser-server name), or holds the
# hash of an adviser code the student handed over, until an adviser redeems it and the share becomes theirs.
# `items` is what is shared (selfexplore.sharing.ITEMS, comma-separated); the material itself is read from the
# student's current attempt when the adviser looks, so a reflection unticked or a step set aside since is
# gone from the adviser's view too. Withdrawing deletes the row. `student_label` is how the adviser knows
# the student: their sign-in name where the school signs students in (the student is told so before they
# confirm), else nothing.
adviser_shares = Table(
    "adviser_shares",
    metadata,
    Column("id", Integer, primary_key=True),
    _owner("student"),
    Column("adviser_name", String(256), nullable=True, index=True),
    Column("adviser_display", String(200), nullable=True),
    Column("code_hash", String(64), nullable=True, unique=True),
    Column("items", String(200), nullable=False),
    Column("student_label", String(256), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("seen_at", DateTime(timezone=True), nullable=True),
)

# An adviser's notes of their meetings with one student: read and written only by that adviser, and only
# while the student shares with them; deleted with the student.
adviser_notes = Table(
    "adviser_notes",
    metadata,
    Column("adviser_name", String(256), primary_key=True),
    Column("student_id", Integer, ForeignKey("students.id", ondelete="CASCADE"), primary_key=True),
    Column("text", Text, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
)

# Schema version 8: the members of a group session who deleted their data, as the session keeps them: when
# they joined and left, and when they first gave each answer (`first_given`, JSON: [attempt number, item id,
# time] each), without any value and without the student (selfexplore.records.Departure).
departures = Table(
    "departures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("group_sessions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("joined_at", DateTime(timezone=True), nullable=False),
    Column("departed_at", DateTime(timezone=True), nullable=False),
    Column("first_given", Text, nullable=False),
)

# The newest migration; the store checks it without loading Alembic (see selfexplore.store.migrate).
HEAD_REVISION = "0009"
