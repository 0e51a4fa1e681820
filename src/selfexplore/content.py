"""The content pack: load, validate and hold it as frozen models.

A content pack is a folder of YAML files that career-advising staff edit without writing code:

    dimensions.yaml      the profile dimensions and body systems
    questionnaire.yaml   scales, sections and items
    resources.yaml       the school's advising offices, people, events and challenges
    facilitation.yaml    plans and discussion prompts for the school's group sessions
    specialties/*.yaml   one page per specialty
    paths/*.yaml         one page per career path

Every file carries a `schema_version`. Each version has its own models below; loading checks every file
against its schema and then checks the pack as a whole (ids unique, references resolve, every page has
every dimension, facts have sources). All problems are collected, each as file, field and message, so a
staff member sees the whole list at once. This module is the one loader of the package.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints, ValidationError, model_validator
from pydantic import Field as Constraint

from selfexplore import settings
from selfexplore.errors import ContentError, Problem

SCHEMA_VERSIONS = (1,)
# The questionnaire: each dimension measured by at least MIN_ITEMS statements; at most MAX_ITEMS questions
# in all (statements and the unscored questions), so that the whole pass fits one sitting.
MIN_ITEMS = 2
MAX_ITEMS = 70

# An id: lower-case words joined by - or _ (the store checks ids it is given against the same pattern).
ID_PATTERN = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
Id = Annotated[str, StringConstraints(pattern=rf"^{ID_PATTERN.pattern}$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$")]


# A field is a specialty or a career path: what a student is matched to and reads a page about. (A "page"
# is a screen of the workbook app: selfexplore.workbook.PAGES.)
FieldKind = Literal["specialty", "path"]
ItemKind = Literal["scale", "systems", "ranking", "challenges"]
SupportKind = Literal["office", "person", "program", "online"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- dimensions.yaml --------------------------------------------------------------------------------


class Dimension(_Model):
    id: Id
    group: Literal["work", "values"]
    label: Text
    description: Text
    low: Text
    high: Text
    # One-sided: nobody is asked to want the low end (low pay, no say); a student says how much the high
    # end matters, from "no effect" (0.5) up. Answers that play it down bring it back to 0.5, never below.
    one_sided: bool = False
    # False: the key stays readable in answers and profiles saved before, but no field carries a value for
    # it and the fit never uses it (competitive entry: shown on each page as information, from Match data).
    matched: bool = True


class BodySystem(_Model):
    id: Id
    label: Text
    description: Text


class DimensionsFile(_Model):
    schema_version: int
    dimensions: tuple[Dimension, ...] = Constraint(min_length=1)
    systems: tuple[BodySystem, ...] = Constraint(min_length=1)


# --- questionnaire.yaml -----------------------------------------------------------------------------


class Scale(_Model):
    id: Id
    labels: tuple[Text, ...] = Constraint(min_length=2, max_length=11)
    # One-sided (an importance scale): the first label means "does not matter to me", not "I want the
    # opposite", so it sits at the middle of the line (0.5) and the last label at 1.
    one_sided: bool = False

    @property
    def points(self) -> int:
        return len(self.labels)


class Section(_Model):
    id: Id
    title: Text
    intro: Text


class ItemKey(_Model):
    dimension: Id
    reverse: bool = False


class Item(_Model):
    id: Id
    section: Id
    text: Text
    # scale: one answer on a labelled scale, keyed to dimensions (the only kind that is scored);
    # systems: up to max_choices body systems; ranking: the values dimensions put in order, most important
    # first; challenges: any of the challenges in resources.yaml, ticked without being asked why.
    kind: ItemKind = "scale"
    scale: Id | None = None
    keys: tuple[ItemKey, ...] = ()
    max_choices: int | None = Constraint(default=None, ge=1)


class Prompt(_Model):
    """A reflection question answered in the student's own words; never scored."""

    id: Id
    section: Id
    text: Text
    hint: Text | None = None


