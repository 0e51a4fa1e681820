"""The facilitator dashboard in Chromium: six students join a session from the start page, the dashboard
shows them; the student server never renders the dashboard, and without the token nothing is shown."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Browser, Page, expect

from selfexplore.content import load_content
from selfexplore.store import Store
from tests.browser.conftest import FACILITATOR_TOKEN, PageGuard, assert_no_serious_axe_violations, screenshots
from tests.browser.test_workbook import SAVE_TIMEOUT, open_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("guard")]


def status_of(url: str) -> int:
    request = urllib.request.Request(url)
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class TestDashboard:
    def test_the_student_server_never_renders_the_dashboard(self, server: str) -> None:
        assert status_of(f"{server}/voila/render/dashboard.ipynb") == 404
        assert status_of(f"{server}/voila/render/dashboard.ipynb?token={FACILITATOR_TOKEN}") == 404

    def test_a_wrong_or_missing_token_gets_nothing(self, facilitator: str, page: Page) -> None:
        for query in ("", "?token=wrong"):
            assert status_of(f"{facilitator}/voila/render/dashboard.ipynb{query}") in (302, 403)
            page.goto(f"{facilitator}/voila/render/dashboard.ipynb{query}")
            expect(page.locator("body")).not_to_contain_text("joined")
            assert page.locator(".se-dashboard").count() == 0

    def test_six_students_join_and_the_dashboard_shows_them(
        self, server: str, facilitator: str, database_url: str, browser: Browser, page: Page
    ) -> None:
        content = load_content()
        store = Store.open(content, database_url)
        group = store.create_session("PDW browser test")
        try:
            for number in range(6):
                context = browser.new_context()
                guard = PageGuard.install(context)
                student = context.new_page()
                open_page(student, f"{server}/voila/render/start.ipynb")
                student.get_by_role("button", name="Start a new workbook").click()
                student.get_by_label("Group session code").fill(group.code.lower())
                student.get_by_role("button", name="Join the session").click()
                expect(student.get_by_text("You joined the group session")).to_be_visible(timeout=SAVE_TIMEOUT)
                href = student.get_by_role("link", name="Continue to the questions").get_attribute("href")
                assert href is not None
                open_page(student, f"{server}/voila/render/balance.ipynb?{href.split('?', 1)[1]}")
                student.get_by_role("checkbox", name="None of these right now").check()
                expect(student.locator(".se-status")).to_contain_text("your checklist", timeout=SAVE_TIMEOUT)
                if number < 2:
                    student.get_by_role("textbox").first.fill(f"<b>shared</b> thought {number}")
                    student.get_by_role("checkbox", name="Share this, without my name").first.check()
                    expect(student.locator(".se-status")).to_contain_text("shared with a group", timeout=SAVE_TIMEOUT)
                guard.check()
                context.close()
        finally:
            store.close()

        page.goto(f"{facilitator}/voila/render/dashboard.ipynb?token={FACILITATOR_TOKEN}")
        page.get_by_label("Session").select_option(label=f"PDW browser test ({group.code})")
        expect(page.get_by_role("heading", name="6 joined")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("<b>shared</b> thought 0")).to_be_visible()
        expect(page.get_by_text("Prompts for discussion")).to_be_visible()
        assert_no_serious_axe_violations(page)
        screenshots(page, "dashboard")
        page.get_by_label("Projector mode (large type)").check()
        expect(page.locator(".se-projector")).to_be_attached()
        screenshots(page, "dashboard-projector")
