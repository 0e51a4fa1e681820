"""The matches page after a student has answered, in Chromium: the fit said in words beside the number, the
scale explained above the list, reasons in the pages' own words, and no number that reads as a chance."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_serious_axe_violations, screenshots
from tests.browser.workbook import answer_interests, follow, go_to, open_app, start_new_workbook

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("guard")]


class TestMatchesPage:
    def test_the_fit_is_said_in_words_and_the_scale_is_explained(self, page: Page, server: str) -> None:
        start_new_workbook(page, server)
        follow(page, "Continue to the questions", "interests")
        answer_interests(page, 5)
        matches = go_to(page, "matches")
        first = matches.locator(".se-match").first
        expect(first.locator(".se-fit")).to_contain_text("closest of your matches")
        expect(matches.get_by_text("It is not a chance of matching", exact=False).first).to_be_visible()
        expect(matches.get_by_text("What fits").first).to_be_visible()
        assert "of 100" not in matches.inner_text()
        assert_no_serious_axe_violations(page)
        screenshots(page, "matches-answered")

    def test_a_match_tapped_on_a_phone_lands_on_its_page(self, page: Page, server: str) -> None:
        """Walk review of 5 December 2026, 2: at 375 px the tapped specialty's heading was below the screen,
        and the focus went to the directory's heading, so the tap seemed to do nothing."""
        page.set_viewport_size({"width": 375, "height": 812})
        start_new_workbook(page, server)
        follow(page, "Continue to the questions", "interests")
        answer_interests(page, 5)
        matches = go_to(page, "matches")
        link = matches.locator(".se-match h3 a").first
        name = link.inner_text()
        page_id = link.get_attribute("href").rsplit("id=", 1)[1]  # type: ignore[union-attr]
        link.click()
        heading = page.locator(f"#title-{page_id}")
        expect(heading).to_have_text(name)
        expect(heading).to_be_focused()
        expect(heading).to_be_in_viewport()
        screenshots(page, "specialty-from-match")
        # A bookmark of the same page, opened afresh, lands on it too.
        page.goto(f"{server}/?page=specialties&id={page_id}")
        expect(page.locator(f"#title-{page_id}")).to_be_in_viewport()


class TestDarkMode:
    def test_pages_read_in_dark_mode_when_the_browser_asks(self, page: Page, server: str) -> None:
        """Issue 28's visual pass: a browser that prefers a dark scheme gets the dark palette, and every page
        keeps axe-core's contrast rules (text, links, buttons, the chosen answer, the status line)."""
        page.emulate_media(color_scheme="dark")
        start_new_workbook(page, server)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(22, 25, 29)", background
        assert_no_serious_axe_violations(page)
        screenshots(page, "dark-start")
        follow(page, "Continue to the questions", "interests")
        answer_interests(page, 5)
        assert_no_serious_axe_violations(page)
        for page_id in ("matches", "plan", "advising"):
            go_to(page, page_id)
            assert_no_serious_axe_violations(page)
            screenshots(page, f"dark-{page_id}")
        open_app(page, server, "page=specialties&id=cardiology")
        expect(page.locator("#title-cardiology")).to_be_visible()
        assert_no_serious_axe_violations(page)
        screenshots(page, "dark-specialty")