class Questionnaire(_Model):
    schema_version: int
    scales: tuple[Scale, ...] = Constraint(min_length=1)
    sections: tuple[Section, ...] = Constraint(min_length=1)
    items: tuple[Item, ...] = Constraint(min_length=1)
    prompts: tuple[Prompt, ...] = ()

    @cached_property
    def scales_by_id(self) -> Mapping[str, Scale]:
        return {scale.id: scale for scale in self.scales}

    @cached_property
    def items_by_id(self) -> Mapping[str, Item]:
        return {item.id: item for item in self.items}

    def items_in(self, section: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.section == section)

    def prompts_in(self, section: str) -> tuple[Prompt, ...]:
        return tuple(prompt for prompt in self.prompts if prompt.section == section)

    def item_of_kind(self, kind: ItemKind) -> Item | None:
        """The one item of an unscored kind (the body systems, the values ranking, the checklist)."""
        return next((item for item in self.items if item.kind == kind), None)

    def scale_of(self, item: Item) -> Scale:
        if item.scale is None:
            raise KeyError(f"item {item.id} has no scale")
        return self.scales_by_id[item.scale]


# --- specialty and career-path pages ----------------------------------------------------------------


class Source(_Model):
    id: Id
    publisher: Text
    title: Text
    year: int = Constraint(ge=1900, le=2100)
    url: Url


class Fact(_Model):
    """A piece of page text that states facts, with the sources that back it."""

    text: Text
    sources: tuple[Id, ...] = Constraint(min_length=1)


class Training(Fact):
    years: float | None = Constraint(default=None, ge=0, le=12)
    # Where programmes differ in length (three or four years), `years` is the shortest and this the longest.
    years_at_most: float | None = Constraint(default=None, ge=0, le=12)

    @property
    def years_shown(self) -> str | None:
        """ "3 years", or "3 to 4 years" where programmes differ; None where the page gives no length."""
        if self.years is None:
            return None
        if self.years_at_most is None or self.years_at_most == self.years:
            return f"{self.years:g} years"
        return f"{self.years:g} to {self.years_at_most:g} years"


class ListFact(_Model):
    items: tuple[Text, ...]
    sources: tuple[Id, ...] = Constraint(min_length=1)


class Degree(Fact):
    name: Text


class ProfileValue(_Model):
    value: float = Constraint(ge=0.0, le=1.0)
    # One line in plain words on where the field sits on this dimension: the matches page quotes it as the
    # reason for a support or a conflict.
    why: Text
    # Sources for a value that rests on a published figure (earnings, hours); most values are the content
    # team's reading of the page's facts and cite none.
    sources: tuple[Id, ...] = ()


class Route(Fact):
    """How a subspecialty is reached from its core specialty: the fellowship after the residency."""

    years_added: float = Constraint(ge=0, le=8)  # the fellowship's years, after the core residency
    certificate: Text  # the board certificate it leads to, and which board gives it


class Family(_Model):
    """A field that belongs to a core specialty: its route in, and its one line on the core's page."""

    core: Id
    line: Text
    route: Route


class Combined(Fact):
    """A combined residency that leads to two or more boards at once (internal medicine-pediatrics)."""

    name: Text
    years: float = Constraint(ge=1, le=10)
    partners: tuple[Id, ...] = Constraint(min_length=1)  # the other core specialties it joins this one with
    page: Id | None = None  # the combined programme's own page, when it has one


class Review(_Model):
    """A physician's sign-off on a page: who (a role, never a required name), when, and what they read."""

    role: Text
    date: date
    parts: tuple[Literal["facts", "profile"], ...] = Constraint(min_length=1)
    note: Text | None = None


