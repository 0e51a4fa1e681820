"""Plans, reports, pages with ways to explore them, comparisons and retakes: the pure functions."""

from __future__ import annotations

import json
import re
from datetime import date
from html import escape
from pathlib import Path

import pytest

from selfexplore.cli import main
from selfexplore.content import Content, load_content
from selfexplore.explore import ways_for
from selfexplore.fields import agreement, render_comparison, render_field, render_paths
from selfexplore.plan import ADVISOR_STEP, Step, merge, month_choices, month_label, status_words, step_status, suggest
from selfexplore.report import build_report, render_report_html, report_json
from selfexplore.results import build_results, compare_attempts, render_movement
from selfexplore.scoring import score_answers
from selfexplore.store import Store
from tests.helpers import answers_leaning, tags

SURGICAL = {"procedures", "operating_room", "acuity"}
ALL_PAGES = [page.id for page in (*load_content().specialties, *load_content().paths)]


class TestPages:
    @pytest.mark.parametrize("page_id", ALL_PAGES)
    def test_every_page_renders_with_and_without_a_student(self, content: Content, page_id: str) -> None:
        page = content.field(page_id)
        scored = score_answers(content, answers_leaning(content, SURGICAL))
        plain, beside = render_field(content, page), render_field(content, page, scored)
        assert f"How to explore it at {content.resources.school.name}" in plain
        assert "This page beside your own profile" not in plain
        assert "This page beside your own profile" in beside
        assert beside.count("<tr class=") == len(content.matched_dimensions)
        assert "script" not in tags(beside)
        assert ways_for(content, page), "every page says how to explore it here"

    def test_the_side_by_side_caption_counts_the_differences_it_puts_first(self, content: Content) -> None:
        scored = score_answers(content, answers_leaning(content, SURGICAL))
        for page_id in ("general-surgery", "psychiatry"):
            beside = render_field(content, content.field(page_id), scored)
            differ = beside.count('<tr class="se-differ">')
            if differ == 0:
                assert "You differ from this page on nothing you have a clear view on." in beside
            else:
                words = "The one thing you differ on" if differ == 1 else f"The {differ} things you differ on"
                assert f"{words} come" in beside
                # ...and they do come first.
                assert beside.index('<tr class="se-differ">') == beside.index('<tr class="se-')
        surgeon, psychiatry = (
            render_field(content, content.field(page_id), scored).count('<tr class="se-differ">')
            for page_id in ("general-surgery", "psychiatry")
        )
        assert surgeon < psychiatry  # a student drawn to the operating room differs more from psychiatry

    def test_a_specialty_is_explored_through_the_series_group_mentors_and_shadowing(self, content: Content) -> None:
        ways = ways_for(content, content.field("dermatology"))
        assert [w.step_id for w in ways][:4] == [
            "dermatology_series",
            "dermatology_group",
            "dermatology_mentor",
            "dermatology_shadow",
        ]
        assert all("Dermatology" in w.action for w in ways[:4])

    def test_a_training_length_that_varies_is_shown_as_a_range_and_a_list_names_its_sources(
        self, content: Content
    ) -> None:
        """Walk review 8: "Training after medical school: 3 years" sat above "Three or four years", and a bare
        "[4]" under the fellowships."""
        page = render_field(content, content.field("emergency-medicine"), None)
        assert "<strong>Training after medical school:</strong> 3 to 4 years" in page
        assert "Sources of this list:" in page.split("Fellowships and subspecialties")[1].split("</h3>", 2)[1]
        assert "<strong>Training after medical school:</strong> 4 years" in render_field(
            content, content.field("anesthesiology"), None
        )
        both = render_comparison(content, [content.field("emergency-medicine"), content.field("anesthesiology")], None)
        assert ">3 to 4 years</td>" in both and ">4 years</td>" in both

    def test_a_way_names_what_its_last_line_says_on_the_page_and_in_the_plan(self, content: Content) -> None:
        """Walk review: the plan said "How:" over a when, the pages "When or how:" over the same line. An event
        says when it is; a person or an office says how to reach them; the page and the plan step agree."""
        ways = {w.step_id: w for w in ways_for(content, content.field("dermatology"))}
        assert ways["dermatology_series"].how_label == "When"  # an event
        assert ways["dermatology_shadow"].how_label == "How to reach them"  # people who arrange it
        page = render_field(content, content.field("dermatology"), None)
        assert "When or how" not in page
        assert f"<em>When:</em> {escape(ways['dermatology_series'].how)}" in page
        results = build_results(content, answers_leaning(content, {"procedures", "visual_pattern"}))
        steps = {s.id: s for s in suggest(content, results, ())}
        assert "dermatology_series" in steps, "the student's top match is dermatology"
        for step_id, way in ways.items():
            if step_id in steps:
                assert (steps[step_id].how, steps[step_id].how_label) == (way.how, way.how_label)

    def test_a_path_adds_its_own_events(self, content: Content) -> None:
        ids = [w.step_id for w in ways_for(content, content.field("public-health"))]
        assert "public-health_ose-mph-session" in ids
        assert all(
            len(step_id) <= 64
            for page_id in ALL_PAGES
            for step_id in [w.step_id for w in ways_for(content, content.field(page_id))]
        )

    @pytest.mark.parametrize(
        ("student", "page", "expected"),
        [
            (0.9, 0.9, "agree"),
            (0.1, 0.9, "differ"),
            (0.5, 0.9, "neither"),
            (None, 0.9, "neither"),
            (0.9, 0.55, "neither"),
        ],
    )
    def test_agreement_needs_a_clear_view_on_both_sides(
        self, student: float | None, page: float, expected: str
    ) -> None:
        assert agreement(student, page) == expected

    def test_two_or_three_pages_compare_side_by_side_with_the_student(self, content: Content) -> None:
        pages = [content.field("pediatrics"), content.field("psychiatry"), content.field("public-health")]
        scored = score_answers(content, {"i01": 5})
        html = render_comparison(content, pages, scored)
        assert html.count('<th scope="col">') == 5  # What, three pages, You
        assert html.count('<tr><th scope="row">') == 5 + len(content.matched_dimensions)
        # Each cell names its field (a phone shows the rows as cards); the student's own cells say "You".
        rows = 5 + len(content.matched_dimensions)
        for page in pages:
            assert html.count(f'<td data-label="{escape(page.name, quote=True)}">') == rows
        assert html.count('<td data-label="You">') == len(content.matched_dimensions)


