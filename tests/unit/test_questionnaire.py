"""The questionnaire as a measure: every dimension worded both ways, importance read as importance, a
yes-sayer not read as strongly drawn to anything, and the pass kept short."""

from __future__ import annotations

import re
import shutil
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
import yaml

from selfexplore.cli import main
from selfexplore.content import MAX_ITEMS, Content, stale_pages, validate_content
from selfexplore.explore import ways_for
from selfexplore.fields import render_field
from selfexplore.matching import rank_specialties
from selfexplore.profile import Profile
from selfexplore.scoring import score_answers


def _answers(content: Content, agree: int, importance: int) -> dict[str, int | tuple[str, ...]]:
    """Every statement answered with one point: `agree` on agreement scales, `importance` on importance ones."""
    questionnaire = content.questionnaire
    return {
        item.id: importance if questionnaire.scale_of(item).one_sided else agree
        for item in questionnaire.items
        if item.kind == "scale"
    }


class TestShippedQuestionnaire:
    def test_every_matched_dimension_is_worded_both_ways_and_competitive_entry_not_asked(
        self, content: Content
    ) -> None:
        forward = dict.fromkeys(content.dimension_ids, 0)
        backward = dict.fromkeys(content.dimension_ids, 0)
        for item in content.questionnaire.items:
            for key in item.keys:
                (backward if key.reverse else forward)[key.dimension] += 1
        matched = [d.id for d in content.matched_dimensions]
        assert all(forward[d] >= 1 and backward[d] >= 1 for d in matched), (forward, backward)
        assert forward["prestige"] == backward["prestige"] == 0

    def test_the_pass_has_at_most_seventy_questions(self, content: Content) -> None:
        assert len(content.questionnaire.items) <= MAX_ITEMS == 70

    def test_statements_key_one_dimension_each(self, content: Content) -> None:
        # A statement keyed to two dimensions cannot say which one the answer was about.
        assert all(len(item.keys) <= 1 for item in content.questionnaire.items)

    def test_the_importance_scale_is_one_sided(self, content: Content) -> None:
        scales = content.questionnaire.scales_by_id
        assert scales["importance5"].one_sided and not scales["agree5"].one_sided


class TestImportanceIsNotAversion:
    def test_not_important_is_no_preference(self, content: Content) -> None:
        scored = score_answers(content, _answers(content, agree=3, importance=1))
        assert all(score.value == 0.5 for score in scored.scores.values())

    def test_a_moderate_importance_is_no_preference_either(self, content: Content) -> None:
        """Only "Very important" and "Essential" set a value apart: the middle of the scale does not."""
        scored = score_answers(content, _answers(content, agree=3, importance=3))
        assert all(score.value == 0.5 for score in scored.scores.values())

    def test_playing_a_value_down_never_goes_past_no_preference(self, content: Content) -> None:
        # "Income will play little part in my choice", strongly agreed, is not a wish to earn little.
        answers = _answers(content, agree=3, importance=1)
        answers["i56"] = 5
        assert score_answers(content, answers).profile.value("income") == 0.5

    def test_a_value_that_matters_still_counts_against_fields_low_on_it(self, content: Content) -> None:
        answers = _answers(content, agree=3, importance=1)
        answers["i52"] = answers["i53"] = 5  # predictable hours; evenings and weekends free
        profile = score_answers(content, answers).profile
        assert profile.value("lifestyle_control") == 0.75  # the worded-for half at 1, the other half neutral
        surgery = next(m for m in rank_specialties(content, profile) if m.id == "general-surgery")
        assert surgery.conflicts and surgery.conflicts[0].key == "lifestyle_control"


