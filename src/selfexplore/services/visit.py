"""One student's visit: who they are, their current attempt, and every read and write the workbook makes.

A visit is what one kernel serves: the app's pages bind their widgets to it and to nothing else, and the
command line uses it too (`selfexplore export`, `report`, `delete`). It keeps the current attempt's answers,
reflections and plan from what the store returned when they were saved, so a page shown again, or a saved
answer, never reads the whole attempt back; the results (scores, ranked matches) are worked out once per
change of the answers.

Who the student is comes from the hosting, as an Arrival (selfexplore.serving.identity): JupyterHub's or a
trusted proxy's user, or the page pass kept in the browser's cookie, which the app sets when a student
starts a new workbook or resumes with their code. Nothing in an address ever signs anyone in.

Two tabs of the same student are two visits: each sees what the other saved once it is reloaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

from selfexplore.content import Content, Field
from selfexplore.errors import InputError
from selfexplore.matching import FieldList
from selfexplore.plan import PlanChoice, Step, merge, step_status, suggest
from selfexplore.records import (
    AdviserShare,
    Attempt,
    ChangedElsewhere,
    GroupSession,
    IdentityError,
    PlanStep,
    Reflection,
    SavedAnswer,
    Student,
)
from selfexplore.report import Report, build_report
from selfexplore.results import Movement, Results, build_results, compare_attempts, paths_by_fit, previous_attempt
from selfexplore.scoring import Answer, ScoredProfile, ticked_challenges, values_by_score
from selfexplore.serving.identity import Arrival
from selfexplore.sharing import PREVIEW_FIRST, Preview, parse_days, parse_items, reflection_readers, shared_html
from selfexplore.store import Store

NOT_SIGNED_IN = "Open the start page first, to start a workbook or resume one."
# Where the school signs students in (a hub, a trusted proxy), only a signed-in student joins a session: a
# resume code can be made by anyone, as often as they like, and a room of made-up students could learn
# what the group's figures say about the one real student among them.
JOIN_NEEDS_SIGN_IN = (
    "Group sessions on this server are for students signed in with their school account. Sign in through "
    "the school's page for the workbook, then join the session."
)


class Visit:
    """The state of one visit, and the one way the pages read and change it."""

    def __init__(self, content: Content, store: Store) -> None:
        self.content = content
        self.store = store
        self.student: Student | None = None
        self.attempt: Attempt | None = None
        # The pass this visit keeps in the browser's cookie (None when the hosting signs the student in).
        self.page_pass: str | None = None
        self.signed_in_by: str | None = None  # "hub" or "proxy" when the hosting signs the student in
        self.problem: str | None = None  # why a pass from the browser was not accepted
        self.school_signs_in = False  # the hosting signs students in: only they may join a session
        self.sign_in_name: str | None = None  # the hub's or proxy's user name: how an adviser knows them
        self.advisers: tuple[tuple[str, str], ...] = ()  # the advisers the hosting names (user, display name)
        # Who the visitor is, for the count of wrong codes: the hosting's user, else who the server took
        # them to be (Arrival.visitor), else nobody known (the count is then this kernel's own).
        self.visitor: str | None = None
        self.sign_out_url: str | None = None  # where the hosting signs the student out, where it says
        # Bumped whenever the answers change (views shown again redraw what depends on them), and whenever
        # the student or the attempt changes (views built for the one before are dropped).
        self.version = 0
        self.generation = 0
        self._forget()

    def _forget(self) -> None:
        self._answers: dict[str, Answer] | None = None
        self._answered_at: dict[str, datetime] = {}  # when each answer shown was saved: what saves are made from
        self._reflections: dict[str, Reflection] | None = None
        self._plan: dict[str, PlanStep] | None = None
        self._results: tuple[int, Results] | None = None
        self._before: dict[FieldList, tuple[int, Movement | None]] = {}
        self._shares: list[AdviserShare] | None = None
        self._preview: Preview | None = None

    # --- who the student is -------------------------------------------------------------------------

    @classmethod
    def for_kernel(cls, content: Content) -> Visit:
        """The visit a page's kernel serves, over the server's store (Store.for_kernel)."""
        return cls(content, Store.for_kernel(content))

    @classmethod
    def arriving(cls, content: Content, store: Store, arrival: Arrival) -> Visit:
        """The visit of a page request (see `arrive`)."""
        visit = cls(content, store)
        visit.arrive(arrival)
        return visit

    def arrive(self, arrival: Arrival) -> None:
        """Sign the visit in as the hosting says (selfexplore.serving.identity.arrival reads it from the page
        request): the hub's or the proxy's user, else the pass kept in the browser's cookie, else nobody yet.
        A pass that is no longer valid leaves the visit signed out, with `problem` saying so."""
        self.school_signs_in = arrival.school_signs_in
        self.advisers = arrival.advisers if arrival.school_signs_in else ()
        signed_in = arrival.signed_in
        self.sign_out_url = arrival.sign_out_url if signed_in is not None else None
        self.visitor = f"user:{signed_in.name}" if signed_in is not None else arrival.visitor
        if signed_in is not None:
            self._enter(self.store.student_for(signed_in.kind, signed_in.name))
            self.signed_in_by = signed_in.kind
            self.sign_in_name = signed_in.name
            return
        if arrival.page_pass:
            try:
                self._enter(self.store.student_for_pass(arrival.page_pass))
            except IdentityError as error:
                self.problem = str(error)
            else:
                self.page_pass = arrival.page_pass

    @classmethod
    def for_code(cls, content: Content, store: Store, code: str) -> Visit:
        """A visit signed in with a resume code (the command line's way in)."""
        visit = cls(content, store)
        visit._enter(store.resume(code))
        return visit

    def _enter(self, student: Student, attempt: Attempt | None = None) -> None:
        self.student = student
        self.attempt = attempt or self.store.latest_attempt(student)
        self.problem = None
        self._forget()
        self.generation += 1
        self.version += 1

    @property
    def known(self) -> bool:
        return self.student is not None and self.attempt is not None

    @property
    def hosted(self) -> bool:
        """True when the hosting (JupyterHub, a trusted proxy) signs the student in: not ours to end."""
        return self.signed_in_by is not None

    def start_new(self) -> str:
        """Create a student with a fresh resume code and sign this visit in; returns the code, shown once."""
        created = self.store.create_student()
        self._enter(created.student)
        self.page_pass = self.store.issue_pass(created.student)
        return created.code

    def resume(self, code: str) -> None:
        """Sign in with a resume code; raises IdentityError with a message for the student."""
        student = self.store.resume(code, self.visitor)
        self._enter(student)
        self.page_pass = self.store.issue_pass(student)

    def sign_out(self) -> None:
        """End this visit's sign-in: its pass opens nothing any more. A hosted sign-in is left alone."""
        if self.hosted:
            return
        if self.page_pass:
            self.store.revoke_pass(self.page_pass)
        self._leave()

    def _leave(self) -> None:
        self.student = self.attempt = self.page_pass = None
        self._forget()
        self.generation += 1
        self.version += 1

    def attempts(self) -> list[Attempt]:
        return self.store.attempts(self.student) if self.student is not None else []

    def new_attempt(self) -> Attempt:
        """Take the workbook again: a new, empty attempt; the earlier ones are kept for comparison."""
        if self.student is None:
            raise IdentityError(NOT_SIGNED_IN)
        attempt = self.store.start_attempt(self.student)
        self._enter(self.student, attempt)
        return attempt

    def _current(self) -> Attempt:
        if self.attempt is None:
            raise IdentityError(NOT_SIGNED_IN)
        return self.attempt

    # --- answers --------------------------------------------------------------------------------------

    def answers(self) -> Mapping[str, Answer]:
        """The current attempt's answers (read from the store once, then kept from each save)."""
        if self.attempt is None:
            return MappingProxyType({})
        if self._answers is None:
            saved = self.store.saved_answers(self.attempt)
            self._answers = {item_id: answer.value for item_id, answer in saved.items()}
            self._answered_at = {item_id: answer.saved_at for item_id, answer in saved.items()}
        return MappingProxyType(self._answers)

    def save_answer(self, item_id: str, value: object) -> SavedAnswer:
        """Save one answer (checked against the content pack by the store); returns after the commit. Made
        from the answer this visit shows: if another tab has changed it since, nothing is saved, this visit
        takes the answer held, and ChangedElsewhere says so."""
        attempt = self._current()
        self.answers()
        try:
            saved = self.store.save_answer(attempt, item_id, value, based_on=self._answered_at.get(item_id))
        except ChangedElsewhere as error:
            self._take_answer(item_id, error.current if isinstance(error.current, SavedAnswer) else None)
            raise
        self._take_answer(item_id, saved)
        return saved

    def _take_answer(self, item_id: str, saved: SavedAnswer | None) -> None:
        assert self._answers is not None
        if saved is not None:
            changed = self._answers.get(item_id) != saved.value
            self._answers[item_id] = saved.value
            self._answered_at[item_id] = saved.saved_at
        else:  # the store holds no answer
            changed = self._answers.pop(item_id, None) is not None
            self._answered_at.pop(item_id, None)
        if changed:
            self.version += 1

    def results(self) -> Results:
        """Scores and ranked matches for the current answers, worked out once per change."""
        if self._results is None or self._results[0] != self.version:
            self._results = (self.version, build_results(self.content, self.answers()))
        return self._results[1]

    def scored(self) -> ScoredProfile | None:
        """The student's scored profile, when someone is signed in."""
        return self.results().scored if self.known else None

    def suggested_order(self) -> tuple[str, ...]:
        """Where the values ranking starts until the student saves an order of their own: their values by
        their own answers (scoring.values_by_score). Never saved, and never quoted back as their order."""
        return values_by_score(self.content, self.results().scored)

    def challenges(self) -> tuple[str, ...]:
        return ticked_challenges(self.content, self.answers())

    def movement(self, kind: FieldList) -> Movement | None:
        """After a retake: what moved since the attempt before this one (see results.previous_attempt)."""
        if self.attempt is None:
            return None
        cached = self._before.get(kind)
        if cached is not None and cached[0] == self.version:
            return cached[1]
        earlier = {a.number: a for a in self.attempts()}
        number = previous_attempt(list(earlier), self.attempt.number)
        movement = None
        if number is not None:
            before = build_results(self.content, self.store.answers(earlier[number]))
            movement = compare_attempts(self.content, before, self.results(), (number, self.attempt.number), kind)
        self._before[kind] = (self.version, movement)
        return movement

    def paths_by_fit(self) -> tuple[tuple[Field, int | None], ...]:
        return paths_by_fit(self.content, self.results() if self.known else None)

    # --- reflections ----------------------------------------------------------------------------------

    def reflections(self) -> Mapping[str, Reflection]:
        if self.attempt is None:
            return MappingProxyType({})
        if self._reflections is None:
            self._reflections = {r.prompt_id: r for r in self.store.reflections(self.attempt)}
        return MappingProxyType(self._reflections)

    def save_reflection(
        self, prompt_id: str, text: str, *, share_adviser: bool, share_group: bool, in_report: bool
    ) -> Reflection:
        """Save a reflection with its sharing choices (private unless a box is ticked). Made from the copy
        this visit shows: if another tab has changed it since, nothing is saved, this visit takes the one
        held, and ChangedElsewhere says so."""
        shown = self.reflections().get(prompt_id)
        assert self._reflections is not None
        try:
            saved = self.store.save_reflection(
                self._current(),
                prompt_id,
                text,
                share_adviser=share_adviser,
                share_group=share_group,
                in_report=in_report,
                based_on=shown.saved_at if shown is not None else None,
            )
        except ChangedElsewhere as error:
            if isinstance(error.current, Reflection):
                self._reflections[prompt_id] = error.current
            raise
        self._reflections[prompt_id] = saved
        return saved

    # --- the plan -------------------------------------------------------------------------------------

    def _saved_plan(self) -> dict[str, PlanStep]:
        if self._plan is None:
            self._plan = {s.step_id: s for s in self.store.plan(self._current())}
        return self._plan

    def plan(self) -> tuple[Step, ...]:
        """The suggested steps with what the student made of them, then saved steps no longer suggested."""
        if self.attempt is None:
            return ()
        saved = {s.step_id: (s.status, s.note, s.target_month) for s in self._saved_plan().values()}
        return merge(suggest(self.content, self.results(), self.challenges()), saved)

    def choose_step(self, step: Step, choice: PlanChoice | None, note: str, month: str | None) -> Step:
        """Save what the student made of one step; the status follows their choice (plan.step_status)."""
        status = step_status(choice)
        held = self._saved_plan()
        shown = held.get(step.suggestion.id)
        based_on = shown.saved_at if shown is not None else None
        try:
            saved = self.store.save_plan_step(self._current(), step.suggestion.id, status, note, month, based_on)
        except ChangedElsewhere as error:
            if isinstance(error.current, PlanStep):
                held[step.suggestion.id] = error.current
            raise
        held[saved.step_id] = saved
        return Step(step.suggestion, saved.status, saved.note, saved.target_month)

    def step(self, step_id: str) -> Step | None:
        """One step of the plan as this visit holds it (after a save another tab's change refused, the
        one held)."""
        return next((step for step in self.plan() if step.suggestion.id == step_id), None)

    # --- group sessions, the student's own data ---------------------------------------------------------

    def join(self, code: str) -> GroupSession:
        if self.student is None:
            raise IdentityError(NOT_SIGNED_IN)
        if self.school_signs_in and not self.hosted:
            raise IdentityError(JOIN_NEEDS_SIGN_IN)
        return self.store.join_session(self.student, code, self.visitor)

    def export(self) -> dict[str, Any]:
        """Everything the store holds about the student, as plain JSON data."""
        if self.student is None:
            raise IdentityError(NOT_SIGNED_IN)
        return self.store.export_student(self.student)

    def delete(self) -> None:
        """Delete the student and everything of theirs; the visit is signed out."""
        if self.student is None:
            raise IdentityError(NOT_SIGNED_IN)
        self.store.delete_student(self.student)
        self._leave()

    # --- sharing with an adviser ------------------------------------------------------------------------

    def adviser_shares(self, *, reread: bool = False) -> list[AdviserShare]:
        """The student's shares with advisers: read once, then again after each share or withdrawal, or when
        `reread` (a page shown again: another tab may have changed them)."""
        if self.student is None:
            return []
        if self._shares is None or reread:
            self._shares = self.store.adviser_shares_of(self.student)
        return list(self._shares)

    def preview_share(self, items: Sequence[object], adviser: str | None, days: object, made_on: date) -> Preview:
        """Exactly what an adviser would be shown of `items` now (selfexplore.sharing.shared_html), for
        `adviser` (one the hosting names, or None for an adviser code) and `days`: the one preview a share
        can then be made from (`share`)."""
        if self.student is None:
            raise IdentityError(NOT_SIGNED_IN)
        chosen = parse_items(items)
        if adviser is not None and adviser not in dict(self.advisers):
            raise InputError("There is no such advisor to share with.")
        html = shared_html(self.content, chosen, self.store.student_material(self.student, chosen), made_on)
        self._preview = Preview(chosen, adviser, parse_days(days), html, self.version)
        return self._preview

    def share(self, preview: Preview | None) -> tuple[AdviserShare, str | None]:
        """Share what `preview` showed, with its adviser (or under a new adviser code, returned once) for its
        days. Only the last preview this visit made, with the answers unchanged since, is shared: anything
        else (no preview, an older one, answers changed under it) is refused with PREVIEW_FIRST."""
        if self.student is None:
            raise IdentityError(NOT_SIGNED_IN)
        if preview is None or preview is not self._preview or preview.version != self.version:
            raise InputError(PREVIEW_FIRST)
        roster = dict(self.advisers)
        picked = (preview.adviser, roster[preview.adviser]) if preview.adviser is not None else None
        made = self.store.share_with_adviser(
            self.student, preview.items, preview.days, adviser=picked, label=self.sign_in_name
        )
        self._preview = None
        self._shares = None
        return made

    def reflection_readers(self) -> tuple[str, ...]:
        """Who reads the reflections marked for the adviser now (selfexplore.sharing.reflection_readers)."""
        return reflection_readers(self.adviser_shares(), datetime.now(UTC))

    def withdraw(self, share_id: int) -> bool:
        if self.student is None:
            raise IdentityError(NOT_SIGNED_IN)
        withdrawn = self.store.withdraw_share(self.student, share_id)
        self._shares = None
        return withdrawn

    def report(self, made_on: date) -> Report:
        """The report of the current attempt."""
        attempt = self._current()
        return build_report(
            self.content,
            attempt.number,
            self.answers(),
            {s.step_id: (s.status, s.note, s.target_month) for s in self._saved_plan().values()},
            [(r.prompt_id, r.text, r.in_report) for _, r in sorted(self.reflections().items())],
            made_on,
        )
