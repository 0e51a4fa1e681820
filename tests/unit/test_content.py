"""The content pack: the shipped pack is valid and complete, and a malformed pack is refused."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from selfexplore.content import Content, load_content, validate_content
from selfexplore.errors import ContentError

SPECIALTY_IDS = [
    "anesthesiology",
    "dermatology",
    "emergency-medicine",
    "family-medicine",
    "internal-medicine",
    "neurology",
    "neurological-surgery",
    "obstetrics-gynecology",
    "ophthalmology",
    "orthopaedic-surgery",
    "otolaryngology",
    "pathology",
    "pediatrics",
    "physical-medicine-rehabilitation",
    "psychiatry",
    "radiation-oncology",
    "diagnostic-radiology",
    "general-surgery",
    "urology",
    "plastic-surgery",
    "interventional-radiology",
    "vascular-surgery",
    "thoracic-surgery",
    "internal-medicine-pediatrics",
    "child-neurology",
    "preventive-medicine",
    "medical-genetics",
]
PATH_IDS = [
    "physician-scientist",
    "medical-education",
    "administration",
    "business-and-consulting",
    "public-health",
    "health-policy",
    "military-medicine",
    "industry-and-innovation",
]
# Work dimensions measured with two statements (one each way), to keep the pass at 70 questions.
TWO_ITEMS = ("reproductive_health", "function_rehab", "teaching", "leadership")
WORK = [
    "patient_contact",
    "procedures",
    "operating_room",
    "acuity",
    "continuity",
    "diagnostic_puzzles",
    "breadth",
    "imaging_technology",
    "visual_pattern",
    "mind_behavior",
    "children",
    "reproductive_health",
    "function_rehab",
    "laboratory",
    "population_health",
    "research",
    "teaching",
    "leadership",
]
VALUES = [
    "lifestyle_control",
    "income",
    "short_training",
    "immediate_results",
    "team_based",
    "service_underserved",
    "autonomy",
]
NOT_MATCHED = ["prestige"]  # competitive entry: information on each page, never asked about or matched
SYSTEMS = [
    "nervous_system",
    "skin",
    "eye",
    "ear_nose_throat",
    "musculoskeletal",
    "heart_vessels",
    "lungs_chest",
    "digestive",
    "urinary_tract",
    "reproductive",
    "endocrine",
    "blood_immune",
    "cancer",
    "whole_person",
]
SUPPORTS = [
    "dean-for-students",
    "society-advisor",
    "orma",
    "office-of-scholarly-engagement",
    "director-of-career-advising",
    "specialty-mentors",
    "shadowing",
    "aamc-careers-in-medicine",
]
EVENTS = [
    "lessons-learned-along-the-way",
    "specialty-interest-series",
    "alternative-careers-session",
    "student-specialty-interest-groups",
    "specialty-mentoring",
    "professional-development-week",
    "finding-your-specialty",
    "london-hst-career-dinners",
    "hst-dinners",
    "conversations-in-medical-life",
    "clinician-scientist-series",
    "medical-career-paths-panel",
    "ose-mph-session",
    "ose-mpp-session",
    "ose-mdmba-session",
]
CHALLENGES = ["time", "finances", "family", "uncertainty", "confidence", "belonging", "information"]


class TestShippedPack:
    def test_every_shipped_file_validates(self) -> None:
        assert validate_content() == []

    def test_dimensions_and_systems_are_those_of_the_contract(self, content: Content) -> None:
        assert list(content.dimension_ids) == WORK + VALUES + NOT_MATCHED
        assert [d.group for d in content.dimensions] == ["work"] * len(WORK) + ["values"] * (len(VALUES) + 1)
        assert [d.id for d in content.matched_dimensions] == WORK + VALUES
        assert list(content.system_ids) == SYSTEMS

    def test_every_contract_specialty_and_path_is_present(self, content: Content) -> None:
        assert {page.id for page in content.specialties} >= set(SPECIALTY_IDS)
        assert {page.id for page in content.paths} >= set(PATH_IDS)

    def test_questionnaire_fits_in_seventy_items(self, content: Content) -> None:
        """The interests and values pages (statements, body systems and the values ranking) hold at most 70."""
        questionnaire = content.questionnaire
        assert len(questionnaire.items_in("interests")) + len(questionnaire.items_in("values")) <= 70

    def test_the_balance_page_has_prompts_and_the_challenges_checklist(self, content: Content) -> None:
        questionnaire = content.questionnaire
        assert [item.kind for item in questionnaire.items_in("balance")] == ["challenges"]
        assert len(questionnaire.prompts_in("balance")) >= 3

    def test_every_dimension_has_enough_items(self, content: Content) -> None:
        counts = dict.fromkeys(content.dimension_ids, 0)
        for item in content.questionnaire.items:
            for key in item.keys:
                counts[key.dimension] += 1
        assert all(counts[key] >= 3 for key in WORK if key not in TWO_ITEMS), counts
        assert all(counts[key] >= 2 for key in (*VALUES, *TWO_ITEMS)), counts

    def test_some_items_are_reverse_keyed(self, content: Content) -> None:
        reversed_keys = [key for item in content.questionnaire.items for key in item.keys if key.reverse]
        assert len(reversed_keys) >= 10

    def test_there_is_one_body_systems_item(self, content: Content) -> None:
        assert [item.kind for item in content.questionnaire.items].count("systems") == 1

    def test_paths_list_the_degrees_that_lead_there(self, content: Content) -> None:
        assert all(page.degrees for page in content.paths)
        names = " ".join(degree.name for page in content.paths for degree in page.degrees)
        for degree in ("MPH", "MPP", "MBA", "PhD"):
            assert degree in names

    def test_resources_hold_the_school_supports_events_and_challenges(self, content: Content) -> None:
        resources_ = content.resources
        assert set(resources_.supports_by_id) >= set(SUPPORTS)
        assert set(resources_.events_by_id) >= set(EVENTS)
        assert [c.id for c in resources_.challenges] == CHALLENGES
        series = resources_.events_by_id["specialty-interest-series"]
        assert series.specialties_per_year == 19
        assert len(resources_.events_by_id["medical-career-paths-panel"].questions) == 3

    def test_no_fact_rests_only_on_the_careers_in_medicine_index(self, content: Content) -> None:
        """The AAMC's specialty-profile index needs a login and is the same page for every specialty."""
        index = "https://careersinmedicine.aamc.org/explore-options/specialty-profiles"
        alone = [
            f"{page.id}: {field}"
            for page in (*content.specialties, *content.paths)
            for field, ids in page.cited()
            if {str(page.sources_by_id[i].url).rstrip("/") for i in ids} == {index}
        ]
        assert alone == []

    def test_the_pack_is_read_from_the_installed_package(self) -> None:
        assert (resources.files("selfexplore.data") / "dimensions.yaml").is_file()

    def test_the_pack_named_by_the_environment_is_used(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SELFEXPLORE_CONTENT", str(tmp_path))
        with pytest.raises(ContentError, match=r"dimensions\.yaml: file is missing"):
            load_content()


Mutation = Callable[[Path], None]


def _edit(relative: str, change: Callable[[Any], None]) -> Mutation:
    def apply(root: Path) -> None:
        path = root / relative
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    return apply


def _write(relative: str, text: str) -> Mutation:
    def apply(root: Path) -> None:
        (root / relative).write_text(text, encoding="utf-8")

    return apply


def _remove(relative: str) -> Mutation:
    return lambda root: (root / relative).unlink()


def _copy(source: str, target: str, change: Callable[[Any], None]) -> Mutation:
    def apply(root: Path) -> None:
        shutil.copy(root / source, root / target)
        _edit(target, change)(root)

    return apply


def _set(*path_and_value: Any) -> Callable[[Any], None]:
    *path, value = path_and_value

    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return change


def _delete(*path: Any) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]

    return change


