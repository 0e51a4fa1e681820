"""The workbook app without a browser: act as a student would (set values, click, follow links) and check
the store. Values "from the page" are set the way a comm message sets them (`set_state`), so a forged one
meets exactly the checks a real one does."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date
from html import escape
from pathlib import Path

import ipywidgets as widgets
import pytest
from traitlets import TraitError

from selfexplore.content import Content
from selfexplore.records import STORE_UNAVAILABLE, Attempt, StoreError
from selfexplore.scoring import value_ids
from selfexplore.services.visit import Visit
from selfexplore.serving.request import PASS_COOKIE
from selfexplore.store import Store
from selfexplore.ui.app import PREPARE_DELAY, WorkbookApp, workbook_app
from selfexplore.ui.aside import AdvisingView, CompareView, PathsView
from selfexplore.ui.balance import BalanceView
from selfexplore.ui.controls import edit_size
from selfexplore.ui.directory import DirectoryView
from selfexplore.ui.matches import MatchesView
from selfexplore.ui.page import PageView
from selfexplore.ui.plan import SAME_REASON, PlanView
from selfexplore.ui.questions import QuestionsView
from selfexplore.ui.start import StartView
from selfexplore.workbook import PAGES, PAGES_BY_ID
from tests.helpers import answers_leaning, in_a_thread
from tests.ui.widgets import Opened, downloaded, find, find_all, html_of, started, walk


def answer_everything(opened: Opened, content: Content, high: set[str]) -> None:
    for item_id, value in answers_leaning(content, high).items():
        opened.app.visit.save_answer(item_id, value)


class TestTheApp:
    def test_the_app_opens_at_the_start_page(self, content: Content, store: Store) -> None:
        opened = Opened(content, store)
        assert isinstance(opened.view, StartView)
        assert opened.app.shell.place == {
            "page": "start",
            "query": "",
            "title": "Start · selfexplore workbook",
            "replace": False,
        }

    def test_following_a_link_swaps_the_page_inside_the_same_app(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        interests = opened.go("page=interests")
        assert isinstance(interests, QuestionsView) and interests.section.id == "interests"
        assert opened.app.shell.place["query"] == "page=interests"
        assert isinstance(opened.go("page=values"), QuestionsView)
        assert opened.go("page=interests") is interests  # kept for the visit: going back is a swap

    def test_a_forged_address_falls_back_to_a_page_that_exists(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        assert isinstance(opened.go("page=<script>&id=../../etc"), StartView)
        assert opened.app.shell.place["query"] == ""

    def test_every_page_builds_for_a_student_and_for_nobody(self, content: Content, store: Store) -> None:
        for opened in (started(content, store), Opened(content, store)):
            for spec in PAGES:
                view = opened.go(f"page={spec.id}")
                assert type(view).__name__ == spec.class_name
                assert f"se-view-{spec.id}" in view.widget._dom_classes
                assert opened.app.chrome.spec == PAGES_BY_ID[spec.id]

    def test_a_page_that_needs_a_student_points_to_the_start_when_nobody_is_signed_in(
        self, content: Content, store: Store
    ) -> None:
        opened = Opened(content, store, {"QUERY_STRING": "page=interests"})
        assert find_all(opened.view.widget, widgets.RadioButtons) == []
        assert 'href="?"' in html_of(opened.view.widget) and "Open the start page" in html_of(opened.view.widget)

    def test_a_reload_in_the_same_browser_keeps_the_student_and_the_page(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        opened.go("page=values")
        again = opened.reload()
        assert again.app.visit.student == opened.app.visit.student
        assert isinstance(again.view, QuestionsView) and again.view.section.id == "values"

    def test_signing_out_forgets_the_cookie_and_a_stale_cookie_is_cleared(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        old = opened.cookie
        assert old
        find(opened.view.widget, widgets.Button, "Sign out everywhere").click()
        assert opened.cookie is None
        stale = Opened(content, store, {"HTTP_COOKIE": f"{PASS_COOKIE}={old}"})
        assert not stale.app.visit.known and stale.cookie is None
        assert "expired" in html_of(stale.view.widget)

    def test_no_widget_state_a_page_script_can_read_holds_the_pass(self, content: Content, store: Store) -> None:
        """Security review of 5 December 2026, finding 13: the pass was in the Shell's `cookie` state."""
        opened = started(content, store)
        page_pass = opened.app.visit.page_pass
        assert page_pass and opened.cookie == page_pass  # kept, sealed: only the server opens the seal
        states = [json.dumps(widget.get_state(), default=str) for widget in walk(opened.app.widget)]
        assert states and not any(page_pass in state for state in states)

    def test_in_jupyterlab_the_app_keeps_no_cookie_and_no_address(self, content: Content, store: Store) -> None:
        app = WorkbookApp(Visit(content, store), addressed=False)
        app.arrive({})
        find(app.views["start"].widget, widgets.Button, "Start a new workbook").click()
        assert app.visit.known and app.shell.cookie == {} and not app.shell.addressed
        assert app.shell._css  # the styles travel with the app where no page template brings them

    def test_in_a_kernel_the_next_step_is_built_while_the_student_reads(self, content: Content, store: Store) -> None:
        async def reading() -> list[str]:
            app = WorkbookApp(Visit(content, store), addressed=True, ahead=True)
            app.arrive({})
            find(app.views["start"].widget, widgets.Button, "Start a new workbook").click()
            await asyncio.sleep(PREPARE_DELAY + 0.5)
            built = sorted(app.views)
            app.go_to_query("page=interests")
            await asyncio.sleep(PREPARE_DELAY + 0.5)
            return [*built, "|", *sorted(app.views)]

        assert in_a_thread(reading()) == ["interests", "start", "|", "interests", "start", "values"]

    def test_the_pager_offers_next_once_signed_in(self, content: Content, store: Store) -> None:
        opened = Opened(content, store)
        assert "Next:" not in opened.app.chrome.footer.value
        find(opened.view.widget, widgets.Button, "Start a new workbook").click()
        assert 'href="?page=interests"' in opened.app.chrome.footer.value

    def test_the_steps_are_numbered_once(self, content: Content, store: Store) -> None:
        header = Opened(content, store).app.chrome.header.value
        assert "<ol>" in header and not re.search(r">\d+\. ", header)


