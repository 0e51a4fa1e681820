"""The workbook as a student meets it: headless Chromium against a real `selfexplore serve`.

A new student goes from the start page to their matches using the keyboard and the mouse, all in one page
load and one kernel; Back, Forward, a reload and a bookmark land where they should; a forwarded address
signs nobody in; the student comes back in a fresh browser with their resume code and finds every answer; a
kernel killed mid-way loses no answer that was shown as saved, and says so where the student is looking;
every page passes axe-core with no serious or critical violation and holds its layout at 1280 and 375 px.
Every page is guarded (see conftest): no console error, no request off the machine.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from selfexplore.content import Content
from selfexplore.serving.request import PASS_COOKIE
from tests.browser.conftest import (
    ARTIFACTS,
    PageGuard,
    assert_no_serious_axe_violations,
    layout_problems,
    new_context,
    screenshots,
)
from tests.browser.workbook import (
    at,
    eventually,
    follow,
    go_to,
    groups,
    kernel_id,
    kernel_process,
    open_app,
    resume,
    saved,
    shown,
    start_new_workbook,
    status,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("guard")]


@pytest.fixture
def fresh_page(browser: Browser) -> Iterator[tuple[Page, PageGuard]]:
    """A second, unrelated browser (no cookies, no storage), guarded like the first."""
    context = new_context(browser)
    guard = PageGuard.install(context)
    yield context.new_page(), guard
    context.close()


class TestWorkbook:
    def test_a_student_completes_the_workbook_in_one_kernel_then_resumes_it_elsewhere(
        self, page: Page, server: str, content: Content, fresh_page: tuple[Page, PageGuard]
    ) -> None:
        code = start_new_workbook(page, server)
        # Signed in through a cookie of this browser, never through the address.
        at(page, "")
        assert code.replace("-", "") not in page.url
        # The page posts the kernel's seal to the server once the code is shown: the cookie follows shortly.
        assert eventually(lambda: any(c["name"] == PASS_COOKIE for c in page.context.cookies()))
        (kept,) = [c for c in page.context.cookies() if c["name"] == PASS_COOKIE]
        # Set by the server: no script on the page can read it, and no other site's page or link sends it.
        assert kept["httpOnly"] and kept["sameSite"] == "Strict" and kept["expires"] > time.time() + 3600
        assert PASS_COOKIE not in page.evaluate("document.cookie")
        page.reload()
        expect(page.get_by_role("link", name="Continue to the questions")).to_be_visible()
        kernel = kernel_id(page)
        loads: list[str] = []
        page.on("load", lambda loaded: loads.append(loaded.url))

        # Interests, by keyboard: Space picks the first answer of a group, the arrow keys move along it,
        # Tab goes on to the next question.
        interests = follow(page, "Continue to the questions", "interests")
        at(page, "page=interests")
        count = groups(page).count()
        statements = [item for item in content.questionnaire.items_in("interests") if item.kind == "scale"]
        assert count == len(statements)
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
        expect(interests).to_be_visible()

        # Values, by mouse, then the ranking by keyboard: choose in the list, move up with the button.
        values = follow(page, "Next: Values", "values")
        value_count = values.get_by_role("radiogroup").count()
        for index in range(value_count):
            values.get_by_role("radiogroup").nth(index).get_by_role("radio").nth(4 - index % 5).check()
            saved(page, f"statement {index + 1} (")
        order = page.get_by_label("Your order, most important first")
        order.select_option(index=2)
        page.get_by_role("button", name="Move up").focus()
        page.keyboard.press("Enter")
        expect(page.locator(".se-status")).to_contain_text("nothing is kept until then")
        page.get_by_role("button", name="Save this order").click()
        saved(page, "your order of values")

        # Balance: a reflection with markup in it, and a challenge.
        follow(page, "Next: Balance and challenges", "balance")
        reflection = page.get_by_label(content.questionnaire.prompts_in("balance")[0].text)
        reflection.fill("<script>alert('x')</script> Evenings for music.")
        saved(page, "your reflection (private)")
        page.get_by_role("checkbox", name=re.compile("^Finding the time")).check()
        saved(page, "your checklist (1 ticked)")
        expect(page.get_by_role("heading", name="Finding the time")).to_be_visible()

        # Matches: ranked, with reasons, a link to each page, and the charts' text alternative.
        matches = follow(page, "Next: My matches", "matches")
        expect(matches.locator(".se-match").first).to_be_visible()
        assert matches.locator(".se-match").count() == 10
        expect(page.get_by_role("heading", name="What draws you").first).to_be_visible()
        expect(page.get_by_role("img", name=re.compile("Your profile"))).to_be_attached()
        page.get_by_role("button", name="Career paths").click()
        career_paths = re.compile("^Career paths (that fit you best|closest to your answers)$")
        expect(page.get_by_role("heading", name=career_paths)).to_be_visible()

        # Back and Forward move between the pages the student saw, inside the same app.
        page.go_back()
        shown(page, "balance")
        expect(reflection).to_have_value("<script>alert('x')</script> Evenings for music.")
        at(page, "page=balance")
        page.go_forward()
        shown(page, "matches")

        # The whole pass was one page load and one kernel.
        assert loads == [] and kernel_id(page) == kernel

        # A reload, and a bookmarked step, land on that step, still signed in.
        page.reload()
        shown(page, "matches")
        page.goto(f"{server}/?page=values")
        expect(shown(page, "values").get_by_role("radiogroup").first.get_by_role("radio").nth(4)).to_be_checked()

        # The same address in another browser (a forwarded link) signs nobody in.
        other, other_guard = fresh_page
        open_app(other, server, "page=values")
        expect(other.get_by_role("link", name="Open the start page")).to_be_visible()
        assert groups(other).count() == 0

        # Somewhere else, another day: resume with the code and find every answer.
        resume(other, server, code.lower())
        follow(other, "Continue to the questions", "interests")
        for index, answer in enumerate(chosen):
            expect(groups(other).nth(index).get_by_role("radio").nth(answer - 1)).to_be_checked()
        expect(other.get_by_role("checkbox").first).to_be_checked()
        follow(other, "Next: Values", "values")
        for index in range(value_count):
            expect(groups(other).nth(index).get_by_role("radio").nth(4 - index % 5)).to_be_checked()
        follow(other, "Next: Balance and challenges", "balance")
        expect(other.get_by_label(content.questionnaire.prompts_in("balance")[0].text)).to_have_value(
            "<script>alert('x')</script> Evenings for music."
        )
        other_guard.check()

    def test_a_killed_kernel_loses_no_answer_shown_as_saved_and_says_so_in_view(
        self, page: Page, server: str, fresh_page: tuple[Page, PageGuard]
    ) -> None:
        code = start_new_workbook(page, server)
        view = follow(page, "Continue to the questions", "interests")
        for index in range(3):
            view.get_by_role("radiogroup").nth(index).get_by_role("radio").nth(3).check()
        saved(page, "statement 3 (Agree)")
        kernel_process(page).kill()
        # Far down the page, an answer given after the kernel died is not shown as saved: the status line,
        # at the bottom of the window, says so where the student is looking.
        later = view.get_by_role("radiogroup").nth(30)
        later.scroll_into_view_if_needed()
        later.get_by_role("radio").nth(0).check()
        expect(status(page)).to_contain_text("Not saved")
        expect(status(page)).to_be_in_viewport()

        other, other_guard = fresh_page
        resume(other, server, code)
        follow(other, "Continue to the questions", "interests")
        for index in range(3):
            expect(groups(other).nth(index).get_by_role("radio").nth(3)).to_be_checked()
        expect(groups(other).nth(30).get_by_role("radio").nth(0)).not_to_be_checked()
        other_guard.check()

    def test_a_stale_second_tab_cannot_overwrite_newer_text(self, page: Page, server: str, content: Content) -> None:
        """Security review of 5 December 2026, finding 4, as reproduced there: tab B, opened on the first
        version, typed one character over a newer 620-character reflection, and both tabs said "Saved"."""
        start_new_workbook(page, server)
        prompt = content.questionnaire.prompts_in("balance")[0].text
        open_app(page, server, "page=balance")
        first = page.get_by_label(prompt)
        first.fill("v1: my first thoughts")
        saved(page, "your reflection (private)")
        second_tab = page.context.new_page()
        open_app(second_tab, server, "page=balance")
        second = second_tab.get_by_label(prompt)
        expect(second).to_have_value("v1: my first thoughts")

        newer = "v2: " + "what I want my weeks to hold, thought through. " * 13
        first.fill(newer)
        saved(page, "your reflection (private)")
        # Two keys pressed quickly, in one turn of the page's script: the second reaches the kernel after the
        # first was refused, and is from the stale copy too (the widget sends one change at a time and
        # keeps the next until the kernel is idle).
        second.evaluate(
            """(box) => {
                for (const typed of ["v1: my first thoughts!", "v1: my first thoughts!!"]) {
                    box.value = typed;
                    box.dispatchEvent(new Event("input", {bubbles: true}));
                }
            }"""
        )
        expect(status(second_tab)).to_contain_text("Not saved. Another tab or window changed this")
        expect(second).to_have_value(newer)
        expect(status(second_tab)).to_be_in_viewport()
        screenshots(second_tab, "two-tabs-refused")
        page.reload()
        expect(page.get_by_label(prompt)).to_have_value(newer)

        second.fill(newer + "And sleep.")  # typed on from the newer text: saved
        saved(second_tab, "your reflection (private)")
        second_tab.reload()
        expect(second_tab.get_by_label(prompt)).to_have_value(newer + "And sleep.")

    @pytest.mark.parametrize(("width", "height"), [(1280, 800), (375, 812)])
    def test_the_first_screen_says_what_it_gives_and_how_to_begin(
        self, page: Page, server: str, width: int, height: int
    ) -> None:
        """Walk review of 5 December 2026, 3: "Start a new workbook" was 943 px down at 1280 x 800 and two
        screens down on a phone."""
        page.set_viewport_size({"width": width, "height": height})
        open_app(page, server)
        expect(page.get_by_text("About fifteen minutes of questions")).to_be_in_viewport()
        expect(page.get_by_role("button", name="Start a new workbook")).to_be_in_viewport(ratio=1)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"first-screen-{width}.png")  # the first screen only, as a student sees it
        page.get_by_role("button", name="Start a new workbook").click()
        code = page.locator(".se-code")
        expect(code).to_be_in_viewport(ratio=1)  # the resume code, to write down at once, on one line
        assert code.evaluate("(el) => el.getClientRects().length === 1 && el.scrollWidth <= el.clientWidth")
        assert code.bounding_box()["height"] < 60  # type: ignore[index]
        page.screenshot(path=ARTIFACTS / f"first-screen-started-{width}.png")

    def test_a_statement_takes_the_space_it_needs_on_a_phone(self, page: Page, server: str) -> None:
        """Walk review of 5 December 2026, 4: 85 px of blank space under each of 50 statements at 375 px."""
        page.set_viewport_size({"width": 375, "height": 812})
        start_new_workbook(page, server)
        follow(page, "Continue to the questions", "interests")
        spare = page.evaluate(
            """() => [...document.querySelectorAll('.se-view-interests .se-question')].map((question) => {
                const label = question.querySelector('.widget-label').getBoundingClientRect().height;
                const answers = question.querySelector('.widget-radio-box').getBoundingClientRect().height;
                return question.getBoundingClientRect().height - label - answers;
            })"""
        )
        assert len(spare) > 40 and max(spare) < 45, max(spare)  # padding and the label's margin, no more

    @pytest.mark.parametrize(("width", "height"), [(1280, 800), (375, 812)])
    def test_an_answer_chosen_by_keyboard_is_never_under_the_status_bar(
        self, page: Page, server: str, width: int, height: int
    ) -> None:
        """Walk review of 5 December 2026: at 1280 x 800, 3 of 12 answers chosen with Space sat under the bar."""
        page.set_viewport_size({"width": width, "height": height})
        start_new_workbook(page, server)
        follow(page, "Continue to the questions", "interests")
        groups(page).first.get_by_role("radio").first.focus()
        hidden = []
        for index in range(16):
            page.keyboard.press("Space")
            saved(page, f"statement {index + 1} (")
            place = page.evaluate(
                """() => {
                    const focused = document.activeElement.getBoundingClientRect();
                    const bar = document.querySelector(".se-status-bar").getBoundingClientRect();
                    return [focused.bottom, bar.top];
                }"""
            )
            if place[0] > place[1]:
                hidden.append((index + 1, place))
            page.keyboard.press("Tab")
        assert hidden == []

    def test_every_page_passes_axe_holds_its_layout_and_is_captured_at_both_widths(
        self, page: Page, server: str
    ) -> None:
        open_app(page, server)
        assert_no_serious_axe_violations(page)
        screenshots(page, "start")
        start_new_workbook(page, server)
        screenshots(page, "start-signed-in")
        for page_id in ("interests", "values", "balance", "matches", "plan", "paths", "compare", "advising"):
            go_to(page, page_id)
            assert_no_serious_axe_violations(page)
            screenshots(page, page_id)
        advising = shown(page, "advising")
        # Who can help: each person or office folded under its name, opened with a tap.
        advising.get_by_text("Society advisor", exact=True).click()
        expect(advising.get_by_text("start with the advisor named by your Society")).to_be_visible()
        screenshots(page, "advising-opened")
        page.goto(f"{server}/?page=specialties&id=internal-medicine-pediatrics")
        expect(page.locator("#title-internal-medicine-pediatrics")).to_be_visible()
        assert_no_serious_axe_violations(page)
        screenshots(page, "specialties")

    def test_a_cookie_that_no_longer_signs_in_says_so_and_is_forgotten(self, page: Page, server: str) -> None:
        page.context.add_cookies([{"name": PASS_COOKIE, "value": "forged-or-expired-00000000000000", "url": server}])
        open_app(page, server, "page=interests")
        expect(page.get_by_text("expired or was signed out")).to_be_visible()
        expect(page.get_by_role("link", name="Open the start page")).to_be_visible()
        assert groups(page).count() == 0
        assert eventually(lambda: PASS_COOKIE not in {c["name"] for c in page.context.cookies()})


class TestLayoutCheck:
    def test_the_layout_check_finds_clipped_text_and_controls_that_overlap(self, page: Page) -> None:
        """The check screenshots() runs must be able to fail: here on the faults the walk found."""
        page.set_content(
            '<div class="se-app" style="width: 300px">'
            '<label class="widget-label" style="display: block; height: 28px; overflow: hidden; width: 200px">'
            "Picture an ordinary week, ten years from now, that you would be glad to live. What fills it?</label>"
            '<div style="position: relative; height: 40px">'
            '<label style="position: absolute; top: 0; width: 300px">Share this with my Society advisor</label>'
            '<label style="position: absolute; top: 10px; width: 300px">Include this in my report</label></div>'
            '<p style="white-space: nowrap; overflow: hidden; text-overflow: ellipsis; width: 80px">'
            "Internal Medicine-Pediatrics (Med-Peds)</p></div>"
        )
        problems = layout_problems(page)
        assert any(p.startswith("clipped text: <label") for p in problems), problems
        assert any(p.startswith("overlap: <label") for p in problems), problems
        assert any("ellipsis" in p or "clipped text: <p" in p for p in problems), problems

    def test_a_page_that_holds_its_layout_passes(self, page: Page) -> None:
        page.set_content('<div class="se-app"><label>Short</label><p>Text that wraps as it needs to.</p></div>')
        assert layout_problems(page) == []


class TestOpening:
    def test_a_page_whose_kernel_never_answers_says_so_and_retries_by_itself(self, page: Page, server: str) -> None:
        """The blank page of a burst, made on purpose: the kernel's websocket is refused, so the app never
        appears. The page says it is opening, then that it takes longer than usual, loads itself again a
        few times, and finally asks the student to reload in a minute. It is never blank."""
        page.context.add_init_script("window.__seOpening = {slow: 1500, retry: 4000}")
        page.context.route_web_socket(re.compile(r"/api/kernels/"), lambda socket: socket.close())
        loads: list[str] = []
        page.on("load", lambda loaded: loads.append(loaded.url))
        page.goto(f"{server}/")
        notice = page.locator("#se-opening")
        expect(notice).to_be_visible()
        expect(notice).to_have_attribute("data-state", "slow")
        expect(notice).to_contain_text("taking longer than usual")
        expect(notice).to_have_attribute("data-state", "failed")
        expect(notice).to_contain_text("reload this page")
        assert len(loads) == 4  # the first load and three retries
        assert page.locator(".se-app").count() == 0
