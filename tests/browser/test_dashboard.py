"""The facilitator dashboard in Chromium: six students join a session from the start page, the dashboard
shows them; the student server never renders the dashboard, and without the token nothing is shown."""

from __future__ import annotations

import random
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from selfexplore.content import load_content
from selfexplore.store import Store
from tests.browser.conftest import (
    FACILITATOR_TOKEN,
    PageGuard,
    assert_no_serious_axe_violations,
    new_context,
    screenshots,
)
from tests.browser.workbook import go_to, saved, start_new_workbook
from tests.synthetic import respond, truths

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
        for path in ("voila/render/dashboard.ipynb", "dashboard.ipynb", "voila/files/dashboard.ipynb"):
            assert status_of(f"{server}/{path}") in (302, 403, 404)
            assert status_of(f"{server}/{path}?token={FACILITATOR_TOKEN}") in (302, 403, 404)
        # What a redirect there leads to is refused as well: no page but the app is served.
        assert status_of(f"{server}/voila/files/dashboard.ipynb") in (403, 404)

    def test_a_wrong_or_missing_token_gets_nothing(self, facilitator: str, page: Page) -> None:
        for query in ("", "?token=wrong"):
            assert status_of(f"{facilitator}/voila/render/dashboard.ipynb{query}") in (302, 403)
            page.goto(f"{facilitator}/voila/render/dashboard.ipynb{query}")
            expect(page.locator("body")).not_to_contain_text("joined")
            assert page.locator(".se-dashboard").count() == 0

    def test_the_dashboard_is_not_taken_for_a_page_that_never_opened(self, facilitator: str, page: Page) -> None:
        # The page script reloads a page whose content never appears; the dashboard is such content too.
        page.add_init_script("window.__seOpening = {slow: 300, retry: 1500};")
        page.goto(f"{facilitator}/voila/render/dashboard.ipynb?token={FACILITATOR_TOKEN}")
        expect(page.locator(".se-dashboard")).to_be_visible()
        page.evaluate("window.__stillTheSamePage = true")
        page.wait_for_timeout(3000)
        assert page.evaluate("window.__stillTheSamePage === true"), "the dashboard was loaded again"
        expect(page.locator("#se-opening")).to_be_hidden()

    def test_six_students_join_and_the_dashboard_shows_them(
        self, server: str, facilitator: str, database_url: str, browser: Browser, page: Page
    ) -> None:
        content = load_content()
        store = Store.open(content, database_url)
        group = store.create_session("PDW browser test")
        try:
            for number in range(6):
                context = new_context(browser)
                guard = PageGuard.install(context)
                student = context.new_page()
                start_new_workbook(student, server)
                student.get_by_label("Group session code").fill(group.code.lower())
                student.get_by_role("button", name="Join the session").click()
                expect(student.get_by_text("You joined the group session")).to_be_visible()
                balance = go_to(student, "balance")
                balance.get_by_role("checkbox", name="None of these right now").check()
                saved(student, "your checklist")
                if number < 2:
                    balance.get_by_role("textbox").first.fill(f"<b>shared</b> thought {number}")
                    balance.get_by_role("checkbox", name="Share this, without my name").first.check()
                    saved(student, "shared with the group session “PDW browser test”")
                guard.check()
                context.close()
        finally:
            store.close()

        page.goto(f"{facilitator}/voila/render/dashboard.ipynb?token={FACILITATOR_TOKEN}")
        page.get_by_label("Session").select_option(label=f"PDW browser test ({group.code})")
        expect(page.get_by_role("heading", name="6 joined")).to_be_visible()
        expect(page.get_by_text("<b>shared</b> thought 0")).to_be_visible()
        expect(page.get_by_text("Prompts for discussion")).to_be_visible()
        assert_no_serious_axe_violations(page)
        screenshots(page, "dashboard")
        page.get_by_label("Projector mode (large type)").check()
        expect(page.locator(".se-projector")).to_be_attached()
        screenshots(page, "dashboard-projector")


def test_the_facilitators_token_is_written_to_a_private_file_and_never_printed(
    facilitator: str, facilitator_home: Path
) -> None:
    address = facilitator_home / "selfexplore" / "facilitator-dashboard.url"
    assert address.read_text().strip() == f"{facilitator}/voila/render/dashboard.ipynb?token={FACILITATOR_TOKEN}"
    assert address.stat().st_mode & 0o777 == 0o600
    log = (facilitator_home / "facilitate.log").read_text()
    assert str(address) in log
    assert FACILITATOR_TOKEN not in log


def test_the_facilitator_signs_out_with_a_line_not_a_traceback(
    facilitator: str, facilitator_home: Path, page: Page
) -> None:
    """Security review of 5 December 2026, finding 9: /logout answered a 500 with a traceback in the log."""
    log = facilitator_home / "facilitate.log"
    before = log.read_text().count("Traceback")
    page.goto(f"{facilitator}/voila/render/dashboard.ipynb?token={FACILITATOR_TOKEN}")
    expect(page.locator(".se-dashboard")).to_be_visible()
    assert any(c["name"].startswith("username-") for c in page.context.cookies())
    response = page.goto(f"{facilitator}/logout")
    assert response is not None and response.status == 200
    expect(page.get_by_text("Signed out.")).to_be_visible()
    assert not any(c["name"].startswith("username-") for c in page.context.cookies())
    page.goto(f"{facilitator}/voila/render/dashboard.ipynb")
    assert page.locator(".se-dashboard").count() == 0
    assert log.read_text().count("Traceback") == before


def test_the_questionnaires_evidence_on_synthetic_students(facilitator: str, database_url: str, page: Page) -> None:
    """Thirty synthetic students answer from known dimension values, 24 of them twice from the same values (a
    retest figure needs 20): the facilitator's page shows alpha per dimension as a chart with its table, and
    the retakes' figure."""
    content = load_content()
    store = Store.open(content, database_url)
    rng = random.Random(7)
    try:
        for number in range(30):
            truth = truths(content, rng)
            student = store.create_student().student
            attempts = [store.latest_attempt(student)] + ([store.start_attempt(student)] if number < 24 else [])
            for attempt in attempts:
                for item_id, answer in respond(content, truth, rng, noise=0.5).items():
                    store.save_answer(attempt, item_id, answer)
    finally:
        store.close()

    page.goto(f"{facilitator}/voila/render/dashboard.ipynb?token={FACILITATOR_TOKEN}")
    page.get_by_role("button", name="Show the questionnaire's evidence").click()
    evidence = page.locator(".se-instrument")
    expect(evidence.get_by_role("heading", name="The questionnaire's evidence")).to_be_visible()
    expect(
        evidence.get_by_role("img", name=re.compile(r"Internal consistency \(alpha\) of \d+ dimensions"))
    ).to_be_visible()
    expect(evidence.get_by_text(re.compile(r"Retakes: the first specialty of the earlier attempt"))).to_be_visible()
    # Consistent synthetic answers: every dimension's alpha is well above the usual line.
    alphas = evidence.locator("table").first.locator("tbody tr td:nth-child(4)").all_text_contents()
    assert alphas and all(float(alpha) >= 0.7 for alpha in alphas if alpha not in ("", "–", "-")), alphas
    assert_no_serious_axe_violations(page)
    screenshots(page, "instrument")