class TestStartPage:
    def test_a_new_student_gets_a_resume_code_shown_once_and_a_way_on(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        view = opened.view
        assert isinstance(view, StartView)
        assert "se-code" in view.message.value
        assert 'href="?page=interests"' in view.welcome.value
        assert opened.cookie == opened.app.visit.page_pass and store.counts()["students"] == 1

    def test_resuming_with_the_code_opens_the_same_workbook(self, content: Content, store: Store) -> None:
        created = store.create_student()
        opened = Opened(content, store)
        find(opened.view.widget, widgets.Text, "Resume code").set_state({"value": created.code.lower()})
        find(opened.view.widget, widgets.Button, "Resume").click()
        assert opened.app.visit.student == created.student and opened.cookie

    def test_a_wrong_code_is_refused_with_a_message_and_signs_nobody_in(self, content: Content, store: Store) -> None:
        opened = Opened(content, store)
        view = opened.view
        assert isinstance(view, StartView)
        view.code.set_state({"value": "not a code"})
        view.resume.click()
        assert 'role="alert"' in view.message.value and "A resume code has 17" in view.message.value
        assert not opened.app.visit.known

    def test_download_holds_everything_the_workbook_keeps(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        opened.app.visit.save_answer("i01", 4)
        opened.app.visit.save_reflection("balance_week", "mine", share_adviser=False, share_group=True, in_report=False)
        view = opened.view
        assert isinstance(view, StartView)
        view.download.click()
        data = json.loads(downloaded(view.download_link.value, "selfexplore-my-data.json"))
        (attempt,) = data["attempts"]
        assert attempt["answers"] == {"i01": 4}
        assert attempt["reflections"][0]["text"] == "mine" and attempt["reflections"][0]["share_group"] is True

    def test_delete_needs_the_box_ticked_then_removes_everything(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        opened.app.visit.save_answer("i01", 4)
        view = opened.view
        assert isinstance(view, StartView)
        view.delete.click()
        assert store.counts()["students"] == 1
        view.confirm.set_state({"value": True})
        view.delete.click()
        assert store.counts()["students"] == 0 and store.counts()["answers"] == 0
        assert not opened.app.visit.known and opened.cookie is None

    def test_joining_a_group_session_with_its_code(self, content: Content, store: Store) -> None:
        group = store.create_session("PDW morning")
        opened = started(content, store)
        view = opened.view
        assert isinstance(view, StartView)
        view.join_code.set_state({"value": group.code.lower()})
        view.join.click()
        student = opened.app.visit.student
        assert student is not None and [s.name for s in store.sessions_of(student)] == ["PDW morning"]
        view.join_code.set_state({"value": "ZZZ-ZZZ"})
        view.join.click()
        assert 'role="alert"' in view.message.value

    def test_where_the_school_signs_students_in_only_they_join_a_session(self, content: Content, store: Store) -> None:
        # Security review finding 3: anyone can make resume codes, so a room of made-up students could
        # learn what the figures say of the one real student among them. Behind the school's sign-in,
        # only its students join.
        group = store.create_session("PDW morning")
        proxy = {"SELFEXPLORE_TRUSTED_HEADER": "X-Remote-User"}
        puppet = Opened(content, store, proxy)
        find(puppet.view.widget, widgets.Button, "Start a new workbook").click()
        view = puppet.view
        assert isinstance(view, StartView)
        view.join_code.set_state({"value": group.code})
        view.join.click()
        assert 'role="alert"' in view.message.value and "signed in with their school account" in view.message.value
        assert not store.session_rows(group).members
        student = Opened(content, store, {**proxy, "HTTP_X_REMOTE_USER": "ann"})
        view = student.view
        assert isinstance(view, StartView)
        view.join_code.set_state({"value": group.code})
        view.join.click()
        assert student.app.visit.student is not None
        assert [s.name for s in store.sessions_of(student.app.visit.student)] == ["PDW morning"]

    def test_a_sign_out_that_fails_says_the_student_is_still_signed_in(
        self, content: Content, store: Store, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        opened = started(content, store)
        view = opened.view
        assert isinstance(view, StartView)
        kept = opened.cookie

        def unreachable(*_args: object, **_kwargs: object) -> None:
            raise StoreError(STORE_UNAVAILABLE)

        monkeypatch.setattr(store, "revoke_pass", unreachable)
        view.sign_out.click()
        assert 'role="alert"' in view.message.value and "You are still signed in" in view.message.value
        assert opened.app.visit.known and opened.cookie == kept

    def test_a_store_that_cannot_be_opened_is_a_sentence_not_a_traceback(
        self, content: Content, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        shown: list[object] = []
        monkeypatch.setattr("IPython.display.display", shown.append)
        monkeypatch.setenv("SELFEXPLORE_DB_URL", f"sqlite:///{tmp_path / 'gone.sqlite3'}")
        monkeypatch.setenv("SELFEXPLORE_STORE_PREPARED", "1")  # a served kernel: it never creates a store
        assert workbook_app(content) is None
        (notice,) = shown
        assert isinstance(notice, widgets.HTML) and 'role="alert"' in notice.value
        assert "The workbook cannot open just now" in notice.value and "Traceback" not in notice.value

    def test_a_hub_student_cannot_be_signed_out_by_a_forged_click(self, content: Content, store: Store) -> None:
        opened = Opened(content, store, {"JUPYTERHUB_USER": "student-7"})
        view = opened.view
        assert isinstance(view, StartView)
        view.sign_out.click()  # hidden on the page, but a forged click still fires
        assert opened.app.visit.known and opened.app.visit.hosted
        assert view.account in view.body.children

    def test_under_a_hub_the_student_can_sign_out_through_the_hub(self, content: Content, store: Store) -> None:
        """Hosting review of 5 December 2026, F5: under a hub nothing took the place of "Sign out"."""
        opened = Opened(content, store, {"JUPYTERHUB_USER": "student-7", "JUPYTERHUB_BASE_URL": "/school/"})
        assert '<a class="se-button" href="/school/hub/logout">Sign out</a>' in html_of(opened.view.widget)
        opened.go("page=interests")
        assert 'href="/school/hub/logout">Sign out</a>' in opened.app.chrome.footer.value
        # A student who signs in with a resume code has the workbook's own sign-out, and no hub's.
        own = started(content, store)
        assert "hub/logout" not in html_of(own.view.widget)
        own.go("page=interests")
        assert "Sign out" not in own.app.chrome.footer.value


class TestQuestionPages:
    def test_every_answer_is_saved_the_moment_it_changes(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        view = opened.go("page=interests")
        assert isinstance(view, QuestionsView)
        view.controls["i01"].set_state({"index": 3})
        attempt = opened.app.visit.attempt
        assert attempt is not None and store.answers(attempt) == {"i01": 4}
        assert opened.status.startswith("Saved statement 1 (Agree)")
        assert f"1 of {len(content.questionnaire.items)} answered" in opened.app.chrome.progress.value

    def test_saved_answers_are_shown_again_without_being_saved_twice(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        visit = opened.app.visit
        visit.save_answer("i01", 2)
        visit.save_answer("body_systems", ["skin", "eye"])
        assert visit.attempt is not None
        before = len(store.answer_history(visit.attempt, "i01"))
        view = opened.go("page=interests")
        assert isinstance(view, QuestionsView)
        assert view.controls["i01"].value == 2
        assert [s for s, box in view.systems.items() if box.value] == ["skin", "eye"]
        assert len(store.answer_history(visit.attempt, "i01")) == before

    def test_a_fourth_body_system_is_refused_and_nothing_changes(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        view = opened.go("page=interests")
        assert isinstance(view, QuestionsView)
        for system in ("skin", "eye", "heart_vessels", "lungs_chest"):
            view.systems[system].set_state({"value": True})
        attempt = opened.app.visit.attempt
        assert attempt is not None and store.answers(attempt)["body_systems"] == ("skin", "eye", "heart_vessels")
        assert view.systems["lungs_chest"].value is False
        assert "at most 3" in opened.status

    def test_a_forged_answer_is_refused_before_anything_is_saved(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        view = opened.go("page=interests")
        assert isinstance(view, QuestionsView)
        with pytest.raises(TraitError):
            view.controls["i01"].set_state({"index": 8})  # there are five answers
        with pytest.raises(TraitError):
            view.systems["skin"].set_state({"value": "yes"})
        attempt = opened.app.visit.attempt
        assert attempt is not None and store.answers(attempt) == {}

    def test_the_values_ranking_moves_by_buttons_and_is_saved(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        view = opened.go("page=values")
        assert isinstance(view, QuestionsView)
        ranking = view.ranking
        assert ranking is not None
        values = list(value_ids(content))
        ranking.listing.set_state({"index": 2})
        for _ in range(3):
            ranking.up.click()  # the third finds it first already: nothing moves
        attempt = opened.app.visit.attempt
        assert attempt is not None
        # Moving keeps nothing: a place the student has not confirmed is never saved, nor quoted back.
        assert "values_ranking" not in store.answers(attempt)
        assert "nothing is kept until then" in opened.status
        assert ranking.listing.options[0] == (f"1. {content.dimensions_by_id[values[2]].label}", values[2])
        ranking.keep.click()
        assert store.answers(attempt)["values_ranking"] == (values[2], values[0], values[1], *values[3:])
        assert opened.app.shell.status["key"] == "values_ranking" and ranking.keep.description == "Order saved"

    def test_a_move_with_nothing_chosen_moves_nothing(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        view = opened.go("page=values")
        assert isinstance(view, QuestionsView) and view.ranking is not None
        view.ranking.listing.set_state({"index": None})
        view.ranking.down.click()
        attempt = opened.app.visit.attempt
        assert attempt is not None and "values_ranking" not in store.answers(attempt)
        assert "Choose a value" in opened.status

    def test_the_ranking_starts_from_the_students_own_answers_and_is_saved_only_when_chosen(
        self, content: Content, store: Store
    ) -> None:
        opened = started(content, store)
        view = opened.go("page=values")
        assert isinstance(view, QuestionsView) and view.ranking is not None
        for item in content.questionnaire.items:
            if item.keys and item.keys[0].dimension == "income":
                view.controls[item.id].set_state({"index": 0 if item.keys[0].reverse else 4})
        assert view.ranking.listing.options[0][1] == "income"
        attempt = opened.app.visit.attempt
        assert attempt is not None and "values_ranking" not in store.answers(attempt)


class TestBalancePage:
    def test_a_reflection_is_saved_private_and_sharing_is_a_separate_choice(
        self, content: Content, store: Store
    ) -> None:
        opened = started(content, store)
        view = opened.go("page=balance")
        assert isinstance(view, BalanceView)
        reflection = view.reflections["balance_week"]
        reflection.text.set_state({"value": "<script>alert('x')</script> evenings free"})
        attempt = opened.app.visit.attempt
        assert attempt is not None
        saved = store.reflections(attempt)[0]
        assert (saved.text, saved.share_adviser, saved.share_group) == (
            "<script>alert('x')</script> evenings free",
            False,
            False,
        )
        assert "(private)" in opened.status and opened.app.shell.status["length"] == len(saved.text)
        reflection.share_group.set_state({"value": True})
        assert store.reflections(attempt)[0].share_group is True
        assert "shared with the next group session you join" in opened.status
        assert "to the next one you join, and to no other" in reflection.where.value

    def test_a_shared_reflection_says_which_one_session_sees_it(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        student = opened.app.visit.student
        assert student is not None
        store.join_session(student, store.create_session("PDW <b>morning</b>").code)
        view = opened.go("page=balance")
        assert isinstance(view, BalanceView)
        reflection = view.reflections["balance_week"]
        reflection.text.set_state({"value": "mine"})
        reflection.share_group.set_state({"value": True})
        assert "shared with the group session “PDW <b>morning</b>”" in opened.status  # the line is text
        assert "“PDW &lt;b&gt;morning&lt;/b&gt;” only" in reflection.where.value
        reflection.share_group.set_state({"value": False})
        assert reflection.where.value == "" and "(private)" in opened.status

    def test_a_reflection_over_the_limit_is_refused_and_the_saved_one_kept(
        self, content: Content, store: Store
    ) -> None:
        opened = started(content, store)
        view = opened.go("page=balance")
        assert isinstance(view, BalanceView)
        view.reflections["balance_week"].text.set_state({"value": "kept"})
        view.reflections["balance_week"].text.set_state({"value": "x" * 6000})
        attempt = opened.app.visit.attempt
        assert attempt is not None and store.reflections(attempt)[0].text == "kept"
        assert opened.status.startswith("Not saved.") and "5000 characters" in opened.status
        assert opened.app.shell.status["state"] == "failed"

    def test_reflections_come_back_when_the_app_is_opened_again(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        view = opened.go("page=balance")
        assert isinstance(view, BalanceView)
        view.reflections["balance_energy"].text.set_state({"value": "a long walk"})
        again = opened.reload().go("page=balance")
        assert isinstance(again, BalanceView) and again.reflections["balance_energy"].text.value == "a long walk"

    def test_ticking_a_challenge_saves_it_and_shows_who_can_help(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        view = opened.go("page=balance")
        assert isinstance(view, BalanceView) and view.challenges is not None
        view.challenges.boxes["finances"].set_state({"value": True})
        attempt = opened.app.visit.attempt
        assert attempt is not None and store.answers(attempt)["challenges"] == ("finances",)
        challenge = next(c for c in content.resources.challenges if c.id == "finances")
        for support_id in challenge.supports:
            assert content.resources.supports_by_id[support_id].name in view.challenges.help.value

    def test_none_of_these_is_an_answer_and_unticks_the_rest(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        view = opened.go("page=balance")
        assert isinstance(view, BalanceView) and view.challenges is not None
        view.challenges.boxes["time"].set_state({"value": True})
        view.challenges.none.set_state({"value": True})
        attempt = opened.app.visit.attempt
        assert attempt is not None and store.answers(attempt)["challenges"] == ()
        assert not view.challenges.boxes["time"].value
        view.challenges.boxes["family"].set_state({"value": True})
        assert view.challenges.none.value is False
        assert store.answers(attempt)["challenges"] == ("family",)


class TestSavingStatus:
    def test_every_kind_of_save_names_the_answer_it_is_about(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        questions = opened.go("page=interests")
        assert isinstance(questions, QuestionsView)
        saves = [
            ("i01", lambda: questions.controls["i01"].set_state({"index": 1})),
            ("body_systems", lambda: questions.systems["eye"].set_state({"value": True})),
        ]
        for key, act in saves:
            act()
            assert opened.app.shell.status["key"] == key
        balance = opened.go("page=balance")
        assert isinstance(balance, BalanceView) and balance.challenges is not None
        balance.reflections["balance_week"].text.set_state({"value": "abc"})
        assert (opened.app.shell.status["key"], opened.app.shell.status["length"]) == ("balance_week", 3)
        balance.challenges.boxes["time"].set_state({"value": True})
        assert opened.app.shell.status["key"] == "challenges"

    def test_a_choice_that_failed_to_save_is_put_back_and_the_same_choice_saves_on_retry(
        self, content: Content, store: Store, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Security review of 5 December 2026, finding 5: after a failed save the radio button stayed
        checked on an answer the store did not hold, and choosing it again sent nothing."""
        opened = started(content, store)
        attempt = opened.app.visit.attempt
        assert attempt is not None
        questions = opened.go("page=interests")
        assert isinstance(questions, QuestionsView)
        statement = questions.controls["i01"]
        assert isinstance(statement, widgets.RadioButtons)
        statement.set_state({"index": 1})  # "Disagree", saved

        def down(*_args: object, **_kwargs: object) -> None:
            raise StoreError(STORE_UNAVAILABLE)

        with monkeypatch.context() as patched:
            patched.setattr(store, "save_answer", down)
            statement.set_state({"index": 3})  # "Agree": not saved
            assert statement.value == 2 and store.answers(attempt)["i01"] == 2
            assert opened.status.startswith("Not saved.") and "choose again" in opened.status
        statement.set_state({"index": 3})  # the same choice again: a change, so a new try
        assert store.answers(attempt)["i01"] == 4 and opened.status.startswith("Saved statement 1 (Agree)")

        balance = opened.go("page=balance")
        assert isinstance(balance, BalanceView) and balance.challenges is not None
        with monkeypatch.context() as patched:
            patched.setattr(store, "save_answer", down)
            balance.challenges.boxes["time"].set_state({"value": True})
            assert balance.challenges.ticked() == [] and "choose again" in opened.status
        balance.challenges.boxes["time"].set_state({"value": True})
        assert store.answers(attempt)["challenges"] == ("time",)

        plan = opened.go("page=plan")
        assert isinstance(plan, PlanView)
        step = plan.steps[0]
        with monkeypatch.context() as patched:
            patched.setattr(store, "save_plan_step", down)
            step.choice.set_state({"index": 0})
            assert step.choice.value == step.step.choice and "choose again" in opened.status
        step.choice.set_state({"index": 0})
        assert [saved.status for saved in store.plan(attempt)] == ["accepted"]

    def test_a_page_of_its_own_starts_with_an_empty_status_line(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        balance = opened.go("page=balance")
        assert isinstance(balance, BalanceView) and balance.challenges is not None
        balance.challenges.boxes["time"].set_state({"value": True})
        assert opened.status.startswith("Saved your checklist (1 ticked)")
        opened.go("page=matches")  # saves nothing: nothing said
        assert opened.status == ""

    def test_each_status_is_a_new_update_even_with_the_same_words(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        opened.app.chrome.say("same")
        first = opened.app.shell.status["update"]
        opened.app.chrome.say("same")
        assert opened.app.shell.status["update"] != first


def two_tabs(content: Content, store: Store) -> tuple[Opened, Opened, Attempt]:
    """A student who started a workbook in one tab (a) and opened a second tab (b) of the same browser."""
    a = started(content, store)
    attempt = a.app.visit.attempt
    assert attempt is not None
    return a, a.reload(), attempt


class TestTwoTabs:
    """Security review of 5 December 2026, finding 4: a tab opened before the other saved overwrote a newer
    620-character reflection with one keystroke, and both tabs said "Saved"."""

    def test_a_stale_tab_is_refused_with_a_sentence_and_shows_the_newer_text(
        self, content: Content, store: Store
    ) -> None:
        a = started(content, store)
        attempt = a.app.visit.attempt
        assert attempt is not None
        a_balance = a.go("page=balance")
        assert isinstance(a_balance, BalanceView)
        a_balance.reflections["balance_week"].text.set_state({"value": "v1: my first thoughts"})
        b = a.reload()  # a second tab of the same browser
        b_balance = b.go("page=balance")
        assert isinstance(b_balance, BalanceView)
        b_text = b_balance.reflections["balance_week"].text
        assert b_text.value == "v1: my first thoughts"
        newer = "v2: " + "what I want my weeks to hold, thought through. " * 13
        assert len(newer) > 600
        a_balance.reflections["balance_week"].text.set_state({"value": newer})
        assert a.status.startswith("Saved your reflection")

        b_text.set_state({"value": "v1: my first thoughts!"})  # one keystroke in the stale tab
        assert b.status.startswith("Not saved. Another tab or window changed this")
        assert b.app.shell.status["state"] == "failed" and b.app.shell.status["key"] == "balance_week"
        assert b_text.value == newer  # the newer text is shown, and the store still holds it
        assert store.reflections(attempt)[0].text == newer
        # Keys pressed before the page showed the newer text arrive after the refusal: stale too.
        for typed in ("v1: my first thoughts!!", "v1: my first thoughts!!!"):
            b_text.set_state({"value": typed})
            assert b_text.value == newer and store.reflections(attempt)[0].text == newer
            assert b.status.startswith("Not saved. Another tab or window changed this")
        b_text.set_state({"value": newer + " And sleep."})  # typed on from the newer text: saved
        assert b.status.startswith("Saved your reflection") and store.reflections(attempt)[0].text.endswith("sleep.")

    def test_a_stale_choice_shows_the_choice_held(self, content: Content, store: Store) -> None:
        a, b, attempt = two_tabs(content, store)
        a_questions, b_questions = a.go("page=interests"), b.go("page=interests")
        assert isinstance(a_questions, QuestionsView) and isinstance(b_questions, QuestionsView)
        a_questions.controls["i01"].set_state({"index": 3})  # "Agree"
        b_questions.controls["i01"].set_state({"index": 0})  # "Strongly disagree", from a copy without it
        assert b_questions.controls["i01"].value == 4 and store.answers(attempt)["i01"] == 4
        assert b.status.startswith("Not saved. Another tab or window changed this")
        b_questions.controls["i01"].set_state({"index": 0})  # chosen again, from the answer shown: saved
        assert store.answers(attempt)["i01"] == 1

        a_values, b_values = a.go("page=values"), b.go("page=values")
        assert isinstance(a_values, QuestionsView) and isinstance(b_values, QuestionsView)
        assert a_values.ranking is not None and b_values.ranking is not None
        a_values.ranking.listing.set_state({"index": 2})
        a_values.ranking.up.click()
        a_values.ranking.keep.click()
        held = store.answers(attempt)["values_ranking"]
        b_values.ranking.listing.set_state({"index": 4})
        b_values.ranking.up.click()
        b_values.ranking.keep.click()
        assert store.answers(attempt)["values_ranking"] == held
        assert tuple(b_values.ranking.order) == held and "Another tab or window" in b.status

    def test_a_stale_plan_step_shows_the_step_held_with_its_note(self, content: Content, store: Store) -> None:
        a, b, attempt = two_tabs(content, store)
        a_plan, b_plan = a.go("page=plan"), b.go("page=plan")
        assert isinstance(a_plan, PlanView) and isinstance(b_plan, PlanView)
        a_plan.steps[0].note.set_state({"value": "ask Dr Okafor about shadowing"})
        a_plan.steps[0].choice.set_state({"index": 0})  # kept
        b_step = next(s for s in b_plan.steps if s.step.suggestion.id == a_plan.steps[0].step.suggestion.id)
        b_step.choice.set_state({"index": 1})  # set aside, from a copy without A's note
        assert (b_step.choice.value, b_step.note.value) == ("accepted", "ask Dr Okafor about shadowing")
        assert [(s.status, s.note) for s in store.plan(attempt)] == [("accepted", "ask Dr Okafor about shadowing")]
        assert "Another tab or window" in b.status


class TestEditSize:
    @pytest.mark.parametrize(
        ("text", "base", "size"),
        [
            ("same", "same", 0),
            ("same!", "same", 1),
            ("sa-me", "same", 1),
            ("", "some text", 9),
            ("hello world", "hello there world", 6),
            ("aaa", "aa", 1),
            ("v1!!", "v2: a much longer text", 21),
        ],
    )
    def test_one_edit_in_one_place_is_measured(self, text: str, base: str, size: int) -> None:
        assert edit_size(text, base) == size


class TestMatchesPage:
    def test_matches_show_ranked_pages_with_reasons_and_in_app_links(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        answer_everything(opened, content, {"procedures"})
        view = opened.go("page=matches")
        assert isinstance(view, MatchesView)
        html = view.results_html.value
        assert "Specialties that fit you best" in html and "What draws you" in html
        # The profile at a glance comes before the list (the whole profile is under it).
        assert "you lean most towards hands-on procedures" in view.glance_html.value
        order = [id(child) for child in view.widget.children]
        assert order.index(id(view.glance_html)) < order.index(id(view.results_html))
        assert 'href="?page=specialties&amp;id=' in html and "pass=" not in html
        assert "Too little answered" not in html
        view.kind.set_state({"index": 1})
        # A student drawn to procedures has no career path close to their answers: the list says so.
        assert "Career paths closest to your answers" in view.results_html.value
        assert "None is close to what you answered yet" in view.results_html.value
        assert 'class="se-bars se-bars-profile"' in view.profile_html.value and "se-scroll" in view.profile_html.value

    def test_too_few_answers_bring_a_warning(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        opened.app.visit.save_answer("i01", 5)
        view = opened.go("page=matches")
        assert isinstance(view, MatchesView)
        assert "Too little answered to trust this ranking" in view.results_html.value

    def test_matches_follow_answers_saved_since_the_page_was_last_shown(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        view = opened.go("page=matches")
        assert isinstance(view, MatchesView) and "Nothing answered yet" in view.results_html.value
        answer_everything(opened, content, {"mind_behavior"})
        assert opened.go("page=matches") is view
        assert "Psychiatry" in view.results_html.value


class TestPlanPage:
    def _plan(self, content: Content, store: Store) -> tuple[Opened, PlanView]:
        opened = started(content, store)
        answer_everything(opened, content, {"procedures"})
        view = opened.go("page=plan")
        assert isinstance(view, PlanView)
        return opened, view

    def test_keeping_a_step_with_a_note_and_a_month_is_saved(self, content: Content, store: Store) -> None:
        opened, view = self._plan(content, store)
        first = view.steps[0]
        first.choice.set_state({"index": 0})
        first.note.set_state({"value": "email the group's leaders"})
        january = [value for _, value in first.month.options].index(f"{date.today().year + 1}-01")
        first.month.set_state({"index": january})
        attempt = opened.app.visit.attempt
        assert attempt is not None
        (saved,) = store.plan(attempt)
        assert (saved.step_id, saved.status, saved.note) == (
            first.step.suggestion.id,
            "accepted",
            "email the group's leaders",
        )
        assert saved.target_month == f"{date.today().year + 1}-01"
        assert "kept, with your note" in opened.status
        view.steps[-1].choice.set_state({"index": 1})
        assert {s.step_id: s.status for s in store.plan(attempt)}["society-advisor_meeting"] == "dismissed"

    def test_a_reason_shared_by_several_steps_is_said_once(self, content: Content, store: Store) -> None:
        _opened, view = self._plan(content, store)
        whys = [step.step.suggestion.why for step in view.steps]
        first = whys[0]
        run = next((index for index, why in enumerate(whys) if why != first), len(whys))
        assert run > 1, whys  # the first match gives several steps, each for the same reason
        shown = [step.info.value for step in view.steps[:run]]
        assert escape(first) in shown[0]
        for later in shown[1:]:
            assert escape(first) not in later and SAME_REASON in later
        # A new reason is said again in full.
        if run < len(whys):
            assert escape(whys[run]) in view.steps[run].info.value

    def test_a_note_without_a_choice_is_saved_but_keeps_nothing(self, content: Content, store: Store) -> None:
        opened, view = self._plan(content, store)
        view.steps[0].note.set_state({"value": "maybe"})
        attempt = opened.app.visit.attempt
        assert attempt is not None
        (saved,) = store.plan(attempt)
        assert (saved.status, saved.note) == ("suggested", "maybe")
        assert "not kept yet" in opened.status
        again = opened.reload().go("page=plan")
        assert isinstance(again, PlanView) and again.steps[0].choice.value is None

    def test_a_forged_month_or_choice_is_refused_and_nothing_is_saved(self, content: Content, store: Store) -> None:
        opened, view = self._plan(content, store)
        step = view.steps[0]
        with pytest.raises(TraitError):
            step.month.set_state({"index": 999})
        with pytest.raises(TraitError):
            step.choice.set_state({"index": 5})
        step.month.set_state({"value": "1999-99"})  # not a synced trait: the page cannot send it
        assert step.month.value == "none"
        step.note.set_state({"value": "x" * 2000})  # text, but too long: refused in Python
        attempt = opened.app.visit.attempt
        assert attempt is not None and store.plan(attempt) == []
        assert opened.status.startswith("Not saved.") and "1000 characters" in opened.status

    def test_the_report_download_holds_the_report(self, content: Content, store: Store) -> None:
        _opened, view = self._plan(content, store)
        view.steps[0].choice.set_state({"index": 0})
        view.prepare.click()
        html = downloaded(view.report_links.value, "selfexplore-report-attempt-1.html")
        assert html.startswith("<!DOCTYPE html>") and view.steps[0].step.suggestion.title in html
        data = json.loads(downloaded(view.report_links.value, "selfexplore-report-attempt-1.json"))
        assert data["format"] == "selfexplore-report" and data["plan"][0]["status"] == "accepted"

    def test_the_steps_follow_the_answers(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        view = opened.go("page=plan")
        assert isinstance(view, PlanView)
        few = len(view.steps)
        answer_everything(opened, content, {"procedures"})
        opened.go("page=plan")
        assert len(view.steps) > few


class TestExplorePages:
    def test_career_paths_list_every_path_and_take_the_panel_questions(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        view = opened.go("page=paths")
        assert isinstance(view, PathsView)
        for page in content.paths:
            assert page.name in view.paths_html.value
        assert len(view.reflections) == 3
        prompt_id = next(iter(view.reflections))
        view.reflections[prompt_id].text.set_state({"value": "a rotation at a health department"})
        view.reflections[prompt_id].in_report.set_state({"value": True})
        attempt = opened.app.visit.attempt
        assert attempt is not None
        (saved,) = store.reflections(attempt)
        assert (saved.prompt_id, saved.in_report) == (prompt_id, True)

    def test_compare_shows_the_pages_the_address_names_and_ignores_forged_ones(
        self, content: Content, store: Store
    ) -> None:
        opened = started(content, store)
        view = opened.go("page=compare&ids=pediatrics,psychiatry,../etc")
        assert isinstance(view, CompareView)
        assert "Pediatrics" in view.table.value and "Psychiatry" in view.table.value
        view.choices[1].set_state({"index": 0})
        assert "Choose at least two" in view.table.value
        assert opened.app.shell.place["query"] == "page=compare&ids=pediatrics"
        with pytest.raises(TraitError):
            view.choices[2].set_state({"index": 10_000})
        view.choices[1].value = "public-health"
        view.choices[2].value = "dermatology"
        heads = re.findall(r'<th scope="col">([^<]*)</th>', view.table.value)
        assert heads == ["What", "Pediatrics", "Public health", "Dermatology", "You"]

    def test_a_specialty_page_opens_from_its_address_and_is_marked_in_the_list(
        self, content: Content, store: Store
    ) -> None:
        opened = started(content, store)
        view = opened.go("page=specialties&id=psychiatry")
        assert "Psychiatry" in html_of(view.widget) and "This page beside your own profile" in html_of(view.widget)
        assert isinstance(view, DirectoryView)
        assert 'id=psychiatry" aria-current="page">Psychiatry</a>' in view.listing.value
        assert opened.app.shell.place["query"] == "page=specialties&id=psychiatry"

    def test_the_advising_map_puts_the_ticked_challenges_first(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        opened.app.visit.save_answer("challenges", ["belonging"])
        view = opened.go("page=advising")
        assert isinstance(view, AdvisingView)
        html = view.map_html.value
        assert html.index("For what you ticked") < html.index("By what you need")
        for need in content.resources.needs:
            assert need.label.replace("'", "&#x27;") in html


class TestRetake:
    def test_taking_the_workbook_again_starts_empty_and_shows_what_moved(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        answer_everything(opened, content, {"procedures"})
        interests = opened.go("page=interests")
        start = opened.go("page=start")
        assert isinstance(start, StartView)
        start.retake.click()
        visit = opened.app.visit
        assert visit.attempt is not None and visit.attempt.number == 2 and visit.answers() == {}
        fresh = opened.go("page=interests")
        assert fresh is not interests  # built afresh for the new attempt
        answer_everything(opened, content, {"mind_behavior"})
        matches = opened.go("page=matches")
        assert isinstance(matches, MatchesView)
        assert "How your answers moved since attempt 1" in matches.movement_html.value


def test_every_view_is_a_page_view(content: Content, store: Store) -> None:
    opened = started(content, store)
    for spec in PAGES:
        assert isinstance(opened.go(f"page={spec.id}"), PageView)