class TestPlan:
    def test_suggestions_follow_matches_path_and_challenges(self, content: Content) -> None:
        results = build_results(content, answers_leaning(content, SURGICAL))
        steps = suggest(content, results, ["finances"])
        ids = [s.id for s in steps]
        top = results.specialties[0].id
        assert ids[:5] == [f"{top}_{w}" for w in ("series", "group", "mentor", "shadow", "talk")]
        second = results.specialties[1].id
        assert f"{second}_series" in ids and f"{second}_mentor" not in ids
        assert "support_dean-for-students" in ids
        assert ids[-1] == ADVISOR_STEP
        assert len(ids) == len(set(ids))
        assert all(s.why for s in steps)

    def test_too_few_answers_suggest_no_step_for_a_specialty_or_path(self, content: Content) -> None:
        steps = suggest(content, build_results(content, {"i01": 5}), ["time"])
        assert [s.id for s in steps][-1] == ADVISOR_STEP
        assert all(s.id.startswith("support_") or s.id == ADVISOR_STEP for s in steps)

    def test_a_saved_step_stays_even_when_no_longer_suggested(self, content: Content) -> None:
        results = build_results(content, answers_leaning(content, SURGICAL))
        suggestions = suggest(content, results, [])
        saved = {
            suggestions[0].id: ("accepted", "email Dr A", "2027-02"),
            "psychiatry_series": ("edited", "from my first attempt", None),
        }
        plan = merge(suggestions, saved)
        assert plan[0].kept and plan[0].note == "email Dr A"
        assert plan[-1].suggestion.id == "psychiatry_series" and plan[-1].kept

    def test_target_months_run_from_this_month(self) -> None:
        months = month_choices(date(2026, 11, 25), 3)
        assert months == (("November 2026", "2026-11"), ("December 2026", "2026-12"), ("January 2027", "2027-01"))

    @pytest.mark.parametrize(("month", "label"), [("2027-01", "January 2027"), ("2026-12", "December 2026")])
    def test_a_month_reads_as_a_person_would_say_it(self, month: str, label: str) -> None:
        assert month_label(month) == label

    def test_a_month_that_is_not_one_is_shown_as_it_is(self) -> None:
        assert month_label("2027-13") == "2027-13"