class TestYesSayer:
    def test_agreeing_with_everything_leaves_every_dimension_near_the_middle(self, content: Content) -> None:
        scored = score_answers(content, _answers(content, agree=4, importance=4))
        assert all(abs(score.value - 0.5) <= 0.2 for score in scored.scores.values()), {
            key: round(score.value, 2) for key, score in scored.scores.items()
        }

    def test_a_yes_sayer_is_drawn_to_no_field(self, content: Content) -> None:
        profile = score_answers(content, _answers(content, agree=5, importance=5)).profile
        neutral = rank_specialties(content, Profile({}, ()))
        assert rank_specialties(content, profile)[0].fit < 80 and neutral[0].fit == 50


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    shutil.copytree(
        str(resources.files("selfexplore.data")), root, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    return root


def _edit_questionnaire(pack: Path, change: object) -> None:
    path = pack / "questionnaire.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


class TestValidation:
    def test_a_dimension_with_no_reversed_statement_is_refused(self, pack: Path) -> None:
        def unreverse(data: dict[str, list[dict[str, object]]]) -> None:
            for item in data["items"]:
                for key in item.get("keys", []):  # type: ignore[attr-defined]
                    if key["dimension"] == "teaching":
                        key["reverse"] = False

        _edit_questionnaire(pack, unreverse)
        messages = [str(p) for p in validate_content(pack)]
        assert "questionnaire.yaml: items: dimension 'teaching' needs at least one reverse-keyed item" in messages

    def test_a_dimension_worded_only_the_other_way_is_refused(self, pack: Path) -> None:
        def reverse_all(data: dict[str, list[dict[str, object]]]) -> None:
            for item in data["items"]:
                for key in item.get("keys", []):  # type: ignore[attr-defined]
                    if key["dimension"] == "teaching":
                        key["reverse"] = True

        _edit_questionnaire(pack, reverse_all)
        messages = [str(p) for p in validate_content(pack)]
        assert "questionnaire.yaml: items: dimension 'teaching' needs at least one item that is not reversed" in (
            messages
        )

    def test_a_questionnaire_over_seventy_questions_is_refused(self, pack: Path) -> None:
        def add(data: dict[str, list[dict[str, object]]]) -> None:
            while len(data["items"]) < 71:  # the shipped one has fewer: one more than the limit
                data["items"].append(dict(data["items"][0], id=f"i9{len(data['items'])}"))

        _edit_questionnaire(pack, add)
        messages = [str(p) for p in validate_content(pack)]
        assert any(m.startswith("questionnaire.yaml: items: 71 items") for m in messages), messages


class TestSpecificSources:
    @pytest.mark.parametrize("url", ["https://www.theaba.org/", "https://www.theaba.org", "http://abop.org/"])
    def test_a_home_page_source_is_refused_with_file_and_field(self, pack: Path, url: str) -> None:
        path = pack / "specialties" / "anesthesiology.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["sources"][1]["url"] = url
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        messages = [str(p) for p in validate_content(pack)]
        assert any(
            m.startswith("specialties/anesthesiology.yaml: sources[1].url: ") and "home page" in m for m in messages
        ), messages

    def test_a_home_page_in_the_resources_file_is_refused(self, pack: Path) -> None:
        path = pack / "resources.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["sources"][0]["url"] = "https://meded.hms.harvard.edu/"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        messages = [str(p) for p in validate_content(pack)]
        assert any(m.startswith("resources.yaml: sources[0].url: ") for m in messages), messages

    def test_a_page_or_a_query_passes(self, pack: Path) -> None:
        path = pack / "specialties" / "anesthesiology.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["sources"][1]["url"] = "https://tsa.org/?p=4360"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        assert validate_content(pack) == []


class TestCheckedDate:
    def test_every_page_says_when_its_facts_were_checked(self, content: Content) -> None:
        html = render_field(content, content.field("medical-genetics"))
        assert "Facts last checked against these sources: December 2026." in html

    def test_a_page_checked_more_than_eighteen_months_ago_is_a_warning(self, content: Content) -> None:
        assert stale_pages(content, date(2028, 5, 25)) == ()  # the oldest check, 2026-11-25, is 18 months old
        warned = stale_pages(content, date(2028, 6, 3))  # 18 months and a day
        assert any(
            str(w).startswith("specialties/medical-genetics.yaml: checked: facts last checked on 2026-12-02")
            for w in warned
        )

    def test_validate_warns_but_passes(self, pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = pack / "specialties" / "pathology.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\nchecked: \S+\n", "\nchecked: 2020-01-15\n", text), encoding="utf-8")
        assert main(["validate", str(pack)]) == 0
        err = capsys.readouterr().err
        assert "warning: specialties/pathology.yaml: checked: facts last checked on 2020-01-15" in err

    def test_a_page_without_a_checked_date_is_refused(self, pack: Path) -> None:
        path = pack / "specialties" / "pathology.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\nchecked: \S+\n", "\n", text), encoding="utf-8")
        assert any(str(p).startswith("specialties/pathology.yaml: checked") for p in validate_content(pack))


class TestNoPromiseTheSchoolDidNotMake:
    def test_a_specialty_without_a_known_session_points_to_the_pages_and_the_advisers(self, content: Content) -> None:
        actions = {way.step_id: way.action for way in ways_for(content, content.field("medical-genetics"))}
        assert "Specialty Interest Pages" in actions["medical-genetics_series"]
        assert "Go to the Specialty Interest Series session on" not in actions["medical-genetics_series"]
        assert "Join the student interest group" not in actions["medical-genetics_group"]

    def test_a_specialty_the_school_lists_gets_the_session(self, content: Content) -> None:
        series = next(w for w in content.resources.explore if w.id == "series")
        listed = series.model_copy(update={"known_for": ("medical-genetics",)})
        assert listed.action_for("medical-genetics").startswith("Go to the Specialty Interest Series session on")
        assert listed.action_for("pathology") == series.otherwise

    def test_a_session_listed_for_an_unknown_page_is_refused(self, pack: Path) -> None:
        path = pack / "resources.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("known_for: []", "known_for: [cardiac-surgery]", 1), encoding="utf-8")
        assert "resources.yaml: explore[0].known_for: unknown specialty 'cardiac-surgery'" in map(
            str, validate_content(pack)
        )

    def test_a_list_of_known_pages_needs_words_for_the_others(self, pack: Path) -> None:
        path = pack / "resources.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        del data["explore"][0]["otherwise"]
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        assert "resources.yaml: explore[0].otherwise: needed with known_for" in map(str, validate_content(pack))


class TestTheSchoolsOwnWords:
    """resources.yaml says only what the school's description says (the audit's S1-S5, G1 and G2)."""

    def test_no_open_door_the_school_did_not_describe(self, content: Content) -> None:
        orma = content.resources.supports_by_id["orma"]
        assert "no reason has to be given" not in orma.what and "open to all" not in orma.how_to_reach

    def test_interest_groups_are_not_promised_one_per_specialty(self, content: Content) -> None:
        groups = content.resources.events_by_id["student-specialty-interest-groups"]
        assert "one per specialty" not in groups.what

    def test_the_degree_sessions_do_not_claim_to_cover_careers(self, content: Content) -> None:
        for event_id in ("ose-mph-session", "ose-mpp-session", "ose-mdmba-session"):
            assert not any("Careers" in topic for topic in content.resources.events_by_id[event_id].topics)

    def test_the_combined_degrees_overview_and_the_aamc_career_options_are_offered(self, content: Content) -> None:
        supports = content.resources.supports_by_id
        assert "combined-degrees" in supports["combined-degrees-overview"].needs
        assert "non-clinical-careers" in supports["aamc-career-options"].needs
        steps = {way.step_id for way in ways_for(content, content.field("health-policy"))}
        assert "health-policy_options" in steps
