"""What every workbook page needs: the content pack, the store, and who the student is (if known yet).

Who the student is comes, in order, from JupyterHub or a trusted proxy (selfexplore.identity), or from the
page pass in the link's query string (`?pass=...`), which the start page issues when a student starts a
new workbook or resumes with their code. The resume code itself never appears in a link.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from selfexplore.content import Content, load_content
from selfexplore.errors import SelfexploreError
from selfexplore.identity import resolve_identity
from selfexplore.scoring import Answer, ScoredProfile, score_answers
from selfexplore.store import Attempt, IdentityError, SavedAnswer, Store, Student
from selfexplore.ui.request import forwarded_headers, query_parameter, request_environ

PASS_PARAMETER = "pass"  # noqa: S105 - the name of a query parameter


@dataclass
class Session:
    """The state of one page view. Widgets read it; only its methods change it."""

    content: Content
    store: Store
    student: Student | None = None
    attempt: Attempt | None = None
    token: str | None = None
    signed_in_by: str | None = None  # "hub" or "proxy" when the hosting signs the student in
    problem: str | None = None  # why a pass in the link was not accepted
    query: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_request(
        cls, content: Content | None = None, store: Store | None = None, environ: Mapping[str, str] | None = None
    ) -> Session:
        content = content if content is not None else load_content()
        store = store if store is not None else Store.open(content)
        environ = environ if environ is not None else request_environ()
        query = {
            name: value for name in ("pass", "page", "ids") if (value := query_parameter(environ, name)) is not None
        }
        session = cls(content, store, query=query)
        signed_in = resolve_identity(environ, forwarded_headers(environ))
        if signed_in is not None:
            session._enter(store.student_for(signed_in.kind, signed_in.name))
            session.signed_in_by = signed_in.kind
        elif PASS_PARAMETER in query:
            try:
                session._enter(store.student_for_pass(query[PASS_PARAMETER]))
                session.token = query[PASS_PARAMETER]
            except IdentityError as error:
                session.problem = str(error)
        return session

    def _enter(self, student: Student) -> None:
        self.student = student
        self.attempt = self.store.latest_attempt(student)

    @property
    def known(self) -> bool:
        return self.student is not None and self.attempt is not None

    def link(self, notebook: str, **parameters: str) -> str:
        """A link to another workbook page that keeps the student signed in."""
        if self.token:
            parameters = {**parameters, PASS_PARAMETER: self.token}
        return f"{notebook}?{urlencode(parameters)}" if parameters else notebook

    # --- identity -------------------------------------------------------------------------------

    def start_new(self) -> str:
        """Create a student with a fresh resume code; returns the code, to be shown once."""
        created = self.store.create_student()
        self._enter(created.student)
        self.token = self.store.issue_pass(created.student)
        return created.code

    def resume(self, code: str) -> None:
        """Sign in with a resume code; raises IdentityError with a message for the student."""
        student = self.store.resume(code)
        self._enter(student)
        self.token = self.store.issue_pass(student)

    def sign_out(self) -> None:
        if self.token:
            self.store.revoke_pass(self.token)
        self.student = self.attempt = self.token = None

    def attempts(self) -> list[Attempt]:
        return self.store.attempts(self.student) if self.student is not None else []

    def new_attempt(self) -> Attempt:
        """Take the workbook again: a new, empty attempt; the earlier ones are kept for comparison."""
        if self.student is None:
            raise IdentityError("Open the start page first, to start a workbook or resume one.")
        self.attempt = self.store.start_attempt(self.student)
        return self.attempt

    def scored(self) -> ScoredProfile | None:
        """The student's scored profile, when someone is signed in."""
        return score_answers(self.content, self.answers()) if self.known else None

    # --- answers --------------------------------------------------------------------------------

    def answers(self) -> dict[str, Answer]:
        return self.store.answers(self.attempt) if self.attempt is not None else {}

    def save(self, item_id: str, value: object) -> SavedAnswer:
        if self.attempt is None:
            raise IdentityError("Open the start page first, to start a workbook or resume one.")
        return self.store.save_answer(self.attempt, item_id, value)


def failure_message(error: Exception) -> str:
    """What a student is told when saving fails: the domain's own message, or a calm general one."""
    if isinstance(error, SelfexploreError):
        return str(error)
    return "Your answer could not be saved just now. It is still shown on this page: please try again in a moment."