class TestPlanChoices:
    """What a student chose is a step's status; a note or a month alone keeps nothing."""

    def test_the_choice_is_the_status(self) -> None:
        assert step_status("accepted") == "accepted"
        assert step_status("dismissed") == "dismissed"

    @pytest.mark.parametrize("choice", [None, "", "edited", 3, "keep"])
    def test_no_choice_or_a_forged_one_leaves_the_step_suggested(self, choice: object) -> None:
        assert step_status(choice) == "suggested"

    def test_a_step_shows_the_choice_it_was_saved_with(self, content: Content) -> None:
        suggestion = suggest(content, build_results(content, {}), [])[-1]
        assert Step(suggestion, "accepted").choice == "accepted"
        assert Step(suggestion, "edited").choice == "accepted"  # kept with a note, as saved before
        assert Step(suggestion, "dismissed").choice == "dismissed"
        assert Step(suggestion, "suggested", "a note").choice is None

    def test_the_status_line_says_whether_the_step_is_kept(self, content: Content) -> None:
        suggestion = suggest(content, build_results(content, {}), [])[-1]
        assert status_words(Step(suggestion, "accepted")) == "kept"
        assert status_words(Step(suggestion, "accepted", "email first")) == "kept, with your note"
        assert status_words(Step(suggestion, "dismissed")) == "set aside"
        assert "not kept yet" in status_words(Step(suggestion, "suggested", "a note"))


class TestReport:
    def report_html(self, content: Content) -> tuple[str, dict[str, object]]:
        answers = answers_leaning(content, SURGICAL)
        results = build_results(content, answers)
        first = suggest(content, results, [])[0]
        report = build_report(
            content,
            2,
            answers,
            {first.id: ("accepted", "<b>ask</b> about nights", "2027-01"), ADVISOR_STEP: ("dismissed", "", None)},
            [
                ("balance_week", "<script>alert('x')</script> & evenings free", True),
                ("balance_energy", "this one stays private", False),
            ],
            date(2026, 11, 25),
        )
        return render_report_html(content, report), report_json(content, report)

    def test_a_ticked_reflection_appears_escaped_and_an_unticked_one_not_at_all(self, content: Content) -> None:
        html, data = self.report_html(content)
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; evenings free" in html
        assert "script" not in tags(html)
        assert "this one stays private" not in html
        assert "this one stays private" not in json.dumps(data)
        assert data["reflections"] == [
            {
                "prompt": content.reflection_prompts_by_id["balance_week"].text,
                "text": "<script>alert('x')</script> & evenings free",
            }
        ]

    def test_the_report_holds_matches_reasons_and_kept_steps_only(self, content: Content) -> None:
        html, data = self.report_html(content)
        assert "Specialties that fit me best" in html
        assert "What fits:" in html and "What does not:" in html
        assert "&lt;b&gt;ask&lt;/b&gt; about nights" in html
        assert "Meet your Society advisor" not in html  # set aside by the student
        assert [step["status"] for step in data["plan"]] == ["accepted"]  # type: ignore[index]
        assert data["attempt"] == 2 and data["format"] == "selfexplore-report"

    def test_matches_are_numbered_once_and_months_read_as_words(self, content: Content) -> None:
        html, data = self.report_html(content)
        assert not re.search(r"<li><strong>\d+\. ", html)  # the list numbers them: "1. 1. ..." no more
        assert "January 2027" in html and "2027-01" not in html
        assert "25 November 2026" in html
        assert data["plan"][0]["target_month"] == "2027-01"  # type: ignore[index]  # data keeps the form

    def test_the_report_is_self_contained_and_prints(self, content: Content) -> None:
        html, _ = self.report_html(content)
        assert "@media print" in html
        assert "<script" not in html and "<link" not in html and "http" not in html.split("<body>")[0]


