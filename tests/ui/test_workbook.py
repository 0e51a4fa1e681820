"""The workbook pages without a browser: act as a student would (set values, click) and check the store."""

from __future__ import annotations

from datetime import date

import ipywidgets as widgets

from selfexplore.content import Content
from selfexplore.scoring import value_ids
from selfexplore.store import Store
from selfexplore.ui import (
    AdvisingView,
    BalanceView,
    CompareView,
    MatchesView,
    PathsView,
    PlanView,
    QuestionsView,
    Session,
    StartView,
    build_page,
)


def signed_in(content: Content, store: Store) -> Session:
    """A session as a page opened from a workbook link would have it (a pass in the query string)."""
    first = Session.from_request(content, store, {})
    first.start_new()
    return Session.from_request(content, store, {"QUERY_STRING": f"pass={first.token}"})


class TestStartPage:
    def test_a_new_student_gets_a_resume_code_shown_once_and_a_way_on(self, content: Content, store: Store) -> None:
        view = StartView(Session.from_request(content, store, {}))
        view.new.click()
        assert "se-code" in view.message.value
        assert view.session.known
        assert "interests.ipynb?pass=" in view.welcome.value
        assert store.counts()["students"] == 1

    def test_resuming_with_the_code_opens_the_same_workbook(self, content: Content, store: Store) -> None:
        created = store.create_student()
        view = StartView(Session.from_request(content, store, {}))
        view.code.value = created.code.lower().replace("-", " ")
        view.resume.click()
        assert view.session.student is not None and view.session.student.id == created.student.id

    def test_a_wrong_code_is_refused_with_a_message_and_signs_nobody_in(self, content: Content, store: Store) -> None:
        view = StartView(Session.from_request(content, store, {}))
        view.code.value = "not a code"
        view.resume.click()
        assert 'role="alert"' in view.message.value
        assert not view.session.known

    def test_an_expired_link_says_so_and_offers_to_resume(self, content: Content, store: Store) -> None:
        view = StartView(Session.from_request(content, store, {"QUERY_STRING": "pass=" + "x" * 32}))
        assert "expired" in view.message.value
        assert view.entry in view.body.children

    def test_download_holds_the_students_answers(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        session.save("i01", 4)
        view = StartView(session)
        view.download.click()
        assert 'download="selfexplore-my-data.json"' in view.download_link.value

    def test_delete_needs_the_box_ticked_then_removes_everything(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        session.save("i01", 4)
        view = StartView(session)
        view.delete.click()
        assert store.counts()["students"] == 1
        view.confirm.value = True
        view.delete.click()
        assert store.counts()["students"] == 0
        assert store.counts()["answers"] == 0
        assert not view.session.known

    def test_joining_a_group_session_with_its_code(self, content: Content, store: Store) -> None:
        group = store.create_session("PDW morning")
        session = signed_in(content, store)
        view = StartView(session)
        view.join_code.value = group.code.lower()
        view.join.click()
        assert session.student is not None
        assert [s.name for s in store.sessions_of(session.student)] == ["PDW morning"]
        view.join_code.value = "ZZZ-ZZZ"
        view.join.click()
        assert 'role="alert"' in view.message.value


class TestQuestionPages:
    def test_every_answer_is_saved_the_moment_it_changes(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        view = QuestionsView(session, "interests")
        control = view.controls["i01"]
        assert isinstance(control, widgets.RadioButtons)
        control.value = 4
        assert session.attempt is not None
        assert store.answers(session.attempt) == {"i01": 4}
        assert "Saved statement 1 (Agree)" in view.chrome.status.value
        assert "1 of 71 answered" in view.chrome.header.value

    def test_saved_answers_are_shown_again_without_being_saved_twice(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        session.save("i01", 2)
        session.save("body_systems", ["skin", "eye"])
        assert session.attempt is not None
        before = len(store.answer_history(session.attempt, "i01"))
        view = QuestionsView(session, "interests")
        assert view.controls["i01"].value == 2  # type: ignore[attr-defined]
        assert [s for s, box in view.systems.items() if box.value] == ["skin", "eye"]
        assert len(store.answer_history(session.attempt, "i01")) == before

    def test_a_fourth_body_system_is_refused_and_nothing_changes(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        view = QuestionsView(session, "interests")
        for system in ("skin", "eye", "heart_vessels", "lungs_chest"):
            view.systems[system].value = True
        assert session.attempt is not None
        assert store.answers(session.attempt)["body_systems"] == ("skin", "eye", "heart_vessels")
        assert view.systems["lungs_chest"].value is False
        assert "at most 3" in view.chrome.status.value

    def test_a_forged_value_is_refused_in_python_and_shown_as_not_saved(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        view = QuestionsView(session, "interests")
        item = content.questionnaire.items_by_id["i01"]
        view._answer(item, 9)  # what a forged comm message would deliver to the observer
        assert session.attempt is not None
        assert store.answers(session.attempt) == {}
        assert "se-status-failed" in view.chrome.status.value

    def test_the_values_ranking_moves_by_buttons_and_is_saved(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        view = QuestionsView(session, "values")
        ranking = view.ranking
        assert ranking is not None
        values = list(value_ids(content))
        ranking.listing.value = values[2]
        ranking.up.click()
        ranking.up.click()
        ranking.up.click()  # already first: nothing moves
        assert session.attempt is not None
        saved = store.answers(session.attempt)["values_ranking"]
        assert saved == (values[2], values[0], values[1], *values[3:])
        assert ranking.listing.options[0] == (f"1. {content.dimensions_by_id[values[2]].label}", values[2])

    def test_a_forged_ranking_choice_moves_nothing(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        view = QuestionsView(session, "values")
        assert view.ranking is not None
        view.ranking.listing.value = None
        view.ranking.down.click()
        assert session.attempt is not None
        assert "values_ranking" not in store.answers(session.attempt)

    def test_without_a_student_the_page_points_to_the_start(self, content: Content, store: Store) -> None:
        view = QuestionsView(Session.from_request(content, store, {}), "interests")
        assert view.controls == {}
        assert "start.ipynb" in view.widget.children[2].value  # type: ignore[attr-defined]


class TestBalancePage:
    def test_a_reflection_is_saved_private_and_sharing_is_a_separate_choice(
        self, content: Content, store: Store
    ) -> None:
        session = signed_in(content, store)
        view = BalanceView(session)
        reflection = view.reflections["balance_week"]
        reflection.text.value = "<script>alert('x')</script> evenings free"
        assert session.attempt is not None
        saved = store.reflections(session.attempt)[0]
        assert (saved.text, saved.share_adviser, saved.share_group) == (
            "<script>alert('x')</script> evenings free",
            False,
            False,
        )
        reflection.share_group.value = True
        assert store.reflections(session.attempt)[0].share_group is True
        assert "<script>" not in view.chrome.status.value

    def test_reflections_come_back_when_the_page_is_opened_again(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        BalanceView(session).reflections["balance_energy"].text.value = "a long walk"
        again = BalanceView(session)
        assert again.reflections["balance_energy"].text.value == "a long walk"

    def test_ticking_a_challenge_saves_it_and_shows_who_can_help(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        view = BalanceView(session)
        assert view.challenges is not None
        view.challenges.boxes["finances"].value = True
        assert session.attempt is not None
        assert store.answers(session.attempt)["challenges"] == ("finances",)
        for support_id in content.resources.challenges[1].supports:
            assert content.resources.supports_by_id[support_id].name in view.challenges.help.value


class TestMatchesPage:
    def test_matches_show_ranked_pages_with_reasons_and_links(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        for item in content.questionnaire.items:
            if item.kind == "scale":
                session.save(item.id, 5 if any(k.dimension == "procedures" for k in item.keys) else 3)
        view = MatchesView(session)
        html = view.results_html.value
        assert "Specialties that fit you best" in html
        assert "specialties.ipynb?page=" in html and "pass=" in html
        assert "What fits" in html
        assert "Too little answered" not in html
        view.kind.value = "paths"
        assert "Career paths that fit you best" in view.results_html.value
        assert "<svg" in view.profile_html.value and "<table>" in view.profile_html.value

    def test_too_few_answers_bring_a_warning(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        session.save("i01", 5)
        assert "Too little answered to trust this ranking" in MatchesView(session).results_html.value


def test_every_step_builds_for_a_signed_in_student(content: Content, store: Store) -> None:
    session = signed_in(content, store)
    for step in ("start", "interests", "values", "balance", "matches", "plan", "paths", "compare", "advising"):
        assert isinstance(build_page(step, session).widget, widgets.VBox)


class TestPlanPage:
    def test_keeping_a_step_with_a_note_and_a_month_is_saved(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        for item in content.questionnaire.items:
            if item.kind == "scale":
                session.save(item.id, 4)
        view = PlanView(session, today=date(2026, 11, 25))
        first = view.steps[0]
        first.choice.value = "accepted"
        first.note.value = "email the group's leaders"
        first.month.value = "2027-01"
        assert session.attempt is not None
        (saved,) = store.plan(session.attempt)
        assert (saved.step_id, saved.status, saved.note, saved.target_month) == (
            first.step.suggestion.id,
            "edited",
            "email the group's leaders",
            "2027-01",
        )
        view.steps[-1].choice.value = "dismissed"
        assert {s.step_id: s.status for s in store.plan(session.attempt)}["society-advisor_meeting"] == "dismissed"

    def test_a_forged_month_is_refused_and_nothing_is_saved(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        view = PlanView(session, today=date(2026, 11, 25))
        view.steps[0].month.value = view.steps[0].month.options[1][1]
        assert session.attempt is not None
        before = store.plan(session.attempt)
        # A forged comm message can only pick an option (traitlets refuses others); a forged note that is
        # too long is refused in Python, and what was saved stays.
        view.steps[0].note.value = "x" * 2000
        assert store.plan(session.attempt) == before
        assert "shorten" in view.chrome.status.value

    def test_the_report_is_ready_to_download_from_the_plan(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        view = PlanView(session, today=date(2026, 11, 25))
        view.prepare.click()
        assert 'download="selfexplore-report-attempt-1.html"' in view.report_links.value
        assert "data:application/json;base64," in view.report_links.value


class TestExplorePages:
    def test_career_paths_list_every_path_and_take_the_panel_questions(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        view = PathsView(session)
        for page in content.paths:
            assert page.name in view.paths_html.value
        assert len(view.reflections) == 3
        prompt_id = next(iter(view.reflections))
        view.reflections[prompt_id].text.value = "a rotation at a health department"
        view.reflections[prompt_id].in_report.value = True
        assert session.attempt is not None
        (saved,) = store.reflections(session.attempt)
        assert (saved.prompt_id, saved.in_report) == (prompt_id, True)

    def test_compare_shows_two_or_three_pages_and_ignores_forged_choices(self, content: Content, store: Store) -> None:
        view = CompareView(signed_in(content, store), ["pediatrics", "psychiatry", "../etc"])
        assert "Pediatrics" in view.table.value and "Psychiatry" in view.table.value
        view.choices[1].value = "none"
        assert "Choose at least two" in view.table.value
        view.choices[1].value = "public-health"
        view.choices[2].value = "dermatology"
        assert view.table.value.count('<th scope="col">') == 5

    def test_the_advising_map_puts_the_ticked_challenges_first(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        session.save("challenges", ["belonging"])
        html = AdvisingView(session).map_html.value
        assert html.index("For what you ticked") < html.index("By what you need")
        for need in content.resources.needs:
            assert need.label.replace("'", "&#x27;") in html


class TestRetake:
    def test_taking_the_workbook_again_keeps_the_first_attempt_and_shows_the_change(
        self, content: Content, store: Store
    ) -> None:
        session = signed_in(content, store)
        for item in content.questionnaire.items:
            if item.kind == "scale":
                session.save(item.id, 5 if item.keys[0].dimension == "procedures" else 3)
        start = StartView(session)
        start.retake.click()
        assert session.attempt is not None and session.attempt.number == 2
        assert session.answers() == {}
        for item in content.questionnaire.items:
            if item.kind == "scale":
                session.save(item.id, 5 if item.keys[0].dimension == "mind_behavior" else 3)
        view = MatchesView(session)
        assert "How your answers moved since attempt 1" in view.movement_html.value
        assert len(store.attempts(session.student)) == 2  # type: ignore[arg-type]


class TestReviewFixes:
    def test_the_ranking_starts_from_the_students_own_answers_and_is_saved_only_when_chosen(
        self, content: Content, store: Store
    ) -> None:
        session = signed_in(content, store)
        income_items = [i for i in content.questionnaire.items if i.keys and i.keys[0].dimension == "income"]
        view = QuestionsView(session, "values")
        for item in income_items:
            control = view.controls[item.id]
            control.value = 1 if item.keys[0].reverse else 5  # type: ignore[attr-defined]
        assert view.ranking is not None
        assert view.ranking.listing.options[0][1] == "income"
        assert session.attempt is not None
        assert "values_ranking" not in store.answers(session.attempt)

    def test_none_of_these_is_an_answer_and_unticks_the_rest(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        view = BalanceView(session)
        assert view.challenges is not None
        view.challenges.boxes["time"].value = True
        view.challenges.none.value = True
        assert session.attempt is not None
        assert store.answers(session.attempt)["challenges"] == ()
        assert not view.challenges.boxes["time"].value
        view.challenges.boxes["family"].value = True
        assert view.challenges.none.value is False
        assert store.answers(session.attempt)["challenges"] == ("family",)
        assert 'data-item="challenges"' in view.chrome.status.value

    def test_a_hub_student_cannot_be_signed_out_by_a_forged_click(self, content: Content, store: Store) -> None:
        session = Session.from_request(content, store, {"JUPYTERHUB_USER": "student-7"})
        view = StartView(session)
        view.sign_out.click()
        assert session.known and session.signed_in_by == "hub"
        assert view.account in view.body.children

    def test_every_saved_status_names_the_answer_it_is_about(self, content: Content, store: Store) -> None:
        session = signed_in(content, store)
        view = BalanceView(session)
        view.reflections["balance_week"].text.value = "abc"
        assert 'data-item="balance_week" data-length="3"' in view.chrome.status.value
