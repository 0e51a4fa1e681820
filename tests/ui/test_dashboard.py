"""The facilitator dashboard without a browser: who may see it, and what it shows."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from traitlets import TraitError

from selfexplore import settings
from selfexplore.content import Content
from selfexplore.services.facilitator import FacilitatorService
from selfexplore.serving.identity import FACILITATOR_ROLE, may_facilitate, may_facilitate_here
from selfexplore.store import Store
from selfexplore.ui.dashboard import DashboardView
from tests.ui.widgets import downloaded, html_of

FACILITATOR = {settings.ROLE.name: FACILITATOR_ROLE}


def dashboard(content: Content, store: Store) -> DashboardView:
    """The dashboard of a facilitator's page, over the facilitator's service."""
    return DashboardView(content, FacilitatorService(content, store))


def group_of(store: Store, size: int) -> str:
    group = store.create_session("PDW morning")
    for n in range(size):
        student = store.create_student().student
        store.join_session(student, group.code)
        store.save_answer(store.latest_attempt(student), "challenges", ["time"] if n < 5 else [])
    return group.code


class TestWhoMaySee:
    def test_without_the_facilitator_role_there_is_no_service_and_nothing_is_shown(self, content: Content) -> None:
        for environ in ({}, {settings.ROLE.name: "adviser"}):
            assert not may_facilitate_here(environ)
        assert may_facilitate_here(FACILITATOR)
        view = DashboardView(content, None)
        assert not view.allowed
        assert "for facilitators" in html_of(view.widget)

    def test_under_a_hub_only_members_of_the_facilitator_group_may_see(self) -> None:
        environ = {
            "JUPYTERHUB_USER": "ana",
            "JUPYTERHUB_API_URL": "http://127.0.0.1:8081/hub/api",
            "JUPYTERHUB_API_TOKEN": "t",
            "SELFEXPLORE_FACILITATOR_GROUP": "career-advising",
        }
        asked: list[str] = []

        def hub(groups: list[str]) -> object:
            def fetch(request: urllib.request.Request) -> bytes:
                asked.append(request.full_url)
                return json.dumps({"name": "ana", "groups": groups}).encode()

            return fetch

        assert may_facilitate(environ, hub(["career-advising"]))  # type: ignore[arg-type]
        assert not may_facilitate(environ, hub(["students"]))  # type: ignore[arg-type]
        assert asked == ["http://127.0.0.1:8081/hub/api/user"] * 2
        assert may_facilitate({}, hub([]))  # type: ignore[arg-type]


class TestDashboard:
    def test_a_facilitator_sees_the_session_with_its_plan_and_prompts(self, content: Content, store: Store) -> None:
        code = group_of(store, 6)
        view = dashboard(content, store)
        assert view.session_choice.value == code
        assert "6 joined" in view.figures.value
        assert "Finding the time" in view.figures.value
        assert "Prompts for discussion" in view.guide.value
        view.format.value = "medical-career-paths-panel"
        panel = content.resources.events_by_id["medical-career-paths-panel"]
        assert panel.questions[0].replace("'", "&#x27;") in view.guide.value

    def test_how_many_joined_stands_beside_the_join_code_and_the_figures(self, content: Content, store: Store) -> None:
        code = group_of(store, 7)
        view = dashboard(content, store)
        assert f"Join code <strong>{code}</strong>. 7 joined." in view.status.value
        assert "of the 7 who joined have answered the checklist" in view.figures.value

    def test_the_figures_follow_the_room_when_refreshed(self, content: Content, store: Store) -> None:
        code = group_of(store, 4)
        view = dashboard(content, store)
        assert "Figures appear once 5" in view.figures.value
        store.join_session(store.create_student().student, code)
        view.refresh()
        assert "5 joined" in view.figures.value

    def test_the_live_refresh_follows_the_room_in_the_background(self, content: Content, store: Store) -> None:
        code = group_of(store, 4)
        view = dashboard(content, store)
        assert "4 joined" in view.figures.value
        view.start_live(interval=0.05)
        try:
            store.join_session(store.create_student().student, code)
            deadline = time.monotonic() + 10
            while "5 joined" not in view.figures.value and time.monotonic() < deadline:
                time.sleep(0.05)
            assert "5 joined" in view.figures.value
        finally:
            view.stop()

    def test_projector_mode_marks_the_page_for_large_type(self, content: Content, store: Store) -> None:
        group_of(store, 5)
        view = dashboard(content, store)
        view.projector.set_state({"value": True})
        assert "se-projector" in view.widget._dom_classes  # the classes the page receives
        view.projector.set_state({"value": False})
        assert "se-projector" not in view.widget._dom_classes

    def test_exports_hold_the_figures_and_the_summary(self, content: Content, store: Store) -> None:
        code = group_of(store, 5)
        view = dashboard(content, store)
        view.export_button.click()
        csv = downloaded(view.exports.value, f"selfexplore-session-{code}.csv")
        assert csv.splitlines()[0].startswith("section,") or "," in csv.splitlines()[0]
        assert any("time" in line for line in csv.splitlines()[1:])
        summary = downloaded(view.exports.value, f"selfexplore-session-{code}.html")
        assert summary.startswith("<!DOCTYPE html>") and "5 joined" in summary

    def test_a_forged_session_code_shows_nothing(self, content: Content, store: Store) -> None:
        group_of(store, 5)
        view = dashboard(content, store)
        with pytest.raises(TraitError, match="Invalid selection"):  # traitlets refuses unknown options
            view.session_choice.value = "ZZZ-ZZZ"
        assert "5 joined" in view.figures.value


class TestTheQuestionnairesEvidence:
    def test_it_is_worked_out_when_asked_for_and_withheld_for_a_small_store(
        self, content: Content, store: Store
    ) -> None:
        group_of(store, 6)
        view = dashboard(content, store)
        assert view.evidence.value == ""
        view.evidence_button.click()
        assert "The questionnaire's evidence" in view.evidence.value
        assert "Nothing to show yet: fewer than 20 students" in view.evidence.value
