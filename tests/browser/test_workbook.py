"""The workbook as a student meets it: headless Chromium against a real `selfexplore serve`.

A new student goes from the start page to their matches using the keyboard and the mouse, leaves, comes
back in a fresh browser with their resume code and finds every answer; a kernel killed mid-way loses no
answer that was shown as saved; every page passes axe-core with no serious or critical violation, makes no
request off the machine and logs no console error (the `page` fixture's guard checks the last two).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import psutil
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from selfexplore.content import Content
from tests.browser.conftest import PageGuard, assert_no_serious_axe_violations, screenshots

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("guard")]

SAVE_TIMEOUT = 15_000


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    page.locator(".se-page-frame").wait_for(timeout=60_000)


def start_new_workbook(page: Page, server: str) -> tuple[str, str]:
    """Start a workbook with the mouse; return the resume code and the link to the questions."""
    open_page(page, f"{server}/voila/render/start.ipynb")
    page.get_by_role("button", name="Start a new workbook").click()
    code = page.locator(".se-code").inner_text(timeout=SAVE_TIMEOUT)
    link = page.get_by_role("link", name="Continue to the questions")
    href = link.get_attribute("href")
    assert href is not None and "pass=" in href and code.replace("-", "") not in href
    return code, href


def saved(page: Page, text: str) -> None:
    expect(page.locator(".se-status")).to_contain_text(text, timeout=SAVE_TIMEOUT)


def groups(page: Page) -> Locator:
    return page.get_by_role("radiogroup")


def kernel_process(page: Page) -> psutil.Process:
    """The kernel process serving this page, found by the kernel id the page was given."""
    kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    for process in psutil.process_iter(["cmdline"]):
        if any(f"kernel-{kernel_id}.json" in part for part in process.info["cmdline"] or []):
            return process
    raise AssertionError(f"no kernel process for kernel {kernel_id}")


@pytest.fixture
def fresh_page(browser: Browser) -> Iterator[tuple[Page, PageGuard]]:
    """A second, unrelated browser (no cookies, no storage), guarded like the first."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    guard = PageGuard.install(context)
    yield context.new_page(), guard
    context.close()