class TestRetakes:
    def test_movement_names_what_changed_between_attempts(self, content: Content) -> None:
        before = build_results(content, answers_leaning(content, SURGICAL))
        after = build_results(content, answers_leaning(content, {"mind_behavior", "continuity"}, SURGICAL))
        movement = compare_attempts(content, before, after, (1, 2))
        assert {m.dimension for m in movement.moved} >= {"procedures", "operating_room", "mind_behavior"}
        assert "Psychiatry" in movement.entered
        html = render_movement(content, movement)
        assert "since attempt 1" in html and "Hands-on procedures: down from" in html

    def test_the_same_answers_twice_move_nothing(self, content: Content) -> None:
        results = build_results(content, answers_leaning(content, SURGICAL))
        movement = compare_attempts(content, results, results, (1, 2))
        assert movement.moved == () and movement.entered == () and movement.left == ()
        assert "stayed much the same" in render_movement(content, movement)


class TestReportCommand:
    def test_report_writes_html_and_json_for_a_resume_code(
        self, content: Content, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        store = Store.open(content, url)
        created = store.create_student()
        attempt = store.latest_attempt(created.student)
        store.save_answer(attempt, "i01", 5)
        store.save_reflection(attempt, "balance_week", "kept for the report", in_report=True)
        store.close()
        code_file = tmp_path / "code.txt"
        code_file.write_text(created.code)
        assert main(["--db", url, "report", "--code-file", str(code_file), "--out", str(tmp_path / "r.html")]) == 0
        assert "kept for the report" in (tmp_path / "r.html").read_text()
        assert (tmp_path / "r.html").stat().st_mode & 0o777 == 0o600
        assert main(["--db", url, "report", "--code-file", str(code_file), "--out", str(tmp_path / "r.json")]) == 0
        assert json.loads((tmp_path / "r.json").read_text())["reflections"][0]["text"] == "kept for the report"

    def test_a_wrong_code_exits_2_with_one_line(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        (tmp_path / "code.txt").write_text("0000")
        assert (
            main(["--db", url, "report", "--code-file", str(tmp_path / "code.txt"), "--out", str(tmp_path / "r.html")])
            == 2
        )
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
        assert not (tmp_path / "r.html").exists()


class TestCareerPathsPage:
    def test_who_and_what_the_paths_share_is_described_once_and_named_after_that(self, content: Content) -> None:
        html = render_paths(content, [(page, None) for page in content.paths], lambda page_id: page_id)
        advisor = content.resources.supports_by_id["society-advisor"]
        assert html.count(escape(advisor.how_to_reach)) == 1
        first = content.paths[0].name
        assert f"{escape(advisor.name)}: described under {escape(first)} above." in html
        # Every path still says what to do, each way once per path.
        for page in content.paths:
            for way in ways_for(content, page):
                assert escape(way.action) in html
        # A page of one field describes everything in full.
        alone = render_field(content, content.paths[-1])
        assert escape(advisor.how_to_reach) in alone and "described under" not in alone
