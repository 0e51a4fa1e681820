"""The student's plan: next steps suggested from their matches, paths and challenges, and what they chose.

Suggestions, in this order (each with the reason it is there):

* for the closest specialty: every way to explore it at the school (resources.yaml `explore`), as for the
  steps from matches below only once enough is answered for the ranking to be trusted;
* for the next SECOND_SPECIALTIES specialties: the Specialty Interest Series session and the interest group;
* for the closest career path, when it fits at least PATH_FIT_MIN: its ways and its own events;
* for each challenge the student ticked: a talk with each support the content pack maps it to;
* always: a meeting with the Society advisor, who coordinates the advising team, to go through the plan.

A step the student saved keeps its place even if it is no longer suggested (answers changed since), so
nothing the student saw as saved disappears.

What the student chose is the step's status: "Keep this step" keeps it, "Not now" sets it aside, and
without either choice the step stays suggested. A note or a month alone keeps nothing: a student who jots
a note on a step they have not chosen does not find it in their report as a kept step. ("edited", a kept
step with a note, is still read as kept for plans saved before this rule.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from selfexplore.content import Contact, Content, Support, SupportKind
from selfexplore.explore import HOW, HOW_TO_REACH, WHEN, ways_for
from selfexplore.results import CLOSE_FIT, Results

SECOND_SPECIALTIES = 2
SECOND_WAYS = ("series", "group")
PATH_FIT_MIN = CLOSE_FIT
ADVISOR_STEP = "society-advisor_meeting"
BREADTH_STEP = "breadth_explore"
SERIES_EVENT = "specialty-interest-series"
MONTHS_AHEAD = 18

PlanStatus = Literal["suggested", "accepted", "edited", "dismissed"]
PLAN_STATUSES: tuple[PlanStatus, ...] = ("suggested", "accepted", "edited", "dismissed")
KEPT: tuple[PlanStatus, ...] = ("accepted", "edited")
PlanChoice = Literal["accepted", "dismissed"]
PLAN_CHOICES: tuple[PlanChoice, ...] = ("accepted", "dismissed")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Suggestion:
    id: str
    title: str
    why: str
    how: str
    how_label: str = HOW_TO_REACH  # what `how` says (explore.HOW_TO_REACH, WHEN or HOW)
    contact: Contact | None = None  # how to reach the person or office of the step, as the content gives it


@dataclass(frozen=True)
class Step:
    """A suggestion together with what the student made of it (status 'suggested' until they choose)."""

    suggestion: Suggestion
    status: str = "suggested"
    note: str = ""
    target_month: str | None = None

    @property
    def kept(self) -> bool:
        return self.status in KEPT

    @property
    def choice(self) -> PlanChoice | None:
        """The student's choice as the page shows it: kept, set aside, or none yet."""
        if self.kept:
            return "accepted"
        return "dismissed" if self.status == "dismissed" else None


def step_status(choice: object) -> PlanStatus:
    """The status a step is saved with: the student's choice, or "suggested" when they made none (see the
    module's docstring: a note or a month alone keeps nothing)."""
    if choice == "accepted":
        return "accepted"
    if choice == "dismissed":
        return "dismissed"
    return "suggested"


def status_words(step: Step) -> str:
    """How the status line names what was saved for a step."""
    if step.kept:
        return "kept, with your note" if step.note.strip() else "kept"
    if step.status == "dismissed":
        return "set aside"
    return "not kept yet: choose “Keep this step” to put it in your plan"


# How a step names what to do with a support, by its kind: one talks with an office or a person, reads what is
# online and looks into a programme (walk review: "Talk with AAMC Careers in Medicine.", a website).
_SUPPORT_VERBS: Mapping[SupportKind, str] = {
    "office": "Talk with the {name}.",
    "person": "Talk with the {name}.",
    "online": "Read {name}.",
    "program": "Look into {name}.",
}


def support_step(support: Support) -> str:
    """The step for one support, in words that suit what it is."""
    return _SUPPORT_VERBS[support.kind].format(name=support.name)