class TestWorkbook:
    def test_a_student_completes_the_workbook_then_resumes_it_elsewhere(
        self, page: Page, server: str, content: Content, fresh_page: tuple[Page, PageGuard]
    ) -> None:
        code, questions = start_new_workbook(page, server)
        # A reload of the start page keeps the student signed in (the address took the page pass).
        expect(page).to_have_url(re.compile(r"start\.ipynb\?pass="))
        page.reload()
        expect(page.get_by_role("link", name="Continue to the questions")).to_be_visible(timeout=60_000)

        # Interests, by keyboard: Space picks the first answer of a group, the arrow keys move along it,
        # Tab goes on to the next question.
        page.get_by_role("link", name="Continue to the questions").click()
        expect(groups(page).first).to_be_visible(timeout=60_000)
        count = groups(page).count()
        interests = [item for item in content.questionnaire.items_in("interests") if item.kind == "scale"]
        assert count == len(interests)
        groups(page).first.get_by_role("radio").first.focus()
        chosen = []
        for index in range(count):
            steps = index % 5
            page.keyboard.press("Space")
            for _ in range(steps):
                page.keyboard.press("ArrowRight")
            chosen.append(steps + 1)
            saved(page, f"statement {index + 1} (")
            page.keyboard.press("Tab")
        page.keyboard.press("Space")  # the first body system, reached by Tab after the last statement
        saved(page, "body systems (1 chosen)")
        expect(page.locator(".se-progress")).to_contain_text(f"{count + 1} of")

        # Values, by mouse, then the ranking by keyboard: choose in the list, move up with the button.
        page.get_by_role("link", name="Next: Values").click()
        expect(groups(page).first).to_be_visible(timeout=60_000)
        values = groups(page).count()
        for index in range(values):
            groups(page).nth(index).get_by_role("radio").nth(4 - index % 5).check()
            saved(page, f"statement {index + 1} (")
        order = page.get_by_label("Your order, most important first")
        order.select_option(index=2)
        page.get_by_role("button", name="Move up").focus()
        page.keyboard.press("Enter")
        saved(page, "your order of values")

        # Balance: a reflection with markup in it, and a challenge.
        page.get_by_role("link", name="Next: Balance and challenges").click()
        reflection = page.get_by_label(content.questionnaire.prompts_in("balance")[0].text)
        reflection.fill("<script>alert('x')</script> Evenings for music.")
        saved(page, "your reflection (private)")
        page.get_by_role("checkbox", name=re.compile("^Finding the time")).check()
        saved(page, "your checklist (1 ticked)")
        expect(page.get_by_role("heading", name="Finding the time")).to_be_visible()

        # Matches: ranked, with reasons, a link to each page, and the charts' text alternative.
        page.get_by_role("link", name="Next: My matches").click()
        matches = page.locator(".se-match")
        expect(matches.first).to_be_visible(timeout=60_000)
        assert matches.count() == 10
        expect(page.get_by_role("heading", name="What fits").first).to_be_visible()
        assert page.locator(".se-match a").first.get_attribute("href", timeout=SAVE_TIMEOUT) is not None
        expect(page.get_by_role("img", name=re.compile("Your profile"))).to_be_attached()
        page.get_by_role("button", name="Career paths").click()
        expect(page.get_by_role("heading", name="Career paths that fit you best")).to_be_visible()
        assert questions  # the link kept the student signed in from page to page

        # Somewhere else, another day: resume with the code and find every answer.
        other, other_guard = fresh_page
        open_page(other, f"{server}/voila/render/start.ipynb")
        other.get_by_label("Resume code").fill(code.lower())
        other.get_by_role("button", name="Resume").click()
        other.get_by_role("link", name="Continue to the questions").click()
        expect(groups(other).first).to_be_visible(timeout=60_000)
        for index, answer in enumerate(chosen):
            expect(groups(other).nth(index).get_by_role("radio").nth(answer - 1)).to_be_checked()
        expect(other.get_by_role("checkbox").first).to_be_checked()
        other.get_by_role("link", name="Next: Values").click()
        expect(groups(other).first).to_be_visible(timeout=60_000)
        for index in range(values):
            expect(groups(other).nth(index).get_by_role("radio").nth(4 - index % 5)).to_be_checked()
        other.get_by_role("link", name="Next: Balance and challenges").click()
        expect(other.get_by_label(content.questionnaire.prompts_in("balance")[0].text)).to_have_value(
            "<script>alert('x')</script> Evenings for music."
        )
        other_guard.check()

    def test_a_killed_kernel_loses_no_answer_shown_as_saved(
        self, page: Page, server: str, fresh_page: tuple[Page, PageGuard]
    ) -> None:
        code, questions = start_new_workbook(page, server)
        open_page(page, f"{server}/voila/render/{questions}")
        for index in range(3):
            groups(page).nth(index).get_by_role("radio").nth(3).check()
        saved(page, "statement 3 (Agree)")
        kernel_process(page).kill()
        # An answer given after the kernel died is not shown as saved: the page says so instead.
        groups(page).nth(3).get_by_role("radio").nth(0).check()
        expect(page.locator(".se-status")).to_contain_text("Not saved", timeout=SAVE_TIMEOUT)

        other, other_guard = fresh_page
        open_page(other, f"{server}/voila/render/start.ipynb")
        other.get_by_label("Resume code").fill(code)
        other.get_by_role("button", name="Resume").click()
        other.get_by_role("link", name="Continue to the questions").click()
        expect(groups(other).first).to_be_visible(timeout=60_000)
        for index in range(3):
            expect(groups(other).nth(index).get_by_role("radio").nth(3)).to_be_checked()
        other_guard.check()

    def test_every_page_passes_axe_and_is_captured_at_both_widths(self, page: Page, server: str) -> None:
        open_page(page, f"{server}/voila/render/start.ipynb")
        assert_no_serious_axe_violations(page)
        screenshots(page, "start")
        _, questions = start_new_workbook(page, server)
        pass_query = questions.split("?", 1)[1]
        for name in (
            "interests",
            "values",
            "balance",
            "matches",
            "plan",
            "paths",
            "compare",
            "advising",
            "specialties",
        ):
            open_page(page, f"{server}/voila/render/{name}.ipynb?{pass_query}")
            expect(page.locator(".se-status-line, .se-page").first).to_be_attached(timeout=60_000)
            page.wait_for_timeout(500)
            assert_no_serious_axe_violations(page)
            screenshots(page, name)

    def test_a_page_opened_without_signing_in_points_to_the_start(self, page: Page, server: str) -> None:
        open_page(page, f"{server}/voila/render/interests.ipynb?pass=forged-or-expired-0000000000000000")
        expect(page.get_by_text("expired or was signed out")).to_be_visible()
        expect(page.get_by_role("link", name="Open the start page")).to_be_visible()
        assert groups(page).count() == 0
