"""The workbook's pages, declared once, the address of each, and how far a student has got: pure, no widgets.

The workbook is one app (one notebook, one kernel per student visit). Its pages are declared here and only
here: the navigation, the app, the notebook check and `selfexplore serve` all read `PAGES`.

The student walks the steps start -> interests -> values -> balance -> matches -> plan; four pages sit off
the main path (the specialty and career-path pages, the career paths, a comparison, and who can help).

A page's address is a query string the app keeps in step with the page shown (`?page=values`,
`?page=specialties&id=psychiatry`, `?page=compare&ids=pediatrics,psychiatry`), so that Back, Forward, a
reload and a bookmark all land on the page the student expects. An address never signs anyone in.

Progress counts the items a student can answer (statements, the body-systems choice, the values ranking
and the challenges checklist); the free-text reflections are optional and are not counted, so skipping
them never looks like unfinished work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from selfexplore.content import Content
from selfexplore.scoring import Answer

# The one notebook of the app, in notebooks/: an import and one call.
APP_NOTEBOOK = "workbook.ipynb"
APP_TITLE = "selfexplore workbook"
# Pages that show two or three pages side by side take at most this many.
COMPARED = 3


@dataclass(frozen=True)
class PageSpec:
    """One page of the app.

    `view` names the class that shows it, as "module:Class" under selfexplore.ui, imported only when the
    page is first shown. `step` puts the page on the main path (numbered, with Back and Next). `preheat`
    imports the view's module in a pooled kernel before any student arrives, so that the first time the
    page is shown costs no import.
    """

    id: str
    title: str
    view: str
    step: bool
    preheat: bool

    @property
    def module(self) -> str:
        return "selfexplore.ui." + self.view.split(":", 1)[0]

    @property
    def class_name(self) -> str:
        return self.view.split(":", 1)[1]


PAGES: tuple[PageSpec, ...] = (
    PageSpec("start", "Start", "start:StartView", step=True, preheat=True),
    PageSpec("interests", "Interests", "questions:QuestionsView", step=True, preheat=True),
    PageSpec("values", "Values", "questions:QuestionsView", step=True, preheat=True),
    PageSpec("balance", "Balance and challenges", "balance:BalanceView", step=True, preheat=True),
    PageSpec("matches", "My matches", "matches:MatchesView", step=True, preheat=True),
    PageSpec("plan", "My plan", "plan:PlanView", step=True, preheat=True),
    PageSpec("specialties", "Specialty pages", "directory:DirectoryView", step=False, preheat=False),
    PageSpec("paths", "Career paths", "aside:PathsView", step=False, preheat=False),
    PageSpec("compare", "Compare", "aside:CompareView", step=False, preheat=False),
    PageSpec("advising", "Who can help", "aside:AdvisingView", step=False, preheat=False),
)
PAGES_BY_ID: Mapping[str, PageSpec] = {spec.id: spec for spec in PAGES}
STEPS: tuple[PageSpec, ...] = tuple(spec for spec in PAGES if spec.step)
EXTRAS: tuple[PageSpec, ...] = tuple(spec for spec in PAGES if not spec.step)
STEP_IDS: tuple[str, ...] = tuple(spec.id for spec in STEPS)
FIRST_PAGE = STEPS[0].id


def page_spec(page_id: str) -> PageSpec:
    try:
        return PAGES_BY_ID[page_id]
    except KeyError:
        raise KeyError(f"no workbook page {page_id!r}") from None


def neighbours(step_id: str) -> tuple[PageSpec | None, PageSpec | None]:
    """The steps before and after this one (None at either end, and for a page off the main path)."""
    if step_id not in STEP_IDS:
        return None, None
    index = STEP_IDS.index(step_id)
    before = STEPS[index - 1] if index > 0 else None
    after = STEPS[index + 1] if index + 1 < len(STEPS) else None
    return before, after


# --- addresses --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """Where the student is in the app: a page, and for the specialty pages the one open (`target`), for
    the comparison the pages side by side (`targets`)."""

    page: str = FIRST_PAGE
    target: str | None = None
    targets: tuple[str, ...] = ()

    @property
    def spec(self) -> PageSpec:
        return page_spec(self.page)

    def query(self) -> str:
        """The query string of this route, without the question mark; the first page has none."""
        parameters: dict[str, str] = {}
        if self.page != FIRST_PAGE or self.target or self.targets:
            parameters["page"] = self.page
        if self.target:
            parameters["id"] = self.target
        if self.targets:
            parameters["ids"] = ",".join(self.targets)
        return urlencode(parameters, safe=",")

    def href(self) -> str:
        """A link to this route, relative to the app's own address."""
        return f"?{self.query()}" if self.query() else "?"


def parse_route(query: str | Mapping[str, str], content: Content) -> Route:
    """The route an address asks for. Anything unknown falls back calmly: an unknown page to the start, an
    unknown specialty or path to the list of pages, unknown compared ids are left out."""
    if isinstance(query, str):
        parsed = parse_qs(query.removeprefix("?"))
        fields = {name: values[0] for name, values in parsed.items() if values}
    else:
        fields = dict(query)
    page = fields.get("page", FIRST_PAGE)
    if page not in PAGES_BY_ID:
        return Route()
    if page == "specialties":
        target = fields.get("id")
        return Route(page, target if target in content.fields_by_id else None)
    if page == "compare":
        ids: list[str] = []
        for part in fields.get("ids", "").split(","):
            if part in content.fields_by_id and part not in ids:
                ids.append(part)
        return Route(page, targets=tuple(ids[:COMPARED]))
    return Route(page)


def field_route(page_id: str) -> Route:
    """The route to a specialty or career-path page."""
    return Route("specialties", page_id)


# --- progress ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionProgress:
    section: str
    answered: int
    total: int


@dataclass(frozen=True)
class Progress:
    """Where the student is (step k of n) and how much of the workbook is answered."""

    step_number: int
    step_count: int
    step_title: str
    answered: int
    total: int
    sections: tuple[SectionProgress, ...]

    @property
    def share(self) -> float:
        return self.answered / self.total if self.total else 0.0

    @property
    def percent(self) -> int:
        # Floor, so that 100% is shown only when every item really is answered.
        return int(100 * self.answered // self.total) if self.total else 0

    def label(self) -> str:
        return (
            f"Step {self.step_number} of {self.step_count}: {self.step_title}. "
            f"{self.answered} of {self.total} answered ({self.percent}%)."
        )


def progress(content: Content, answers: Mapping[str, Answer], step_id: str) -> Progress:
    current = page_spec(step_id)
    if not current.step:
        raise KeyError(f"{step_id!r} is not a step of the workbook")
    sections = tuple(
        SectionProgress(
            section.id,
            sum(1 for item in content.questionnaire.items_in(section.id) if item.id in answers),
            len(content.questionnaire.items_in(section.id)),
        )
        for section in content.questionnaire.sections
    )
    return Progress(
        step_number=STEP_IDS.index(current.id) + 1,
        step_count=len(STEPS),
        step_title=current.title,
        answered=sum(s.answered for s in sections),
        total=sum(s.total for s in sections),
        sections=sections,
    )
