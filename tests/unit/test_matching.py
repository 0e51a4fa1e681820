"""Matching ranks pages by fit and explains each rank with supports and conflicts."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from selfexplore.content import Content
from selfexplore.matching import (
    ABSENCE_WEIGHT,
    CONFLICT_WEIGHT,
    DRAW_WEIGHT,
    FIT_BANDS,
    SPREAD,
    Match,
    explain,
    fit_from_score,
    fit_words,
    is_strong_conflict,
    match_field,
    rank_paths,
    rank_specialties,
)
from selfexplore.profile import Profile

_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_values = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def profiles(draw: st.DrawFn, content: Content) -> Profile:
    keys = draw(st.lists(st.sampled_from(content.dimension_ids), unique=True))
    systems = draw(st.lists(st.sampled_from(content.system_ids), unique=True, max_size=3))
    return Profile({key: draw(_values) for key in keys}, tuple(systems))


class TestFit:
    def test_no_evidence_gives_fifty(self) -> None:
        assert fit_from_score(0.0) == 50

    def test_fit_stays_within_zero_and_hundred(self) -> None:
        assert fit_from_score(1e9) == 100
        assert fit_from_score(-1e9) == 0

    def test_fit_grows_with_score(self) -> None:
        fits = [fit_from_score(score / 10) for score in range(-100, 101)]
        assert fits == sorted(fits)
        assert fit_from_score(SPREAD) > 80


class TestRanking:
    def test_empty_profile_ranks_by_id_with_fit_fifty_and_no_reasons(self, content: Content) -> None:
        matches = rank_specialties(content, Profile())
        assert [m.id for m in matches] == sorted(page.id for page in content.specialties)
        assert all(m.fit == 50 and not m.supports and not m.conflicts for m in matches)

    def test_paths_are_ranked_separately_from_specialties(self, content: Content) -> None:
        assert {m.id for m in rank_paths(content, Profile())} == {page.id for page in content.paths}

    def test_a_student_who_values_sleep_most_does_not_get_surgery_first(self, content: Content) -> None:
        profile = Profile({"lifestyle_control": 1.0, "operating_room": 0.75, "procedures": 0.75})
        top = rank_specialties(content, profile)[0]
        assert top.id != "general-surgery"
        surgery = match_field(profile, content.field("general-surgery"))
        assert "lifestyle_control" in [reason.key for reason in surgery.conflicts]

    def test_supports_and_conflicts_are_strongest_first(self, content: Content) -> None:
        profile = Profile({"children": 1.0, "research": 0.6, "operating_room": 0.0, "income": 0.9})
        for match in rank_specialties(content, profile):
            for reasons in (match.supports, match.conflicts):
                strengths = [abs(reason.contribution) for reason in reasons]
                assert strengths == sorted(strengths, reverse=True)

    def test_chosen_body_systems_a_page_covers_support_it(self, content: Content) -> None:
        match = match_field(Profile({}, ("eye",)), content.field("ophthalmology"))
        assert [reason.key for reason in match.supports] == ["system:eye"]
        assert match.fit > 50

    def test_json_names_reasons_by_key(self, content: Content) -> None:
        match = match_field(Profile({"children": 1.0}, ("eye",)), content.field("pediatrics"))
        data = match.to_json()
        assert set(data) == {"id", "name", "fit", "supports", "conflicts"}
        assert "children" in data["supports"]


class TestProperties:
    def test_ranking_is_the_same_in_every_process_whatever_the_hash_seed(self, tmp_path: Path) -> None:
        """Sets and dicts of strings iterate in a per-process order: the ranking must not depend on it."""
        profile = tmp_path / "profile.json"
        profile.write_text(json.dumps({"dimensions": {"procedures": 0.8, "children": 0.7}, "systems": ["eye"]}))
        outputs = set()
        for seed in ("1", "2", "3"):
            run = subprocess.run(
                [sys.executable, "-m", "selfexplore", "match", "--profile", str(profile), "--json"],
                env={**os.environ, "PYTHONHASHSEED": seed},
                capture_output=True,
                text=True,
                check=True,
            )
            outputs.add(run.stdout)
        assert len(outputs) == 1

    @_settings
    @given(data=st.data(), seed=st.integers())
    def test_ranking_does_not_depend_on_key_order(self, content: Content, data: st.DataObject, seed: int) -> None:
        profile = data.draw(profiles(content))
        items = list(profile.dimensions.items())
        random.Random(seed).shuffle(items)
        shuffled = Profile(dict(items), profile.systems)
        assert rank_specialties(content, shuffled) == rank_specialties(content, profile)

    @_settings
    @given(data=st.data())
    def test_raising_a_dimension_a_page_is_high_on_never_lowers_its_fit(
        self, content: Content, data: st.DataObject
    ) -> None:
        page = data.draw(st.sampled_from(content.specialties + content.paths))
        high = [key for key in content.dimension_ids if page.value(key) > 0.5]
        key = data.draw(st.sampled_from(high))
        profile = data.draw(profiles(content))
        low, higher = sorted((data.draw(_values), data.draw(_values)))
        before = match_field(Profile({**profile.dimensions, key: low}, profile.systems), page)
        after = match_field(Profile({**profile.dimensions, key: higher}, profile.systems), page)
        assert after.score >= before.score
        assert after.fit >= before.fit

    @_settings
    @given(data=st.data())
    def test_a_neutral_dimension_carries_no_weight(self, content: Content, data: st.DataObject) -> None:
        profile = data.draw(profiles(content))
        key = data.draw(st.sampled_from(content.dimension_ids))
        with_neutral = Profile({**profile.dimensions, key: 0.5}, profile.systems)
        without = Profile({k: v for k, v in profile.dimensions.items() if k != key}, profile.systems)
        assert rank_specialties(content, with_neutral) == rank_specialties(content, without)

    @_settings
    @given(data=st.data())
    def test_a_stated_dimension_the_page_contradicts_is_a_conflict(self, content: Content, data: st.DataObject) -> None:
        page = data.draw(st.sampled_from(content.specialties))
        key = data.draw(st.sampled_from(content.dimension_ids))
        target = page.value(key)
        assume(target != 0.5)
        # State the opposite of what the page leans to.
        stated = data.draw(st.floats(0.0, 0.49)) if target > 0.5 else data.draw(st.floats(0.51, 1.0))
        match = match_field(Profile({key: stated}), page)
        assert key in [reason.key for reason in match.conflicts]
        assert key not in [reason.key for reason in match.supports]

    @_settings
    @given(data=st.data())
    def test_score_is_the_sum_of_its_reasons(self, content: Content, data: st.DataObject) -> None:
        profile = data.draw(profiles(content))
        page = data.draw(st.sampled_from(content.specialties))
        score, reasons = explain(profile, page)
        assert score == pytest.approx(sum(reason.contribution for reason in reasons))


class TestWorkedExample:
    """The worked example of docs/matching.md §4, pinned: a reader can check the method against it."""

    def test_the_documented_student_gets_the_documented_fits(self, content: Content) -> None:
        profile = Profile(
            {"lifestyle_control": 1.0, "procedures": 0.75, "operating_room": 0.75, "children": 0.25}, ("eye",)
        )
        top = rank_specialties(content, profile)[:3]
        assert [(m.id, m.fit) for m in top] == [("ophthalmology", 84), ("anesthesiology", 69), ("plastic-surgery", 63)]
        ophthalmology = match_field(profile, content.field("ophthalmology"))
        assert [r.key for r in ophthalmology.draws] == ["system:eye", "lifestyle_control", "procedures"]
        assert [r.key for r in ophthalmology.absences] == ["children"]
        assert [r.key for r in ophthalmology.conflicts] == ["operating_room"]
        assert ophthalmology.absences[0].contribution == pytest.approx(0.10)  # -0.5 x -0.4, at half weight
        assert ophthalmology.conflicts[0].contribution == pytest.approx(-0.05)
        assert ophthalmology.score == pytest.approx(2.5) and ophthalmology.fit == 84
        surgery = match_field(profile, content.field("general-surgery"))
        # Control over time: 1.0 x -0.7, a conflict counted once, named strong (the page is near an end).
        assert surgery.conflicts[0].key == "lifestyle_control" and surgery.conflicts[0].strong
        assert surgery.conflicts[0].contribution == pytest.approx(-0.7)
        assert surgery.score == pytest.approx(0.4) and surgery.fit == 57


class TestWeights:
    def test_a_shared_interest_and_a_conflict_count_alike_and_a_shared_dislike_half(self, content: Content) -> None:
        page = content.field("psychiatry")  # high on mind and behaviour, low on the operating room
        toward = match_field(Profile({"mind_behavior": 0.8}), page)
        away = match_field(Profile({"mind_behavior": 0.2}), page)
        assert away.score == pytest.approx(-CONFLICT_WEIGHT / DRAW_WEIGHT * toward.score)
        avoided = match_field(Profile({"operating_room": 0.2}), page)
        wanted = match_field(Profile({"operating_room": 0.8}), page)
        assert avoided.score == pytest.approx(-ABSENCE_WEIGHT / CONFLICT_WEIGHT * wanted.score)
        assert avoided.absences and not avoided.draws

    def test_a_strong_conflict_is_named_but_weighs_only_what_its_leans_say(self, content: Content) -> None:
        page = content.field("general-surgery")
        one = match_field(Profile({"operating_room": 0.0}), page)
        assert one.strong_conflicts and one.strong_conflicts[0].key == "operating_room"
        assert one.score == pytest.approx(CONFLICT_WEIGHT * -1.0 * (2 * page.value("operating_room") - 1))

    def test_a_strong_conflict_needs_a_page_near_an_end_and_a_clear_student(self) -> None:
        assert is_strong_conflict(0.75, 0.2) and is_strong_conflict(0.25, 0.8)
        assert not is_strong_conflict(0.7, 0.1)  # the student leans, but not clearly
        assert not is_strong_conflict(1.0, 0.25)  # the page is not near an end
        assert not is_strong_conflict(0.9, 0.9)  # both the same way

    def test_competitive_entry_is_read_but_never_matched(self, content: Content) -> None:
        with_it = rank_specialties(content, Profile({"prestige": 1.0, "children": 0.8}))
        without = rank_specialties(content, Profile({"children": 0.8}))
        assert with_it == without


class TestNoCliffs:
    """A small change moves a fit a little: the bound of docs/matching.md, over generated cases."""

    @_settings
    @given(data=st.data())
    def test_a_page_value_moved_by_five_hundredths_moves_a_fit_by_two_points_at_most(
        self, content: Content, data: st.DataObject
    ) -> None:
        page = data.draw(st.sampled_from(content.specialties))
        key = data.draw(st.sampled_from(sorted(page.profile)))
        profile = data.draw(profiles(content))
        shift = data.draw(st.sampled_from((-0.05, 0.05)))
        moved = min(1.0, max(0.0, page.value(key) + shift))
        changed = page.model_copy(
            update={"profile": {**page.profile, key: page.profile[key].model_copy(update={"value": moved})}}
        )
        before, after = match_field(profile, page), match_field(profile, changed)
        # |change of score| <= 0.1 x the largest weight x |student lean| <= 0.1; fit moves <= 50 / SPREAD x that.
        assert abs(after.score - before.score) <= 0.1 * max(DRAW_WEIGHT, CONFLICT_WEIGHT) + 1e-9
        assert abs(after.fit - before.fit) <= math.ceil(50 / SPREAD * 0.1) + 1


class TestFitWords:
    def test_the_first_match_is_the_closest_and_the_words_follow_the_bands(self, content: Content) -> None:
        profile = Profile({"lifestyle_control": 1.0, "procedures": 0.75, "children": 0.25}, ("eye",))
        ranked = rank_specialties(content, profile)
        assert fit_words(ranked[0], ranked[0]).startswith("closest of your matches")
        for match in ranked:
            words = fit_words(match, ranked[0])
            expected = next(text for lowest, text in FIT_BANDS if match.fit >= lowest)
            assert expected in words
            assert ("a strong conflict" in words) == bool(match.strong_conflicts)
            assert "%" not in words and "chance" not in words

    def test_a_fit_near_the_first_is_called_close(self, content: Content) -> None:
        first = Match("a", "A", 80, 4.0, (), ())
        near = Match("b", "B", 76, 3.8, (), ())
        far = Match("c", "C", 60, 1.0, (), ())
        assert fit_words(near, first).startswith("close to your first")
        assert not fit_words(far, first).startswith("close")