class Field(_Model):
    """A specialty or a career path, with what its page says about it."""

    schema_version: int
    id: Id
    kind: FieldKind
    name: Text
    summary: Text
    day_to_day: Fact
    patient_population: Fact
    training: Training
    fellowships: ListFact
    lifestyle: Fact
    # How hard the field is to enter, from the Match's own data: information, never part of the fit.
    entry: Fact | None = None
    family: Family | None = None
    combined: tuple[Combined, ...] = ()
    reviews: tuple[Review, ...] = ()
    related: tuple[Id, ...] = ()
    systems: tuple[Id, ...] = ()
    # School events (resources.yaml) that suit this page in particular, beyond those for every specialty.
    events: tuple[Id, ...] = ()
    profile: dict[Id, ProfileValue]
    degrees: tuple[Degree, ...] = ()
    sources: tuple[Source, ...] = Constraint(min_length=1)
    # The day the page's facts were last checked against their sources (`validate` warns after 18 months).
    checked: date

    @cached_property
    def sources_by_id(self) -> Mapping[str, Source]:
        return {source.id: source for source in self.sources}

    def cited(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """Each fact field with the source ids it cites, as (field path, ids)."""
        yield "day_to_day.sources", self.day_to_day.sources
        yield "patient_population.sources", self.patient_population.sources
        yield "training.sources", self.training.sources
        yield "fellowships.sources", self.fellowships.sources
        yield "lifestyle.sources", self.lifestyle.sources
        if self.entry is not None:
            yield "entry.sources", self.entry.sources
        if self.family is not None:
            yield "family.route.sources", self.family.route.sources
        for index, combined in enumerate(self.combined):
            yield f"combined[{index}].sources", combined.sources
        for index, degree in enumerate(self.degrees):
            yield f"degrees[{index}].sources", degree.sources
        for key, value in self.profile.items():
            if value.sources:
                yield f"profile.{key}.sources", value.sources

    def value(self, dimension: str) -> float:
        """The field's value on a dimension; 0.5 (no lean) on one it carries none for (not matched)."""
        found = self.profile.get(dimension)
        return found.value if found is not None else 0.5


# --- resources.yaml ---------------------------------------------------------------------------------


class School(_Model):
    name: Text
    advising_page: Text


class Need(_Model):
    id: Id
    label: Text
    description: Text


class Contact(_Model):
    """Where to reach a person or an office, as the school gives it: the pages show only what is here."""

    email: EmailStr | None = None
    url: Url | None = None
    phone: Text | None = None
    place: Text | None = None  # a room, a building, office hours

    @model_validator(mode="after")
    def _says_something(self) -> Contact:
        if not any((self.email, self.url, self.phone, self.place)):
            raise ValueError("needs at least one of email, url, phone or place")
        return self


class Support(_Model):
    id: Id
    name: Text
    kind: SupportKind
    what: Text
    needs: tuple[Id, ...] = Constraint(min_length=1)
    how_to_reach: Text
    contact: Contact | None = None
    sources: tuple[Id, ...] = Constraint(min_length=1)


class Event(_Model):
    id: Id
    name: Text
    format: Literal["talk", "panel", "seminar", "dinner", "mentoring", "week", "session", "group"]
    when: Text
    audience: Text
    what: Text
    needs: tuple[Id, ...] = Constraint(min_length=1)
    sources: tuple[Id, ...] = Constraint(min_length=1)
    specialties_per_year: int | None = Constraint(default=None, ge=1)
    questions: tuple[Text, ...] = ()
    topics: tuple[Text, ...] = ()


class Challenge(_Model):
    id: Id
    label: Text
    prompt: Text
    supports: tuple[Id, ...] = Constraint(min_length=1)
    events: tuple[Id, ...] = ()


class Way(_Model):
    """One way to explore a specialty or a career path at this school, and the plan step it becomes.

    `action` may hold {name}, replaced by the page's name ("Go to the Specialty Interest Series session on
    {name}"). `id` is short: it names the plan step together with the page's id."""

    id: Id
    applies_to: FieldKind
    ref: Id
    action: Text
    # The pages the school knows this way exists for (a session this year, a student group). Absent: every
    # page of the kind. A list, even empty: only those pages get `action`; the others get `otherwise`.
    known_for: tuple[Id, ...] | None = None
    otherwise: Text | None = None

    def action_for(self, page_id: str) -> str:
        if self.known_for is None or page_id in self.known_for or self.otherwise is None:
            return self.action
        return self.otherwise


class Resources(_Model):
    schema_version: int
    school: School
    sources: tuple[Source, ...] = Constraint(min_length=1)
    needs: tuple[Need, ...] = Constraint(min_length=1)
    supports: tuple[Support, ...] = Constraint(min_length=1)
    events: tuple[Event, ...] = Constraint(min_length=1)
    challenges: tuple[Challenge, ...] = Constraint(min_length=1)
    explore: tuple[Way, ...] = ()

    @cached_property
    def supports_by_id(self) -> Mapping[str, Support]:
        return {support.id: support for support in self.supports}

    @cached_property
    def events_by_id(self) -> Mapping[str, Event]:
        return {event.id: event for event in self.events}


# --- facilitation.yaml ------------------------------------------------------------------------------


class SessionFormat(_Model):
    """A kind of group session at the school, with a plan and discussion prompts for the facilitator."""

    id: Id
    name: Text
    event: Id | None = None  # the school event (resources.yaml) this format runs at
    length: Text
    goal: Text
    plan: tuple[Text, ...] = Constraint(min_length=2)
    prompts: tuple[Text, ...] = Constraint(min_length=1)
    # Add the event's own questions (resources.yaml `questions`) to the prompts.
    event_questions: bool = False


class FacilitationFile(_Model):
    schema_version: int
    formats: tuple[SessionFormat, ...] = Constraint(min_length=1)


# --- the pack ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    """A whole, validated content pack. Build it with `load_content`."""

    dimensions: tuple[Dimension, ...]
    systems: tuple[BodySystem, ...]
    questionnaire: Questionnaire
    specialties: tuple[Field, ...]
    paths: tuple[Field, ...]
    resources: Resources
    origin: str
    facilitation: tuple[SessionFormat, ...] = ()

    @cached_property
    def matched_dimensions(self) -> tuple[Dimension, ...]:
        """The dimensions a student is matched on: every one but those kept only so that old answers read
        (competitive entry)."""
        return tuple(dimension for dimension in self.dimensions if dimension.matched)

    @cached_property
    def dimension_ids(self) -> tuple[str, ...]:
        return tuple(dimension.id for dimension in self.dimensions)

    @cached_property
    def system_ids(self) -> tuple[str, ...]:
        return tuple(system.id for system in self.systems)

    @cached_property
    def dimensions_by_id(self) -> Mapping[str, Dimension]:
        return {dimension.id: dimension for dimension in self.dimensions}

    @cached_property
    def systems_by_id(self) -> Mapping[str, BodySystem]:
        return {system.id: system for system in self.systems}

    @cached_property
    def fields_by_id(self) -> Mapping[str, Field]:
        return {page.id: page for page in (*self.specialties, *self.paths)}

    @cached_property
    def reflection_prompts(self) -> tuple[Prompt, ...]:
        """Every prompt a student can answer in their own words: the questionnaire's, then the questions of
        school events (the career-paths panel's three questions), each with the id `<event id>-q<n>`."""
        from_events = tuple(
            Prompt(id=f"{event.id}-q{number}", section="paths", text=question)
            for event in self.resources.events
            for number, question in enumerate(event.questions, start=1)
        )
        return (*self.questionnaire.prompts, *from_events)

    def format_prompts(self, session_format: SessionFormat) -> tuple[str, ...]:
        """A session format's discussion prompts, with its event's own questions when it asks for them."""
        event = self.resources.events_by_id.get(session_format.event or "")
        extra = event.questions if event is not None and session_format.event_questions else ()
        return (*session_format.prompts, *extra)

    @cached_property
    def reflection_prompts_by_id(self) -> Mapping[str, Prompt]:
        return {prompt.id: prompt for prompt in self.reflection_prompts}

    @cached_property
    def families(self) -> Mapping[str, tuple[Field, ...]]:
        """Each core specialty's id -> the fields of its family (subspecialties), by name."""
        found: dict[str, list[Field]] = {}
        for field in self.specialties:
            if field.family is not None:
                found.setdefault(field.family.core, []).append(field)
        return {core: tuple(sorted(members, key=lambda f: f.name.casefold())) for core, members in found.items()}

    def core_of(self, field: Field) -> Field | None:
        """The core specialty a subspecialty is reached through, or None for a core specialty or a path."""
        return self.fields_by_id.get(field.family.core) if field.family is not None else None

    def field(self, field_id: str) -> Field:
        try:
            return self.fields_by_id[field_id]
        except KeyError:
            raise KeyError(f"no specialty or career path with id {field_id!r}") from None


def default_content_dir() -> Traversable:
    """The pack to use: the folder named by SELFEXPLORE_CONTENT, else the pack shipped in the package."""
    named = settings.CONTENT.read()
    if named:
        return Path(named)
    return resources.files("selfexplore.data")


def load_content(source: Traversable | str | os.PathLike[str] | None = None) -> Content:
    """Load and validate a content pack; raise ContentError listing every problem if it is invalid."""
    problems, content = _read_pack(_as_traversable(source))
    if problems or content is None:
        raise ContentError(problems)
    return content


def validate_content(source: Traversable | str | os.PathLike[str] | None = None) -> list[Problem]:
    """Every problem in a content pack, in file order; an empty list means the pack is valid."""
    problems, _ = _read_pack(_as_traversable(source))
    return problems


def _as_traversable(source: Traversable | str | os.PathLike[str] | None) -> Traversable:
    if source is None:
        return default_content_dir()
    if isinstance(source, str | os.PathLike):
        return Path(source)
    return source


_M = TypeVar("_M", bound=BaseModel)


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, field: str, message: str) -> None:
        self.problems.append(Problem(file, field, message))

    def parse(self, model: type[_M], file: str, data: Any) -> _M | None:
        """Validate one file's data against its model; record each schema error as a problem."""
        if data is _UNREADABLE:
            return None  # the reason was recorded when the file was read
        if not isinstance(data, dict):
            self.add(file, "", "expected a mapping of fields at the top of the file")
            return None
        version = data.get("schema_version")
        if version not in SCHEMA_VERSIONS:
            supported = ", ".join(str(v) for v in SCHEMA_VERSIONS)
            self.add(file, "schema_version", f"unsupported schema version {version!r} (supported: {supported})")
            return None
        try:
            return model.model_validate(data)
        except ValidationError as error:
            for detail in error.errors():
                self.add(file, _field_path(detail["loc"]), _plain(detail))
            return None


