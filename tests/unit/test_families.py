"""Specialty families: the subspecialty pages and their routes in, the core pages that list them, combined
residencies, the directory and the matches page grouped by family, the plan's step for a core residency,
and a clinician's sign-off of a page."""

from __future__ import annotations

from datetime import date

import pytest

from selfexplore.cli import main
from selfexplore.content import Content, Review
from selfexplore.fields import directory, render_field, review_words
from selfexplore.plan import suggest
from selfexplore.results import build_results, families_behind, render_matches
from selfexplore.signoff import review_sheet, unreviewed, value_words
from tests.helpers import answers_leaning, tags

# The subspecialty ids other tools rely on, with the core specialty each is reached through.
FAMILIES = {
    "internal-medicine": (
        "cardiology",
        "gastroenterology",
        "pulmonary-critical-care",
        "hematology-oncology",
        "nephrology",
        "endocrinology",
        "rheumatology",
        "infectious-disease",
        "geriatric-medicine",
        "allergy-immunology",
        "hospice-palliative-medicine",
    ),
    "pediatrics": (
        "neonatology",
        "pediatric-cardiology",
        "pediatric-hematology-oncology",
        "pediatric-emergency-medicine",
        "pediatric-critical-care",
    ),
    "general-surgery": ("colon-rectal-surgery", "pediatric-surgery", "surgical-critical-care"),
    "psychiatry": ("child-adolescent-psychiatry", "addiction-medicine"),
    "preventive-medicine": ("occupational-medicine",),
    "family-medicine": ("sports-medicine",),
    "pathology": ("forensic-pathology",),
}


class TestThePack:
    def test_every_subspecialty_of_the_contract_is_a_field_in_its_family(self, content: Content) -> None:
        for core, members in FAMILIES.items():
            assert {m.id for m in content.families[core]} == set(members), core
            for member in members:
                field = content.field(member)
                assert field.kind == "specialty" and field.family is not None and field.entry is not None
                assert field.training.years is not None and field.training.years >= 3
        assert content.field("nuclear-medicine").family is None  # a primary specialty of its own board
        assert len(content.specialties) == 52

    def test_combined_residencies_stand_on_each_parent_page(self, content: Content) -> None:
        named = {page.id: {c.name for c in page.combined} for page in content.specialties}
        assert "Emergency Medicine-Internal Medicine" in named["emergency-medicine"] & named["internal-medicine"]
        assert "Internal Medicine-Psychiatry" in named["internal-medicine"] & named["psychiatry"]
        triple = "Pediatrics-Psychiatry-Child and Adolescent Psychiatry (triple board)"
        assert triple in named["pediatrics"] & named["psychiatry"]
        assert "Internal Medicine-Pediatrics" in named["internal-medicine"] & named["pediatrics"]


class TestPages:
    def test_a_subspecialty_says_how_to_get_there_and_links_back_to_its_core(self, content: Content) -> None:
        html = render_field(content, content.field("cardiology"), link=lambda i: f"#{i}")
        assert "How you get there from here" in html
        assert "Internal Medicine residency, then 3 more years of fellowship" in html
        assert 'href="#internal-medicine"' in html and "Getting in" in html

    def test_a_core_page_lists_its_fields_with_one_line_each(self, content: Content) -> None:
        html = render_field(content, content.field("pediatrics"), link=lambda i: f"#{i}")
        assert "Fields within Pediatrics" in html
        for member in FAMILIES["pediatrics"]:
            assert f'href="#{member}"' in html
        assert "Combined residencies" in html and "triple board" in html
        assert "script" not in tags(html)

    def test_the_directory_groups_fields_under_their_family(self, content: Content) -> None:
        labels = [entry.label for entry in directory(content, "specialties")]
        start = labels.index("Internal Medicine")
        assert all(label.startswith("Internal Medicine › ") for label in labels[start + 1 : start + 12])
        assert [e.id for e in directory(content, "specialties", "internal medicine cardio")] == ["cardiology"]


class TestMatchesAndPlan:
    def test_the_families_behind_the_top_list_show_their_best_fields(self, content: Content) -> None:
        answers = answers_leaning(
            content, {"heart_vessels", "procedures", "acuity", "imaging_technology"}, {"children"}
        )
        results = build_results(content, answers)
        families = {core.id: [m.id for m in ms] for core, ms in families_behind(content, results.specialties)}
        assert "internal-medicine" in families and families["internal-medicine"][0] == "cardiology"
        html = render_matches(content, results, "specialties", lambda i: i)
        assert "Within Internal Medicine, these fit you best" in html

    def test_a_subspecialty_that_fits_brings_a_step_for_its_core_residency(self, content: Content) -> None:
        answers = answers_leaning(content, {"children", "acuity", "procedures"}, {"continuity"})
        results = build_results(content, answers)
        top = [m.id for m in results.specialties[:3]]
        steps = {s.id: s for s in suggest(content, results, ())}
        for field_id in top:
            field = content.field(field_id)
            core = content.core_of(field)
            if core is not None:
                assert f"Plan for the {core.name} residency" in steps[f"{field_id}_route"].title
        assert any(content.field(i).family is not None for i in top), top


class TestSignOff:
    def test_an_unreviewed_page_says_so_and_a_reviewed_one_names_the_role_and_the_month(self, content: Content) -> None:
        page = content.field("cardiology")
        assert review_words(page) == "Not yet reviewed by a physician of this field at your school."
        reviewed = page.model_copy(
            update={
                "reviews": (
                    Review(
                        role="a cardiologist at an affiliated hospital",
                        date=date(2027, 3, 4),
                        parts=("facts", "profile"),
                    ),
                )
            }
        )
        assert review_words(reviewed) == (
            "Reviewed by a cardiologist at an affiliated hospital, March 2027: its facts and how it is "
            "described for matching."
        )
        assert "Reviewed by a cardiologist" in render_field(content, reviewed)

    def test_validate_lists_every_unreviewed_page_as_a_warning(
        self, content: Content, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert len(unreviewed(content)) == len(content.specialties) + len(content.paths)
        assert main(["validate"]) == 0
        warned = capsys.readouterr().err
        assert "warning: specialties/cardiology.yaml: reviews: not yet reviewed" in warned

    def test_the_review_sheet_holds_every_fact_and_every_value_in_words(self, content: Content) -> None:
        page = content.field("neonatology")
        sheet = review_sheet(content, page, date(2026, 12, 5))
        assert sheet.startswith("<!DOCTYPE html>") and "script" not in tags(sheet)
        for fact in (page.day_to_day, page.training, page.lifestyle):
            assert fact.text.replace("'", "&#x27;")[:60] in sheet
        for dimension in content.matched_dimensions:
            assert dimension.label.replace("'", "&#x27;") in sheet
        assert value_words(content, "children", 1.0) == "high: " + content.dimensions_by_id["children"].high
        assert "Agree" in sheet and "Sign-off" in sheet

    def test_the_command_writes_the_sheet_and_refuses_an_unknown_page(
        self, tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
    ) -> None:
        out = f"{tmp_path}/sheet.html"
        assert main(["review-sheet", "cardiology", "--out", out]) == 0
        assert main(["review-sheet", "nope", "--out", out]) == 2
        assert capsys.readouterr().err.strip() == "selfexplore: error: no specialty or career path with id 'nope'"
