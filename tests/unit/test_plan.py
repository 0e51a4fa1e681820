"""The plan's suggestion rules, one at a time, over rankings made to order: how many specialties get steps,
which ways each gets, and when the closest career path gets its own."""

from __future__ import annotations

from dataclasses import replace

import pytest

from selfexplore.content import Content
from selfexplore.matching import FIT_BANDS, Match, fit_words
from selfexplore.plan import PATH_FIT_MIN, SECOND_SPECIALTIES, SECOND_WAYS, suggest, support_step
from selfexplore.results import Results, build_results
from selfexplore.scoring import Answer
from tests.helpers import answers_leaning


def every_statement_answered(content: Content) -> dict[str, Answer]:
    """A student with clear views on some of the work (so the answers separate the fields), none on the rest."""
    return answers_leaning(content, {"procedures", "acuity", "children"}, {"laboratory", "research"})


def results_with(content: Content, *, path_fits: tuple[int, ...] = (40, 30)) -> Results:
    """A ranking whose specialties come in content order and whose paths have the given fits, from a
    student who answered everything (so the ranking is one the plan draws on)."""
    made = build_results(content, every_statement_answered(content))
    assert made.trustworthy and made.separates
    specialties = tuple(replace(m, fit=90 - n) for n, m in enumerate(made.specialties))
    paths = (
        tuple(replace(m, fit=fit) for m, fit in zip(made.paths, path_fits, strict=False)) + made.paths[len(path_fits) :]
    )
    return replace(made, specialties=specialties, paths=paths)


def specialties_with_steps(content: Content, results: Results) -> list[str]:
    ids = {m.id for m in results.specialties}
    found: list[str] = []
    for step in suggest(content, results, ()):
        page = step.id.rsplit("_", 1)[0]
        if page in ids and page not in found:
            found.append(page)
    return found


class TestSpecialtySteps:
    def test_the_first_match_and_the_next_two_get_steps_and_no_fourth(self, content: Content) -> None:
        results = results_with(content)
        assert specialties_with_steps(content, results) == [m.id for m in results.specialties[: 1 + SECOND_SPECIALTIES]]
        assert SECOND_SPECIALTIES == 2

    def test_the_first_match_gets_every_way_the_next_only_the_series_and_a_group(self, content: Content) -> None:
        results = results_with(content)
        first, second = results.specialties[0].id, results.specialties[1].id
        ids = [s.id for s in suggest(content, results, ())]
        assert {i.removeprefix(f"{first}_") for i in ids if i.startswith(f"{first}_")} >= {"series", "mentor", "shadow"}
        # (and, for a subspecialty, the step for its core residency)
        assert {i.removeprefix(f"{second}_") for i in ids if i.startswith(f"{second}_")} - {"route"} == set(SECOND_WAYS)


class TestPathStep:
    def test_the_closest_path_gets_steps_when_its_own_fit_reaches_the_line(self, content: Content) -> None:
        closest = results_with(content, path_fits=(PATH_FIT_MIN, PATH_FIT_MIN - 1))
        ids = [s.id for s in suggest(content, closest, ())]
        assert any(i.startswith(f"{closest.paths[0].id}_") for i in ids)
        assert not any(i.startswith(f"{closest.paths[1].id}_") for i in ids)

    def test_only_the_closest_paths_fit_decides_not_the_second(self, content: Content) -> None:
        below = results_with(content, path_fits=(PATH_FIT_MIN - 1, PATH_FIT_MIN + 20))
        ids = [s.id for s in suggest(content, below, ())]
        assert not any(i.startswith(f"{p.id}_") for p in below.paths for i in ids)


class TestFitWords:
    @pytest.mark.parametrize(("lowest", "words"), FIT_BANDS)
    def test_each_band_begins_at_its_lowest_fit(self, content: Content, lowest: int, words: str) -> None:
        made = build_results(content, every_statement_answered(content))
        best = replace(made.specialties[0], fit=100)
        at: Match = replace(made.specialties[1], fit=lowest, conflicts=())
        assert fit_words(at, best).endswith(words)
        if lowest > 0:
            below = replace(at, fit=lowest - 1)
            assert not fit_words(below, best).endswith(words)


class TestSupportSteps:
    def test_each_support_is_named_with_a_verb_that_suits_what_it_is(self, content: Content) -> None:
        supports = content.resources.supports_by_id
        assert support_step(supports["dean-for-students"]) == "Talk with the Dean for Students."
        assert support_step(supports["aamc-careers-in-medicine"]) == "Read AAMC Careers in Medicine."
        for support in content.resources.supports:
            step = support_step(support)
            assert step.endswith(f"{support.name}.")
            # A website or a programme is never talked with; only offices and people are.
            assert step.startswith("Talk with") == (support.kind in ("office", "person")), step

    def test_a_ticked_challenge_brings_its_supports_steps_in_those_words(self, content: Content) -> None:
        results = build_results(content, answers_leaning(content, {"procedures"}))
        steps = {s.id: s for s in suggest(content, results, ["uncertainty"])}
        assert steps["support_aamc-careers-in-medicine"].title == "Read AAMC Careers in Medicine."
