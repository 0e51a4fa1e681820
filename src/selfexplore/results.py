"""The student's matches, ready to show: ranked fields with reasons in plain words, tensions, suggestions
outside the top, and a warning when too little was answered to trust the ranking. Pure: no widgets.

Answers that do not separate the fields are not ranked. When nearly every statement got the same answer
(all "Agree", all "Neither", all "Not important"), when the student agreed with statements that say opposite
things on many dimensions, or when the first field fits barely better than the middle of the list, the matches page says
so, kindly, with what to do instead, and shows no list, no number and no ranking words; the plan suggests
no field (`Results.separates`).

Tensions: a value the student *stated* as important (answered high, or put in the top three of the values
ranking) that one of their top matches works against (the page's value is at most TENSION_PAGE_MAX). The
match can still be right for them; the tension is something to ask about, not a verdict.

Suggestions outside the top: fields ranked below the top few whose strongest draw (a shared interest, not a
shared dislike) is not the strongest draw of any top match, so each suggestion shows another side of the student. When
there are not enough of those, the next best pages that draw the student fill the list. A field that only lacks
what the student would rather not do, or fits below SUGGESTION_FIT_MIN, is never suggested.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from selfexplore.charts import fit_chart, profile_chart
from selfexplore.content import Content, Field
from selfexplore.matching import FieldList, Match, Reason, fit_words, lean, rank
from selfexplore.scoring import Answer, AnswerStyle, ScoredProfile, answer_style, score_answers

TOP = 3
SHOWN = 10
SUGGESTIONS = 3
# Below this share of answered statements the ranking rests on too little to trust.
TRUST_THRESHOLD = 0.6
TENSION_STUDENT_MIN = 0.75
TENSION_PAGE_MAX = 0.35
RANKED_AS_IMPORTANT = 3
# The first field must fit at least this many points better than the middle field of the list for the
# answers to separate the fields: below it the order of the list says more about small differences between
# pages than about the student.
SEPARATION = 8
# Below this fit a field is not close to the student's answers (50 is as much for as against): a list whose
# best is below it is shown as the closest fields, not as fields that fit (walk review: "Career paths that fit
# you best" over fits of 48 down to 10). The plan draws steps from the closest career path only from here.
CLOSE_FIT = 55
# A field outside the top is suggested only from this fit up (40: a little more against than for).
SUGGESTION_FIT_MIN = 40

FIT_EXPLAINED = (
    "The fit says how far a field agrees with what you answered: 50 is as much for as against. It rises with "
    "each interest the field shares with you, a little with each thing it lacks that you would rather not do, "
    "and falls with each thing it has that you would rather not. It is not a chance of matching or of being "
    "happy in a field."
)


@dataclass(frozen=True)
class Tension:
    value: str
    page_id: str
    page_name: str
    student: float
    page: float
    ranked: int | None  # 1-based place in the student's values ranking, when they ranked it


@dataclass(frozen=True)
class Results:
    scored: ScoredProfile
    specialties: tuple[Match, ...]
    paths: tuple[Match, ...]
    ranking: tuple[str, ...]  # the values order the student saved (empty until they save one)
    style: AnswerStyle

    def matches(self, kind: FieldList) -> tuple[Match, ...]:
        return self.specialties if kind == "specialties" else self.paths

    @property
    def trustworthy(self) -> bool:
        return self.scored.completeness >= TRUST_THRESHOLD

    @property
    def separates(self) -> bool:
        """Whether the answers tell the fields apart enough to rank them (see the module's docstring)."""
        if self.style.alike or self.style.acquiescent or len(self.specialties) < 2:
            return False
        middle = self.specialties[len(self.specialties) // 2]
        return self.specialties[0].fit - middle.fit >= SEPARATION


def build_results(content: Content, answers: Mapping[str, Answer]) -> Results:
    scored = score_answers(content, answers)
    ranking_items = [item.id for item in content.questionnaire.items if item.kind == "ranking"]
    ranking = answers.get(ranking_items[0]) if ranking_items else None
    return Results(
        scored=scored,
        specialties=rank(content, scored.profile, "specialties"),
        paths=rank(content, scored.profile, "paths"),
        ranking=ranking if isinstance(ranking, tuple) else (),
        style=answer_style(content, answers),
    )


def paths_by_fit(content: Content, results: Results | None) -> tuple[tuple[Field, int | None], ...]:
    """The career paths with their fit, best first (ties by name); without a student's answers, by name
    with no fit."""
    fits = {m.id: m.fit for m in results.paths} if results is not None else {}
    ordered = sorted(content.paths, key=lambda page: (-fits.get(page.id, 0), page.name))
    return tuple((page, fits.get(page.id)) for page in ordered)


def tensions(content: Content, results: Results, kind: FieldList, top: int = TOP) -> tuple[Tension, ...]:
    """Stated values that a top match works against, by match rank, then by how far apart they are."""
    stated: dict[str, int | None] = {}
    for place, value in enumerate(results.ranking[:RANKED_AS_IMPORTANT], start=1):
        stated[value] = place
    for dimension in content.matched_dimensions:
        score = results.scored.scores[dimension.id]
        if dimension.group == "values" and not score.unanswered and score.value >= TENSION_STUDENT_MIN:
            stated.setdefault(dimension.id, None)
    found: list[Tension] = []
    for match in results.matches(kind)[:top]:
        page = content.field(match.id)
        here = [
            Tension(value, page.id, page.name, results.scored.profile.value(value), page.value(value), place)
            for value, place in stated.items()
            if value in page.profile and page.value(value) <= TENSION_PAGE_MAX
        ]
        found.extend(sorted(here, key=lambda t: (-(t.student - t.page), t.value)))
    return tuple(found)


def suggestions(
    matches: Sequence[Match], top: int = TOP, count: int = SUGGESTIONS, shown: int = SHOWN
) -> tuple[Match, ...]:
    """A few pages outside the top worth a look (see the module's docstring): first from beyond the list
    already shown, when they still fit better than not (fit above 50), then from the rest of that list.

    Each has something that draws the student to it (a shared interest, or a body system they chose), which
    is the reason shown, and fits at least SUGGESTION_FIT_MIN: a field that only lacks what the student
    would rather not do, or that is mostly against them, is not suggested (walk review: Neurology at fit 27
    because the student would rather not operate). Fewer than `count`, or none, when no more qualify."""
    leading = {quotable(m.draws)[0].key for m in matches[:top] if quotable(m.draws)}
    rest = [
        m
        for m in [*(m for m in matches[shown:] if m.fit > 50), *matches[top:shown]]
        if m.fit >= SUGGESTION_FIT_MIN and quotable(m.draws)
    ]
    chosen: list[Match] = []
    for match in rest:
        key = quotable(match.draws)[0].key
        if key not in leading and key not in {quotable(c.draws)[0].key for c in chosen}:
            chosen.append(match)
        if len(chosen) == count:
            break
    for match in rest:
        if len(chosen) == count:
            break
        if match not in chosen:
            chosen.append(match)
    return tuple(sorted(chosen, key=lambda m: list(matches).index(m)))


FAMILIES = 3


def families_behind(
    content: Content, matches: Sequence[Match], shown: int = SHOWN
) -> tuple[tuple[Field, tuple[Match, ...]], ...]:
    """The families behind the top of the list: for the first FAMILIES core specialties that are in the top
    `shown`, or whose subspecialties are, the fields of that family that fit the student best (TOP of them),
    best first. A student drawn to cardiology sees the rest of internal medicine's family beside it."""
    cores: list[str] = []
    for match in matches[:shown]:
        field = content.field(match.id)
        core = field.family.core if field.family is not None else field.id
        if core in content.families and core not in cores:
            cores.append(core)
    by_id = {match.id: match for match in matches}
    found = []
    for core in cores[:FAMILIES]:
        members = sorted((by_id[m.id] for m in content.families[core] if m.id in by_id), key=lambda m: (-m.score, m.id))
        found.append((content.field(core), tuple(members[:TOP])))
    return tuple(found)


# --- words ----------------------------------------------------------------------------------------


# A page value this close to the middle (0.4 to 0.6) says little about the field: it still counts in the
# score, but it is never quoted as a reason.
NEAR_NEUTRAL = 0.1


def quotable(reasons: Sequence[Reason]) -> tuple[Reason, ...]:
    """The reasons worth putting into words: body systems, and dimensions on which the page is not near
    the middle."""
    return tuple(r for r in reasons if r.page is None or abs(r.page - 0.5) > NEAR_NEUTRAL)


def _leaning(student: float) -> str:
    distance = abs(student - 0.5)
    way = "towards it" if student > 0.5 else "away from it"
    return f"you lean strongly {way}" if distance >= 0.25 else f"you lean {way}"


def reason_words(content: Content, match: Match, reason: Reason) -> str:
    """One reason as an escaped HTML sentence a student can check against the page: what the student said,
    and the page's own line on where the field sits on that dimension. A shared interest says "and", a
    shared dislike says the field has little of it, a conflict says "but"."""
    name = escape(match.name)
    if reason.key.startswith("system:"):
        system_id = reason.key.removeprefix("system:")
        system = content.systems_by_id.get(system_id)
        label = system.label if system is not None else system_id
        return f"<strong>{escape(label)}</strong>: you chose it, and {name} works with it."
    dimension = content.dimensions_by_id[reason.key]
    student = reason.student if reason.student is not None else 0.5
    why = escape(content.field(match.id).profile[reason.key].why)
    label = escape(dimension.label)
    if reason.absence:
        return f"<strong>{label}</strong>: {_leaning(student)}, and {name} has little of it: {why}"
    joint = "and" if reason.contribution > 0 else "but"
    strong = ' <em class="se-conflict">A strong conflict: this is central to the field.</em>' if reason.strong else ""
    return f"<strong>{label}</strong>: {_leaning(student)}, {joint} in {name}: {why}{strong}"


def tension_words(content: Content, tension: Tension) -> str:
    label = escape(content.dimensions_by_id[tension.value].label)
    why = f"you ranked it number {tension.ranked}" if tension.ranked else "you rated it as important"
    page_line = escape(content.field(tension.page_id).profile[tension.value].why)
    return (
        f"<strong>{escape(tension.page_name)}</strong> and <strong>{label}</strong>: {why}, "
        f"but here: {page_line} Worth asking someone in the field about."
    )


def warning_words(results: Results) -> str:
    percent = int(100 * results.scored.completeness)  # the share of statement keys answered (see scoring)
    return (
        f"You have answered {percent}% of the statements. Below {int(100 * TRUST_THRESHOLD)}% the ranking "
        "rests on too little to trust: answer more on the Interests and Values pages, then come back."
    )


# --- the matches page -------------------------------------------------------------------------------

_HEADINGS: Mapping[FieldList, tuple[str, str]] = {
    "specialties": ("Specialties", "specialty"),
    "paths": ("Career paths", "career path"),
}


def _reasons(content: Content, match: Match) -> str:
    """What draws the student, what the field also lacks as they wanted, and what works against it."""
    draws = "".join(f"<li>{reason_words(content, match, r)}</li>" for r in quotable(match.draws)[:4])
    absences = "".join(f"<li>{reason_words(content, match, r)}</li>" for r in quotable(match.absences)[:3])
    conflicts = "".join(f"<li>{reason_words(content, match, r)}</li>" for r in quotable(match.conflicts)[:3])
    return (
        f"<h4 class='se-for'>What draws you</h4><ul>{draws or '<li>Nothing stands out yet.</li>'}</ul>"
        + (f"<h4 class='se-absent'>Also absent here, as you wanted</h4><ul>{absences}</ul>" if absences else "")
        + f"<h4 class='se-against'>What works against it</h4><ul>{conflicts or '<li>Nothing stands out.</li>'}</ul>"
    )


def _match_item(
    content: Content, match: Match, best: Match, place: int, link: Callable[[str], str], open_: bool
) -> str:
    body = _reasons(content, match)
    name = escape(match.name)
    href = escape(link(match.id), quote=True)
    fit = f'<span class="se-fit">fit {match.fit}: {escape(fit_words(match, best))}</span>'
    if open_:
        return f'<li class="se-match"><h3>{place}. <a href="{href}">{name}</a> {fit}</h3>{body}</li>'
    # A link may not sit inside <summary> (itself a control): it goes first in the opened part instead.
    return (
        f'<li class="se-match"><details><summary>{place}. {name} {fit}</summary>'
        f'<p><a href="{href}">Read the page on {name}</a></p>{body}</details></li>'
    )


def not_separated_words(results: Results) -> str:
    """Why the answers do not rank the fields yet, kindly, in the student's terms."""
    style = results.style
    if style.acquiescent:
        return (
            "You agreed with many statements that say opposite things, for example that you would enjoy "
            "something and also that you would rather avoid it. That is common when everything sounds "
            "good, and it is fine: it means these answers cannot tell the fields apart."
        )
    if style.alike:
        return (
            "You gave nearly every statement the same answer. That can mean you are open to almost "
            "everything, or that you have no view yet on most of it; either way, the answers cannot tell "
            "the fields apart."
        )
    return (
        "Your answers lean only a little either way, so every field fits them about as well as the next: a "
        "ranked list would mostly show small differences between the pages, not you."
    )


NOT_SEPARATED_NEXT = (
    "<li>Go back to the Interests and Values pages and answer again where you do have a view, using the ends "
    "of the scale for what really draws you or puts you off.</li>"
    "<li>Read the pages of a few specialties you know little about, and notice which ones you want to read to "
    "the end.</li>"
    "<li>Go to a Specialty Interest Series session or two and talk with your Society advisor about what you "
    "noticed. Breadth is a good place to start from.</li>"
)


def render_not_separated(results: Results) -> str:
    return (
        '<div class="se-notice" role="note"><h2>Your answers do not yet separate the fields</h2>'
        f"<p>{escape(not_separated_words(results))}</p><p>What you can do instead:</p>"
        f"<ul>{NOT_SEPARATED_NEXT}</ul></div>"
    )


def render_matches(content: Content, results: Results, kind: FieldList, link: Callable[[str], str]) -> str:
    """The matches of one kind as escaped HTML: warning, top list with reasons, tensions, suggestions, chart."""
    plural, singular = _HEADINGS[kind]
    matches = results.matches(kind)
    parts: list[str] = []
    if results.scored.completeness == 0 and not results.scored.profile.systems:
        # With nothing answered every field sits at 50: a list would only be alphabetical order.
        return (
            '<div class="se-warning" role="note"><p><strong>Nothing answered yet.</strong> Answer the questions '
            "on the Interests and Values pages, and your matches appear here with the reasons for each.</p></div>"
        )
    if not results.trustworthy:
        parts.append(
            '<div class="se-warning" role="note"><p><strong>Too little answered to trust this ranking.</strong> '
            f"{escape(warning_words(results))}</p></div>"
        )
    elif not results.separates:
        return render_not_separated(results)
    items = "".join(
        _match_item(content, match, matches[0], place, link, open_=place <= TOP)
        for place, match in enumerate(matches[:SHOWN], start=1)
    )
    close = matches[0].fit >= CLOSE_FIT
    heading = f"{plural} that fit you best" if close else f"{plural} closest to your answers"
    not_close = (
        ""
        if close
        else f"<p><strong>None is close to what you answered yet:</strong> the closest fits {matches[0].fit}. "
        f"Read these as {plural.lower()} to explore, not as ones that fit.</p>"
    )
    parts.append(
        f'<section aria-labelledby="se-top-{kind}"><h2 id="se-top-{kind}">{heading}</h2>{not_close}'
        f"<p>{FIT_EXPLAINED} Open a {singular} to read its page and check the reasons against it.</p>"
        f'<ol class="se-matches">{items}</ol></section>'
    )
    if kind == "specialties":
        families = families_behind(content, matches)
        if families:
            listed = "".join(
                f"<li>Within {escape(core.name)}, these fit you best: "
                + ", ".join(
                    f'<a href="{escape(link(m.id), quote=True)}">{escape(m.name)}</a> (fit {m.fit})' for m in members
                )
                + ".</li>"
                for core, members in families
            )
            parts.append(
                f'<section aria-labelledby="se-families"><h2 id="se-families">The families behind your top '
                f"{SHOWN}</h2><p>A subspecialty is reached through a core residency, then a fellowship: each "
                f"family's page says how.</p><ul>{listed}</ul></section>"
            )
    found = tensions(content, results, kind)
    if found:
        listed = "".join(f"<li>{tension_words(content, t)}</li>" for t in found)
        parts.append(
            f'<section aria-labelledby="se-tensions-{kind}"><h2 id="se-tensions-{kind}">Tensions to think about'
            f"</h2><p>A value you said matters to you that a close match works against.</p><ul>{listed}</ul>"
            "</section>"
        )
    extra = suggestions(matches)
    if extra:
        listed = "".join(
            f'<li><a href="{escape(link(m.id), quote=True)}">{escape(m.name)}</a> (fit {m.fit}): '
            f"{reason_words(content, m, quotable(m.draws)[0])}</li>"
            for m in extra
        )
        parts.append(
            f'<section aria-labelledby="se-more-{kind}"><h2 id="se-more-{kind}">Also worth a look</h2>'
            f"<p>Outside your top {TOP}, but each shares something with what you answered.</p><ul>{listed}</ul>"
            "</section>"
        )
    parts.append(fit_chart(matches[:SHOWN], f"Fit of your top {min(SHOWN, len(matches))} {plural.lower()}"))
    return "".join(parts)


# The profile at a glance, before the list of matches (walk review: the profile came only after the list):
# the sides of the work the student leans most strongly towards and away from.
GLANCE = 3
GLANCE_LEAN = 0.5  # on -1..1: an answer of 4 or 2 out of 5 on every statement of a side, or stronger


def _words_list(labels: list[str]) -> str:
    """ "a", "a and b", "a, b, and c" (the last comma keeps labels that hold an "and" apart)."""
    if len(labels) <= 2:
        return " and ".join(labels)
    return ", ".join(labels[:-1]) + ", and " + labels[-1]


def profile_glance(content: Content, results: Results) -> str:
    """One sentence before the matches: what the student leans towards and away from most (escaped HTML);
    empty while nothing is answered."""
    scores = results.scored.scores
    # Labels run on inside a sentence: "towards hands-on procedures" (none starts with a name or an acronym).
    leaning = [
        (lean(scores[d.id].value), d.label[:1].lower() + d.label[1:])
        for d in content.matched_dimensions
        if not scores[d.id].unanswered
    ]
    if not leaning:
        return ""
    towards = [label for value, label in sorted(leaning, key=lambda x: -x[0]) if value >= GLANCE_LEAN][:GLANCE]
    away = [label for value, label in sorted(leaning, key=lambda x: x[0]) if value <= -GLANCE_LEAN][:GLANCE]
    parts = []
    if towards:
        parts.append(f"you lean most towards {escape(_words_list(towards))}")
    if away:
        parts.append(f"most away from {escape(_words_list(away))}")
    said = ", and ".join(parts) if parts else "you do not lean strongly towards or away from any side of the work yet"
    return (
        f'<p class="se-glance"><strong>Your profile at a glance:</strong> {said}. The whole profile is under '
        "the list.</p>"
    )


def render_profile(content: Content, results: Results) -> str:
    """The student's own profile as a chart with a table alternative."""
    return profile_chart(content, results.scored)


# --- retakes compared -------------------------------------------------------------------------------

# A dimension "moved" between two attempts when its value changed by at least this much (a whole step on a
# five-point item moves a one-item mean by 0.25; a two-item mean by 0.125).
MOVED = 0.15


@dataclass(frozen=True)
class Moved:
    dimension: str
    before: float
    after: float


@dataclass(frozen=True)
class Movement:
    """How the profile and the top matches changed from one attempt to a later one."""

    before_number: int
    after_number: int
    moved: tuple[Moved, ...]
    top_before: tuple[Match, ...]
    top_after: tuple[Match, ...]

    @property
    def entered(self) -> tuple[str, ...]:
        earlier = {m.id for m in self.top_before}
        return tuple(m.name for m in self.top_after if m.id not in earlier)

    @property
    def left(self) -> tuple[str, ...]:
        later = {m.id for m in self.top_after}
        return tuple(m.name for m in self.top_before if m.id not in later)


def previous_attempt(numbers: Sequence[int], current: int) -> int | None:
    """The attempt a retake is compared with: the one just before the current one (the latest of the
    earlier attempts), so that "what moved" is always the most recent change."""
    earlier = [number for number in numbers if number < current]
    return max(earlier) if earlier else None


def compare_attempts(
    content: Content, before: Results, after: Results, numbers: tuple[int, int], kind: FieldList = "specialties"
) -> Movement:
    moved = []
    for dimension in content.matched_dimensions:
        old, new = before.scored.scores[dimension.id], after.scored.scores[dimension.id]
        if old.unanswered or new.unanswered:
            continue
        if abs(new.value - old.value) >= MOVED:
            moved.append(Moved(dimension.id, old.value, new.value))
    moved.sort(key=lambda m: (-abs(m.after - m.before), m.dimension))
    return Movement(numbers[0], numbers[1], tuple(moved), before.matches(kind)[:TOP], after.matches(kind)[:TOP])


def render_movement(content: Content, movement: Movement) -> str:
    """Escaped HTML: what moved between two attempts."""
    tops = (
        f"<p>Your top {TOP} in attempt {movement.before_number}: "
        f"{escape(', '.join(m.name for m in movement.top_before))}. In attempt {movement.after_number}: "
        f"{escape(', '.join(m.name for m in movement.top_after))}.</p>"
    )
    changes = []
    if movement.entered:
        changes.append(f"<li>New in your top {TOP}: {escape(', '.join(movement.entered))}.</li>")
    if movement.left:
        changes.append(f"<li>No longer in your top {TOP}: {escape(', '.join(movement.left))}.</li>")
    for m in movement.moved:
        label = escape(content.dimensions_by_id[m.dimension].label)
        direction = "up" if m.after > m.before else "down"
        changes.append(f"<li>{label}: {direction} from {m.before:.2f} to {m.after:.2f}.</li>")
    if not changes:
        changes.append("<li>Your profile and your top matches stayed much the same.</li>")
    return (
        f'<section aria-labelledby="se-movement"><h2 id="se-movement">How your answers moved since attempt '
        f"{movement.before_number}</h2>{tops}<ul>{''.join(changes)}</ul><p>Interests often change before and "
        "during clerkships: a change is information, not a mistake.</p></section>"
    )