def _field_path(loc: Iterable[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _plain(detail: Mapping[str, Any]) -> str:
    kind = detail.get("type", "")
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "too_short":
        context = detail.get("ctx", {})
        least = context.get("min_length")
        return f"needs at least {least} {'entry' if least == 1 else 'entries'}, has {context.get('actual_length')}"
    if kind == "string_pattern_mismatch":
        return f"{detail.get('input')!r} is not a valid value here (lower-case words joined by - or _; URLs start with https://)"
    return str(detail.get("msg", "is not valid")).removeprefix("Value error, ")


_UNREADABLE = object()


def _read_yaml(collector: _Collector, node: Traversable, name: str) -> Any:
    try:
        with node.open("r", encoding="utf-8") as stream:
            return yaml.load(stream, Loader=_Loader)  # noqa: S506 - _Loader is a safe loader
    except FileNotFoundError:
        collector.add(name, "", "file is missing")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        collector.add(name, where, f"is not valid YAML: {reason}")
    except (OSError, UnicodeDecodeError) as error:
        collector.add(name, "", f"cannot be read: {error}")
    return _UNREADABLE


_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _pages(collector: _Collector, root: Traversable, folder: str, kind: str) -> list[tuple[str, Field]]:
    directory = root / folder
    if not directory.is_dir():
        collector.add(f"{folder}/", "", "folder is missing")
        return []
    pages: list[tuple[str, Field]] = []
    for node in sorted(directory.iterdir(), key=lambda entry: entry.name):
        if not node.name.endswith((".yaml", ".yml")):
            continue
        name = f"{folder}/{node.name}"
        page = collector.parse(Field, name, _read_yaml(collector, node, name))
        if page is None:
            continue
        stem = node.name.rsplit(".", 1)[0]
        if page.id != stem:
            collector.add(name, "id", f"id {page.id!r} must match the file name {stem!r}")
        if page.kind != kind:
            collector.add(name, "kind", f"must be {kind!r} for a file in {folder}/")
        pages.append((name, page))
    if not pages:
        collector.add(f"{folder}/", "", "holds no pages")
    return pages


def _read_pack(root: Traversable) -> tuple[list[Problem], Content | None]:
    collector = _Collector()
    if not root.is_dir():
        collector.add(str(root), "", "is not a folder")
        return collector.problems, None
    dims = collector.parse(
        DimensionsFile, "dimensions.yaml", _read_yaml(collector, root / "dimensions.yaml", "dimensions.yaml")
    )
    questionnaire = collector.parse(
        Questionnaire, "questionnaire.yaml", _read_yaml(collector, root / "questionnaire.yaml", "questionnaire.yaml")
    )
    resources_file = collector.parse(
        Resources, "resources.yaml", _read_yaml(collector, root / "resources.yaml", "resources.yaml")
    )
    facilitation = collector.parse(
        FacilitationFile, "facilitation.yaml", _read_yaml(collector, root / "facilitation.yaml", "facilitation.yaml")
    )
    specialties = _pages(collector, root, "specialties", "specialty")
    paths = _pages(collector, root, "paths", "path")

    # Ids are taken from the file names, so that one broken page does not make every reference to it a
    # second, misleading problem.
    specialty_ids = _page_ids(root, "specialties")
    page_ids = {"specialty": specialty_ids, "path": _page_ids(root, "paths")}
    if dims is not None:
        _check_dimensions(collector, dims)
        if questionnaire is not None:
            _check_questionnaire(collector, questionnaire, dims)
        _check_unique(collector, [(name, page.id) for name, page in (*specialties, *paths)], "id")
        for name, page in (*specialties, *paths):
            _check_page(collector, name, page, dims, specialty_ids)
    if resources_file is not None:
        _check_resources(collector, resources_file, page_ids)
        for name, page in (*specialties, *paths):
            for index, event in enumerate(page.events):
                if event not in resources_file.events_by_id:
                    collector.add(name, f"events[{index}]", f"unknown event {event!r} (not in resources.yaml)")
        if facilitation is not None:
            _check_unique(collector, [("facilitation.yaml", f.id) for f in facilitation.formats], "formats")
            for index, session_format in enumerate(facilitation.formats):
                if session_format.event is not None and session_format.event not in resources_file.events_by_id:
                    collector.add(
                        "facilitation.yaml", f"formats[{index}].event", f"unknown event {session_format.event!r}"
                    )
                if session_format.event_questions and session_format.event is None:
                    collector.add("facilitation.yaml", f"formats[{index}].event_questions", "needs an event")

    if collector.problems or dims is None or questionnaire is None or resources_file is None or facilitation is None:
        return collector.problems, None
    content = Content(
        dimensions=dims.dimensions,
        systems=dims.systems,
        questionnaire=questionnaire,
        specialties=tuple(page for _, page in specialties),
        paths=tuple(page for _, page in paths),
        resources=resources_file,
        origin=str(root),
        facilitation=facilitation.formats,
    )
    return collector.problems, content


def _page_ids(root: Traversable, folder: str) -> set[str]:
    directory = root / folder
    if not directory.is_dir():
        return set()
    return {node.name.rsplit(".", 1)[0] for node in directory.iterdir() if node.name.endswith((".yaml", ".yml"))}


def _check_unique(collector: _Collector, entries: Iterable[tuple[str, str]], field: str) -> None:
    seen: set[str] = set()
    for file, value in entries:
        if value in seen:
            collector.add(file, field, f"id {value!r} is used more than once")
        seen.add(value)


def _check_dimensions(collector: _Collector, dims: DimensionsFile) -> None:
    _check_unique(collector, [("dimensions.yaml", d.id) for d in dims.dimensions], "dimensions")
    _check_unique(collector, [("dimensions.yaml", s.id) for s in dims.systems], "systems")


def _check_questionnaire(collector: _Collector, questionnaire: Questionnaire, dims: DimensionsFile) -> None:
    file = "questionnaire.yaml"
    dimension_ids = {d.id for d in dims.dimensions}
    section_ids = {s.id for s in questionnaire.sections}
    _check_unique(collector, [(file, s.id) for s in questionnaire.scales], "scales")
    _check_unique(collector, [(file, s.id) for s in questionnaire.sections], "sections")
    _check_unique(collector, [(file, i.id) for i in questionnaire.items], "items")
    coverage = dict.fromkeys((d.id for d in dims.dimensions if d.matched), 0)
    reversed_ = dict.fromkeys(coverage, 0)
    for index, item in enumerate(questionnaire.items):
        where = f"items[{index}]"
        if item.section not in section_ids:
            collector.add(file, f"{where}.section", f"unknown section {item.section!r}")
        if item.kind != "scale":
            if item.scale is not None or item.keys:
                collector.add(file, where, f"a {item.kind} item has no scale and no keys")
            continue
        if item.scale is None:
            collector.add(file, f"{where}.scale", "a scale item needs a scale")
        elif item.scale not in questionnaire.scales_by_id:
            collector.add(file, f"{where}.scale", f"unknown scale {item.scale!r}")
        if not item.keys:
            collector.add(file, f"{where}.keys", "a scale item needs at least one dimension key")
        for key_index, key in enumerate(item.keys):
            if key.dimension not in dimension_ids:
                collector.add(file, f"{where}.keys[{key_index}].dimension", f"unknown dimension {key.dimension!r}")
            elif key.dimension not in coverage:
                collector.add(
                    file,
                    f"{where}.keys[{key_index}].dimension",
                    f"{key.dimension!r} is not matched: no statement asks about it",
                )
            else:
                coverage[key.dimension] += 1
                if key.reverse:
                    reversed_[key.dimension] += 1
    for dimension_id in sorted(coverage):
        # Every dimension is measured with two items at least, one of them worded the other way round:
        # fewer cannot tell a real preference from one misread statement, and without a reversed item a
        # student who agrees with everything would read as strongly drawn to the dimension.
        if coverage[dimension_id] < MIN_ITEMS:
            collector.add(
                file,
                "items",
                f"dimension {dimension_id!r} is covered by {coverage[dimension_id]} item(s); "
                f"at least {MIN_ITEMS} are needed",
            )
        elif not reversed_[dimension_id]:
            collector.add(file, "items", f"dimension {dimension_id!r} needs at least one reverse-keyed item")
        elif reversed_[dimension_id] == coverage[dimension_id]:
            collector.add(file, "items", f"dimension {dimension_id!r} needs at least one item that is not reversed")
    scored = sum(1 for item in questionnaire.items if item.kind == "scale")
    if len(questionnaire.items) > MAX_ITEMS:
        collector.add(
            file,
            "items",
            f"{len(questionnaire.items)} items ({scored} statements); at most {MAX_ITEMS} keep the pass short",
        )
    for kind in ("systems", "ranking", "challenges"):
        if sum(1 for item in questionnaire.items if item.kind == kind) > 1:
            collector.add(file, "items", f"there can be only one {kind} item")
    _check_unique(collector, [(file, p.id) for p in questionnaire.prompts], "prompts")
    for index, prompt in enumerate(questionnaire.prompts):
        if prompt.section not in section_ids:
            collector.add(file, f"prompts[{index}].section", f"unknown section {prompt.section!r}")


def _check_page(collector: _Collector, file: str, page: Field, dims: DimensionsFile, specialty_ids: set[str]) -> None:
    dimension_ids = [d.id for d in dims.dimensions if d.matched]
    for dimension_id in dimension_ids:
        if dimension_id not in page.profile:
            collector.add(file, f"profile.{dimension_id}", "is required: every page has a value for every dimension")
    unmatched = {d.id for d in dims.dimensions if not d.matched}
    for key in page.profile:
        if key in unmatched:
            collector.add(file, f"profile.{key}", "is information, not part of the fit: say it in `entry` instead")
        elif key not in dimension_ids:
            collector.add(file, f"profile.{key}", "is not a known dimension")
    system_ids = {s.id for s in dims.systems}
    for index, system in enumerate(page.systems):
        if system not in system_ids:
            collector.add(file, f"systems[{index}]", f"unknown body system {system!r}")
    for index, related in enumerate(page.related):
        if related not in specialty_ids:
            collector.add(file, f"related[{index}]", f"unknown specialty {related!r}")
        elif related == page.id:
            collector.add(file, f"related[{index}]", "a page cannot be related to itself")
    _check_unique(collector, [(file, s.id) for s in page.sources], "sources")
    _check_specific(collector, file, page.sources)
    _check_citations(collector, file, page.cited(), page.sources)
    if page.kind == "specialty" and page.degrees:
        collector.add(file, "degrees", "only career paths list degrees")
    if page.kind == "specialty" and page.entry is None:
        collector.add(file, "entry", "is required: a specialty page says how hard it is to enter, from Match data")
    training = page.training
    if training.years_at_most is not None and (training.years is None or training.years_at_most < training.years):
        collector.add(file, "training.years_at_most", "needs `years`, and cannot be less than it")
    if page.family is not None:
        if page.kind != "specialty":
            collector.add(file, "family", "only a specialty belongs to a core specialty's family")
        elif page.family.core == page.id or page.family.core not in specialty_ids:
            collector.add(file, "family.core", f"unknown core specialty {page.family.core!r}")
    for index, combined in enumerate(page.combined):
        for partner in combined.partners:
            if partner not in specialty_ids or partner == page.id:
                collector.add(file, f"combined[{index}].partners", f"unknown partner specialty {partner!r}")
        if combined.page is not None and combined.page not in specialty_ids:
            collector.add(file, f"combined[{index}].page", f"unknown specialty {combined.page!r}")


STALE_AFTER_MONTHS = 18


def _older_than(checked: date, today: date, months: int) -> bool:
    """Whether `today` is later than the same day of the month `months` months after `checked`."""
    due = checked.year * 12 + checked.month - 1 + months
    return (today.year * 12 + today.month - 1, today.day) > (due, checked.day)


def stale_pages(content: Content, today: date) -> tuple[Problem, ...]:
    """Warnings, not errors: the pages whose facts were last checked more than STALE_AFTER_MONTHS ago."""
    found = []
    for folder, pages in (("specialties", content.specialties), ("paths", content.paths)):
        for page in pages:
            if _older_than(page.checked, today, STALE_AFTER_MONTHS):
                found.append(
                    Problem(
                        f"{folder}/{page.id}.yaml",
                        "checked",
                        f"facts last checked on {page.checked.isoformat()}, more than {STALE_AFTER_MONTHS} months "
                        "ago: check them against their sources and update the date",
                    )
                )
    return tuple(found)


def _check_specific(collector: _Collector, file: str, sources: Iterable[Source]) -> None:
    """A source must point at the page that says the thing: a site's home page backs no particular claim."""
    for index, source in enumerate(sources):
        address = urlsplit(source.url)
        if address.path in ("", "/") and not address.query:
            collector.add(
                file,
                f"sources[{index}].url",
                f"{source.url!r} is a site's home page: link the page that states the fact",
            )


def _check_citations(
    collector: _Collector, file: str, cited: Iterable[tuple[str, tuple[str, ...]]], sources: Iterable[Source]
) -> None:
    known = {source.id for source in sources}
    used: set[str] = set()
    for field, ids in cited:
        for source_id in ids:
            if source_id not in known:
                collector.add(file, field, f"cites {source_id!r}, which is not in the file's sources")
            used.add(source_id)
    for source_id in sorted(known - used):
        collector.add(file, "sources", f"source {source_id!r} is listed but never cited")


def _check_resources(collector: _Collector, res: Resources, page_ids: Mapping[str, set[str]]) -> None:
    file = "resources.yaml"
    need_ids = {need.id for need in res.needs}
    _check_unique(collector, [(file, n.id) for n in res.needs], "needs")
    _check_unique(collector, [(file, s.id) for s in res.supports] + [(file, e.id) for e in res.events], "id")
    _check_unique(collector, [(file, s.id) for s in res.sources], "sources")
    _check_specific(collector, file, res.sources)
    _check_unique(collector, [(file, c.id) for c in res.challenges], "challenges")
    cited: list[tuple[str, tuple[str, ...]]] = []
    advising: list[tuple[str, Support | Event]] = [(f"supports[{i}]", s) for i, s in enumerate(res.supports)]
    advising += [(f"events[{i}]", e) for i, e in enumerate(res.events)]
    for where, entry in advising:
        for need in entry.needs:
            if need not in need_ids:
                collector.add(file, f"{where}.needs", f"unknown need {need!r}")
        cited.append((f"{where}.sources", entry.sources))
    _check_citations(collector, file, cited, res.sources)
    _check_unique(collector, [(file, w.id) for w in res.explore], "explore")
    for index, way in enumerate(res.explore):
        if way.ref not in res.supports_by_id and way.ref not in res.events_by_id:
            collector.add(file, f"explore[{index}].ref", f"unknown support or event {way.ref!r}")
        if way.known_for is not None:
            if way.otherwise is None:
                collector.add(file, f"explore[{index}].otherwise", "needed with known_for")
            for page_id in way.known_for:
                if page_id not in page_ids[way.applies_to]:
                    collector.add(file, f"explore[{index}].known_for", f"unknown {way.applies_to} {page_id!r}")
    for index, challenge in enumerate(res.challenges):
        for support in challenge.supports:
            if support not in res.supports_by_id:
                collector.add(file, f"challenges[{index}].supports", f"unknown support {support!r}")
        for event in challenge.events:
            if event not in res.events_by_id:
                collector.add(file, f"challenges[{index}].events", f"unknown event {event!r}")
