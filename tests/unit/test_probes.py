"""The content review's probes, run as a dean would run them: answers through `selfexplore score`, the
profile through `selfexplore match`, and the matches page and the plan as the student sees them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from selfexplore.content import Content
from selfexplore.plan import ADVISOR_STEP, BREADTH_STEP, suggest
from selfexplore.results import build_results, render_matches
from selfexplore.scoring import Answer
from tests import probes


def matched(tmp_path: Path, answers: Mapping[str, Answer], name: str) -> list[dict[str, Any]]:
    """`selfexplore score` then `selfexplore match --json`, as files a person makes and passes on."""
    given = tmp_path / f"{name}.answers.json"
    given.write_text(json.dumps(answers), encoding="utf-8")
    scored = subprocess.run(
        [sys.executable, "-m", "selfexplore", "score", "--answers", str(given), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    profile = tmp_path / f"{name}.profile.json"
    profile.write_text(scored.stdout, encoding="utf-8")
    ranked = subprocess.run(
        [sys.executable, "-m", "selfexplore", "match", "--profile", str(profile), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    matches: list[dict[str, Any]] = json.loads(ranked.stdout)["matches"]
    return matches


def page_of(content: Content, answers: Mapping[str, Answer]) -> str:
    return render_matches(content, build_results(content, answers), "specialties", lambda field_id: field_id)


def specialty_steps(content: Content, answers: Mapping[str, Answer]) -> list[str]:
    ids = {field.id for field in (*content.specialties, *content.paths)}
    steps = suggest(content, build_results(content, answers), ())
    return [s.id for s in steps if s.id.rsplit("_", 1)[0] in ids]


class TestAnswersThatDoNotSeparate:
    @pytest.mark.parametrize("probe", ["no-views", "middle", "likes-everything"])
    def test_every_field_sits_at_the_middle_and_none_is_called_against_the_student(
        self, content: Content, tmp_path: Path, probe: str
    ) -> None:
        fits = [m["fit"] for m in matched(tmp_path, probes.PROBES[probe](content), probe)]
        assert len(fits) == len(content.specialties)
        assert all(45 <= fit <= 55 for fit in fits), fits

    @pytest.mark.parametrize("probe", ["no-views", "middle", "likes-everything"])
    def test_the_page_says_the_answers_do_not_separate_the_fields_and_ranks_nothing(
        self, content: Content, probe: str
    ) -> None:
        answers = probes.PROBES[probe](content)
        assert not build_results(content, answers).separates
        shown = page_of(content, answers)
        assert "Your answers do not yet separate the fields" in shown
        assert "What you can do instead" in shown
        for ranking_words in ("closest", "fit you best", "<ol", "fit 5", "match number"):
            assert ranking_words not in shown

    @pytest.mark.parametrize("probe", ["no-views", "middle", "likes-everything"])
    def test_the_plan_suggests_no_field_but_a_way_to_start_broad(self, content: Content, probe: str) -> None:
        answers = probes.PROBES[probe](content)
        assert specialty_steps(content, answers) == []
        ids = [s.id for s in suggest(content, build_results(content, answers), ())]
        assert ids[0] == BREADTH_STEP and ids[-1] == ADVISOR_STEP

    def test_agreeing_with_everything_is_named_kindly(self, content: Content) -> None:
        results = build_results(content, probes.likes_everything(content))
        assert results.style.acquiescent
        assert "agreed with many statements that say opposite things" in page_of(
            content, probes.likes_everything(content)
        )
        assert "it is fine" in page_of(content, probes.likes_everything(content))


class TestTornBetweenTwoFields:
    def test_both_fields_are_near_the_top_and_fit_well(self, content: Content, tmp_path: Path) -> None:
        matches = matched(tmp_path, probes.torn(content), "torn")
        place = {m["id"]: (n, m["fit"]) for n, m in enumerate(matches, start=1)}
        for field_id in ("psychiatry", "plastic-surgery"):
            rank, fit = place[field_id]
            assert rank <= 6 and fit >= 80, (field_id, rank, fit)

    def test_what_draws_the_student_leads_and_shared_dislikes_are_listed_apart(self, content: Content) -> None:
        results = build_results(content, probes.torn(content))
        plastics = next(m for m in results.specialties if m.id == "plastic-surgery")
        assert {r.key for r in plastics.draws[:2]} <= {"operating_room", "procedures", "acuity"}
        assert all(r.key in probes.TORN_LOW for r in plastics.absences)
        psychiatry = next(m for m in results.specialties if m.id == "psychiatry")
        assert psychiatry.draws[0].key in ("mind_behavior", "continuity", "patient_contact")
        shown = page_of(content, probes.torn(content))
        assert "What draws you" in shown and "Also absent here, as you wanted" in shown
        # A shared dislike is said as what the field lacks, never as something that draws the student.
        assert "has little of it" in shown


class TestCompetitiveEntry:
    def test_no_question_asks_about_it_and_a_worried_student_is_steered_nowhere(
        self, content: Content, tmp_path: Path
    ) -> None:
        assert "i100" not in content.questionnaire.items_by_id
        assert all(key.dimension != "prestige" for item in content.questionnaire.items for key in item.keys)
        fits = {m["id"]: m["fit"] for m in matched(tmp_path, probes.worried_about_matching(content), "worried")}
        assert fits["family-medicine"] == fits["preventive-medicine"] == fits["dermatology"] == 50

    def test_an_old_profile_naming_it_is_read_and_changes_nothing(self, content: Content, tmp_path: Path) -> None:
        profile = tmp_path / "old.json"
        ranked = []
        for dimensions in ({"prestige": 0.95, "children": 0.8}, {"children": 0.8}):
            profile.write_text(json.dumps({"dimensions": dimensions}), encoding="utf-8")
            run = subprocess.run(
                [sys.executable, "-m", "selfexplore", "match", "--profile", str(profile), "--json"],
                capture_output=True,
                text=True,
                check=True,
            )
            ranked.append(json.loads(run.stdout)["matches"])
        assert ranked[0] == ranked[1]