def suggest(content: Content, results: Results, challenges: Iterable[str]) -> tuple[Suggestion, ...]:
    found: list[Suggestion] = []
    # Steps drawn from matches only when enough was answered for the ranking to mean something, and the
    # answers separate the fields (results.Results.separates); otherwise a step to explore broadly.
    ranked = results.trustworthy and results.separates
    specialties = results.specialties if ranked else ()
    if results.trustworthy and not results.separates:
        series = content.resources.events_by_id.get(SERIES_EVENT)
        found.append(
            Suggestion(
                BREADTH_STEP,
                "Read the pages of three specialties you know little about, then go to a Specialty Interest "
                "Series session on the one you most wanted to read to the end.",
                "Your answers do not yet separate the fields, so start broad rather than from a ranking.",
                series.when if series is not None else "",
                WHEN,
            )
        )
    for place, match in enumerate(specialties[: 1 + SECOND_SPECIALTIES], start=1):
        page = content.field(match.id)
        why = f"{match.name} is your match number {place} (fit {match.fit})."
        core = content.core_of(page)
        if core is not None and page.family is not None:
            # A subspecialty is reached through its core residency: that is the step to plan for first.
            more = page.family.route.years_added
            after = f", then {more:g} more years of fellowship" if more > 0 else ""
            found.append(
                Suggestion(
                    f"{page.id}_route",
                    f"Plan for the {core.name} residency: {match.name} is reached through it{after}.",
                    why,
                    f"Read the {core.name} page and its family of fields, and ask your Society advisor how "
                    f"students here prepare for {core.name}.",
                    HOW,
                )
            )
        for way in ways_for(content, page):
            if place == 1 or way.step_id.removeprefix(f"{page.id}_") in SECOND_WAYS:
                found.append(Suggestion(way.step_id, way.action, why, way.how, way.how_label, way.contact))
    if ranked and results.paths and results.paths[0].fit >= PATH_FIT_MIN:
        match = results.paths[0]
        why = f"{match.name} is your closest career path (fit {match.fit})."
        found.extend(
            Suggestion(w.step_id, w.action, why, w.how, w.how_label, w.contact)
            for w in ways_for(content, content.field(match.id))
        )
    supports = content.resources.supports_by_id
    ticked = set(challenges)
    for challenge in content.resources.challenges:
        if challenge.id not in ticked:
            continue
        for support_id in challenge.supports:
            support = supports[support_id]
            step_id = f"support_{support.id}"
            if any(s.id == step_id for s in found):
                continue
            found.append(
                Suggestion(
                    step_id,
                    support_step(support),
                    f"You ticked “{challenge.label}”; {support.name} can help with it.",
                    support.how_to_reach,
                    contact=support.contact,
                )
            )
    advisor = supports.get("society-advisor")
    found.append(
        Suggestion(
            ADVISOR_STEP,
            "Meet your Society advisor and go through this plan together.",
            "Your Society advisor coordinates your advising team and helps turn a plan into a timeline.",
            advisor.how_to_reach if advisor is not None else "",
            contact=advisor.contact if advisor is not None else None,
        )
    )
    return tuple(found)


def merge(suggestions: Sequence[Suggestion], saved: Mapping[str, tuple[str, str, str | None]]) -> tuple[Step, ...]:
    """The plan as shown: each suggestion with the student's choice, then saved steps no longer suggested.

    `saved` maps a step id to (status, note, target month), as the store holds them."""
    steps = [Step(s, *saved[s.id]) if s.id in saved else Step(s) for s in suggestions]
    known = {s.id for s in suggestions}
    for step_id, (status, note, month) in sorted(saved.items()):
        if step_id not in known:
            title = step_id.replace("_", ": ").replace("-", " ").capitalize()
            steps.append(Step(Suggestion(step_id, title, "You chose this step earlier.", ""), status, note, month))
    return tuple(steps)


def month_label(month: str) -> str:
    """A target month as a person reads it: "2027-01" is "January 2027" (anything else is shown as it is)."""
    year, _, number = month.partition("-")
    if year.isdigit() and number.isdigit() and 1 <= int(number) <= 12:
        return f"{MONTH_NAMES[int(number) - 1]} {year}"
    return month


def month_choices(today: date, months: int = MONTHS_AHEAD) -> tuple[tuple[str, str], ...]:
    """(label, YYYY-MM) for this month and the next ones, for a target-month choice."""
    choices = []
    year, month = today.year, today.month
    for _ in range(months):
        value = f"{year:04d}-{month:02d}"
        choices.append((month_label(value), value))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return tuple(choices)
