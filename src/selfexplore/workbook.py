"""The workbook's steps, in order, and how far a student has got: pure, no widgets.

The student walks start -> interests -> values -> balance -> matches -> plan. Progress counts the items a student
can answer (statements, the body-systems choice, the values ranking and the challenges checklist); the
free-text reflections are optional and are not counted, so skipping them never looks like unfinished work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from selfexplore.content import Content
from selfexplore.scoring import Answer


@dataclass(frozen=True)
class Step:
    id: str
    title: str

    @property
    def notebook(self) -> str:
        return f"{self.id}.ipynb"


STEPS: tuple[Step, ...] = (
    Step("start", "Start"),
    Step("interests", "Interests"),
    Step("values", "Values"),
    Step("balance", "Balance and challenges"),
    Step("matches", "My matches"),
    Step("plan", "My plan"),
)
# Pages off the main path, linked from every page: (notebook, title).
EXTRAS: tuple[tuple[str, str], ...] = (
    ("specialties.ipynb", "Specialty pages"),
    ("paths.ipynb", "Career paths"),
    ("compare.ipynb", "Compare"),
    ("advising.ipynb", "Who can help"),
)
STEP_IDS: tuple[str, ...] = tuple(step.id for step in STEPS)


def step(step_id: str) -> Step:
    for candidate in STEPS:
        if candidate.id == step_id:
            return candidate
    raise KeyError(f"no workbook step {step_id!r}")


def neighbours(step_id: str) -> tuple[Step | None, Step | None]:
    """The steps before and after this one (None at either end)."""
    index = STEP_IDS.index(step(step_id).id)
    before = STEPS[index - 1] if index > 0 else None
    after = STEPS[index + 1] if index + 1 < len(STEPS) else None
    return before, after


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
    current = step(step_id)
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