ANES = "specialties/anesthesiology.yaml"
MALFORMED: dict[str, tuple[Mutation, str]] = {
    "missing fact field": (
        _edit(ANES, _delete("training")),
        "specialties/anesthesiology.yaml: training: is required but missing",
    ),
    "profile value above one": (
        _edit(ANES, _set("profile", "procedures", "value", 1.4)),
        "specialties/anesthesiology.yaml: profile.procedures.value: Input should be less than or equal to 1",
    ),
    "profile without a dimension": (
        _edit(ANES, _delete("profile", "income")),
        "specialties/anesthesiology.yaml: profile.income: is required: every page has a value for every dimension",
    ),
    "profile with an unknown dimension": (
        _edit(ANES, _set("profile", "sleep", {"value": 0.5, "why": "x"})),
        "specialties/anesthesiology.yaml: profile.sleep: is not a known dimension",
    ),
    "fact without sources": (
        _edit(ANES, _set("lifestyle", "sources", [])),
        "specialties/anesthesiology.yaml: lifestyle.sources: needs at least 1 entry, has 0",
    ),
    "fact citing an unknown source": (
        _edit(ANES, _set("day_to_day", "sources", ["nowhere"])),
        "specialties/anesthesiology.yaml: day_to_day.sources: cites 'nowhere', which is not in the file's sources",
    ),
    "source without a URL": (
        _edit(ANES, _delete("sources", 0, "url")),
        "specialties/anesthesiology.yaml: sources[0].url: is required but missing",
    ),
    "source with a bad URL": (
        _edit(ANES, _set("sources", 0, "url", "careersinmedicine")),
        "specialties/anesthesiology.yaml: sources[0].url: 'careersinmedicine' is not a valid value here",
    ),
    "training range shorter than its start": (
        _edit(ANES, _set("training", "years_at_most", 2)),
        "specialties/anesthesiology.yaml: training.years_at_most: needs `years`, and cannot be less than it",
    ),
    "unknown related specialty": (
        _edit(ANES, _set("related", ["cardiology-x"])),
        "specialties/anesthesiology.yaml: related[0]: unknown specialty 'cardiology-x'",
    ),
    "unknown body system": (
        _edit(ANES, _set("systems", ["liver"])),
        "specialties/anesthesiology.yaml: systems[0]: unknown body system 'liver'",
    ),
    "id that does not match the file": (
        _edit(ANES, _set("id", "anaesthesia")),
        "specialties/anesthesiology.yaml: id: id 'anaesthesia' must match the file name 'anesthesiology'",
    ),
    "same id twice": (
        _copy(ANES, "paths/anesthesiology.yaml", _set("kind", "path")),
        "paths/anesthesiology.yaml: id: id 'anesthesiology' is used more than once",
    ),
    "unknown field": (
        _edit(ANES, _set("salary", 1)),
        "specialties/anesthesiology.yaml: salary: is not a known field",
    ),
    "unsupported schema version": (
        _edit(ANES, _set("schema_version", 2)),
        "specialties/anesthesiology.yaml: schema_version: unsupported schema version 2 (supported: 1)",
    ),
    "not YAML": (
        _write(ANES, "name: [unclosed\n"),
        "specialties/anesthesiology.yaml: line 2: is not valid YAML",
    ),
    "missing file": (
        _remove("questionnaire.yaml"),
        "questionnaire.yaml: file is missing",
    ),
    "item with an unknown scale": (
        _edit("questionnaire.yaml", _set("items", 0, "scale", "agree7")),
        "questionnaire.yaml: items[0].scale: unknown scale 'agree7'",
    ),
    "scale with a single label": (
        _edit("questionnaire.yaml", _set("scales", 0, "labels", ["Yes"])),
        "questionnaire.yaml: scales[0].labels: needs at least 2 entries, has 1",
    ),
    "scale with an empty label": (
        _edit("questionnaire.yaml", _set("scales", 0, "labels", ["", "Yes"])),
        "questionnaire.yaml: scales[0].labels[0]: String should have at least 1 character",
    ),
    "item keyed to an unknown dimension": (
        _edit("questionnaire.yaml", _set("items", 0, "keys", [{"dimension": "sleep"}])),
        "questionnaire.yaml: items[0].keys[0].dimension: unknown dimension 'sleep'",
    ),
    "dimension with too few items": (
        _edit(
            "questionnaire.yaml",
            lambda data: data.update(
                items=[i for i in data["items"] if all(k["dimension"] != "income" for k in i.get("keys", []))]
            ),
        ),
        "questionnaire.yaml: items: dimension 'income' is covered by 0 item(s); at least 2 are needed",
    ),
    "challenge pointing to an unknown support": (
        _edit("resources.yaml", _set("challenges", 0, "supports", ["nobody"])),
        "resources.yaml: challenges[0].supports: unknown support 'nobody'",
    ),
    "contact that says nothing": (
        _edit("resources.yaml", _set("supports", 0, "contact", {})),
        "resources.yaml: supports[0].contact: needs at least one of email, url, phone or place",
    ),
    "contact email that is not an address": (
        _edit("resources.yaml", _set("supports", 0, "contact", {"email": "dean at the school"})),
        "resources.yaml: supports[0].contact.email: value is not a valid email address: An email address must "
        "have an @-sign.",
    ),
    "contact with an unknown field": (
        _edit("resources.yaml", _set("supports", 0, "contact", {"fax": "1"})),
        "resources.yaml: supports[0].contact.fax: is not a known field",
    ),
    "event serving an unknown need": (
        _edit("resources.yaml", _set("events", 0, "needs", ["fun"])),
        "resources.yaml: events[0].needs: unknown need 'fun'",
    ),
}


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    shutil.copytree(
        str(resources.files("selfexplore.data")), root, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    return root


class TestMalformedPack:
    def test_a_copy_of_the_shipped_pack_is_valid(self, pack: Path) -> None:
        assert validate_content(pack) == []

    @pytest.mark.parametrize("case", sorted(MALFORMED))
    def test_each_problem_is_reported_with_file_field_and_message(self, pack: Path, case: str) -> None:
        mutate, expected = MALFORMED[case]
        mutate(pack)
        messages = [str(problem) for problem in validate_content(pack)]
        assert any(message.startswith(expected) for message in messages), messages

    def test_loading_an_invalid_pack_raises_with_every_problem(self, pack: Path) -> None:
        _edit(ANES, _delete("training"))(pack)
        _edit("specialties/dermatology.yaml", _set("systems", ["liver"]))(pack)
        with pytest.raises(ContentError) as raised:
            load_content(pack)
        assert len(raised.value.problems) == 2
        assert "the content pack is invalid" in str(raised.value)

    def test_a_folder_that_does_not_exist_is_reported(self, tmp_path: Path) -> None:
        problems = validate_content(tmp_path / "nowhere")
        assert [problem.message for problem in problems] == ["is not a folder"]
