"""How well the fit figure tells fields apart, over the personas answered through the questionnaire.

    python -m benchmarks.fit_bench [--json]

Each persona of tests/personas/ answers every statement (tests/respondent.py), in each response style;
the answers are scored and matched exactly as a student's are. For each style it reports:

* top-3 hit rate: the share of personas whose own page is among their first three;
* the spread between fit 1 and fit 10 (median and lowest, in points), for specialties;
* how many top-3 matches carry a strong conflict on a defining dimension of the page: a dimension where
  the page sits near an end (value at most 0.2 or at least 0.8) and the student leans the other way
  (value at least 0.75 or at most 0.25, on the same dimension), and how many of those were unavoidable:
  the student has a strong conflict with all but two pages of the kind or more.

It also answers for 200 students with a clear view on every dimension (each drawn at 0.1 or 0.9 with a
fixed seed), where fits used to crowd together at the top, and reports the same spread and conflicts.

Stability, over the personas answering plainly:

* the largest change of any fit when one page value of one specialty moves by 0.05 (each value, each way);
* the largest change of any fit when one answer moves one step on its scale (each answer, each way);
* retest: the persona answers again with one answer in five moved one step (up or down, at random), ten
  times with ten seeds; the share of those retakes whose first match is still in the top 3.

Not a pass/fail test: docs/matching.md records the figures before and after a change of method.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections.abc import Sequence

from selfexplore.content import Content, Field, load_content
from selfexplore.matching import Match, match_field, rank
from selfexplore.scoring import Answer, score_answers
from tests.respondent import STYLES, Persona, Style, answer_as, load_personas

DEFINING_PAGE = 0.2
DEFINING_STUDENT = 0.25


def strong_defining_conflicts(content: Content, match: Match, profile_values: dict[str, float]) -> list[str]:
    page = content.field(match.id)
    found = []
    for key, student in profile_values.items():
        if key not in page.profile:  # not matched (competitive entry)
            continue
        value = page.value(key)
        if (value <= DEFINING_PAGE and student >= 1 - DEFINING_STUDENT) or (
            value >= 1 - DEFINING_PAGE and student <= DEFINING_STUDENT
        ):
            found.append(key)
    return found


def measure(content: Content, personas: Sequence[Persona], style: Style) -> dict[str, object]:
    path_ids = {page.id for page in content.paths}
    hits = 0
    spreads: list[int] = []
    conflicted: list[str] = []
    unavoidable = 0  # where fewer than three pages of the kind are free of a strong conflict for this student
    misses: dict[str, int] = {}
    for persona in personas:
        scored = score_answers(content, answer_as(content, persona, style))
        kind = "paths" if persona.expect in path_ids else "specialties"
        matches = rank(content, scored.profile, kind)
        place = [m.id for m in matches].index(persona.expect) + 1
        if place <= 3:
            hits += 1
        else:
            misses[persona.id] = place
        specialties = matches if kind == "specialties" else rank(content, scored.profile, "specialties")
        spreads.append(specialties[0].fit - specialties[9].fit)
        values = dict(scored.profile.dimensions)
        free = sum(1 for m in matches if not strong_defining_conflicts(content, m, values))
        for match in matches[:3]:
            for key in strong_defining_conflicts(content, match, values):
                conflicted.append(f"{persona.id}: {match.id} on {key}")
                if free < 3:
                    unavoidable += 1
    return {
        "style": style,
        "personas": len(personas),
        "top3_hit_rate": round(hits / len(personas), 3),
        "spread_median": statistics.median(spreads),
        "spread_lowest": min(spreads),
        "top3_strong_defining_conflicts": len(conflicted),
        "of_which_unavoidable": unavoidable,
        "conflicts": conflicted,
        "misses": misses,
    }


CLEAR_VIEWS = 200


def clear_view_students(content: Content, count: int = CLEAR_VIEWS) -> tuple[Persona, ...]:
    """Students with a clear view on every dimension (each 0.1 or 0.9, drawn with a fixed seed): the case
    in which fits used to crowd together at the top."""
    draw = random.Random(13)  # noqa: S311 - a fixed, reproducible draw, not a secret
    return tuple(
        Persona(f"clear-{n}", "", "", {d.id: draw.choice((0.1, 0.9)) for d in content.dimensions}, ())
        for n in range(count)
    )


def measure_clear(content: Content, students: Sequence[Persona]) -> dict[str, object]:
    spreads: list[int] = []
    firsts: list[int] = []
    conflicted = 0
    for student in students:
        scored = score_answers(content, answer_as(content, student))
        matches = rank(content, scored.profile, "specialties")
        spreads.append(matches[0].fit - matches[9].fit)
        firsts.append(matches[0].fit)
        conflicted += sum(
            1 for m in matches[:3] if strong_defining_conflicts(content, m, dict(scored.profile.dimensions))
        )
    return {
        "students": len(students),
        "spread_median": statistics.median(spreads),
        "spread_lowest": min(spreads),
        "first_fit_median": statistics.median(firsts),
        "top3_matches_with_strong_defining_conflicts": conflicted,
    }


def _moved(page: Field, key: str, shift: float) -> Field:
    value = min(1.0, max(0.0, page.value(key) + shift))
    return page.model_copy(
        update={"profile": {**page.profile, key: page.profile[key].model_copy(update={"value": value})}}
    )


def stability(content: Content, personas: Sequence[Persona], seeds: int = 10) -> dict[str, object]:
    """The largest fit changes under small changes of a page value or of an answer, and the retest share."""
    page_change = answer_change = 0
    kept = tries = 0
    for persona in personas:
        answers = answer_as(content, persona)
        profile = score_answers(content, answers).profile
        for page in content.specialties:
            before = match_field(profile, page).fit
            for key in page.profile:
                for shift in (-0.05, 0.05):
                    page_change = max(page_change, abs(match_field(profile, _moved(page, key, shift)).fit - before))
        first = {m.id: m.fit for m in rank(content, profile, "specialties")}
        statements = [i for i in content.questionnaire.items if i.kind == "scale"]
        for item in statements:
            points = content.questionnaire.scale_of(item).points
            answer = answers.get(item.id)
            if not isinstance(answer, int):
                continue
            for step in (-1, 1):
                if 1 <= answer + step <= points:
                    moved: dict[str, Answer] = {**answers, item.id: answer + step}
                    fits = {m.id: m.fit for m in rank(content, score_answers(content, moved).profile, "specialties")}
                    answer_change = max(answer_change, max(abs(fits[k] - first[k]) for k in first))
        best = rank(content, profile, "specialties")[0].id
        for seed in range(seeds):
            draw = random.Random(seed)  # noqa: S311 - a fixed, reproducible draw, not a secret
            again: dict[str, Answer] = dict(answers)
            for item in statements:
                answer = again.get(item.id)
                if isinstance(answer, int) and draw.random() < 0.2:
                    points = content.questionnaire.scale_of(item).points
                    step = draw.choice((-1, 1))
                    again[item.id] = answer + step if 1 <= answer + step <= points else answer - step
            top = [m.id for m in rank(content, score_answers(content, again).profile, "specialties")[:3]]
            kept += best in top
            tries += 1
    return {
        "largest_fit_change_page_value_0_05": page_change,
        "largest_fit_change_one_answer_one_step": answer_change,
        "retest_first_match_in_top3": round(kept / tries, 3),
        "retests": tries,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--verbose", action="store_true", help="list every top-3 match with a defining conflict")
    args = parser.parse_args(argv)
    content = load_content()
    personas = load_personas()
    results = [measure(content, personas, style) for style in STYLES]
    clear = measure_clear(content, clear_view_students(content))
    specialty_ids = {page.id for page in content.specialties}
    steady = stability(content, [p for p in personas if p.expect in specialty_ids])
    if args.json:
        json.dump({"personas": results, "clear_views": clear, "stability": steady}, sys.stdout, indent=2)
        print()
        return 0
    print(
        f"{'style':<10} {'top-3 hits':>10} {'spread 1-10 (median, lowest)':>30} {'defining conflicts':>19} "
        f"{'unavoidable':>12}"
    )
    for r in results:
        print(
            f"{r['style']:<10} {r['top3_hit_rate']:>10.0%} {r['spread_median']:>21} {r['spread_lowest']:>8} "
            f"{r['top3_strong_defining_conflicts']:>19} {r['of_which_unavoidable']:>12}"
        )
        if r["misses"]:
            print(f"  misses (place): {r['misses']}")
        if args.verbose:
            for line in r["conflicts"]:
                print(f"  conflict: {line}")
    print(
        f"{clear['students']} students with a clear view on every dimension: spread 1-10 median "
        f"{clear['spread_median']}, lowest {clear['spread_lowest']}; first fit median "
        f"{clear['first_fit_median']}; top-3 matches with a strong defining "
        f"conflict: {clear['top3_matches_with_strong_defining_conflicts']}"
    )
    print(
        f"largest fit change: a page value moved 0.05: {steady['largest_fit_change_page_value_0_05']} points; "
        f"one answer moved one step: {steady['largest_fit_change_one_answer_one_step']} points; retest (one "
        f"answer in five moved): first match still in the top 3 in {steady['retest_first_match_in_top3']:.0%} "
        f"of {steady['retests']} retakes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
