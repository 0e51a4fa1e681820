"""The specialty and career-path pages of the app, checked in headless Chromium against a real server.

Every test uses the `guard` fixture: the page must log no console error, raise no uncaught
exception and ask no host but this machine for anything (those requests are blocked and fail the test).
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from selfexplore.content import Content
from selfexplore.fields import directory
from selfexplore.signoff import review_sheet
from tests.browser.conftest import assert_no_serious_axe_violations, screenshots
from tests.browser.workbook import at, open_app

# `page` already depends on `guard`; naming it here keeps the check in place if `page` ever changes.
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("guard")]


def _open(page: Page, server: str, query: str = "page=specialties") -> None:
    open_app(page, server, query)
    expect(page.get_by_role("heading", name="Specialties and career paths")).to_be_visible()


class TestDirectoryPage:
    def test_the_page_lists_every_specialty_as_links_grouped_by_family(
        self, page: Page, server: str, content: Content
    ) -> None:
        _open(page, server)
        listing = page.get_by_role("navigation", name="Pages")
        entries = directory(content, "specialties")
        # Grouped by family: a subspecialty is listed under its core specialty.
        expect(listing.get_by_role("link")).to_have_text([entry.name for entry in entries])
        internal = listing.get_by_role("listitem").filter(
            has=page.get_by_role("link", name="Internal Medicine", exact=True)
        )
        expect(internal.get_by_role("list").get_by_role("link")).to_have_count(
            len(content.families["internal-medicine"])
        )
        expect(page.get_by_text("Choose a page from the list to read it here.")).to_be_visible()
        assert_no_serious_axe_violations(page)
        screenshots(page, "directory")

    def test_a_link_opens_its_page_with_its_heading_in_view_and_the_address_follows(
        self, page: Page, server: str, content: Content
    ) -> None:
        _open(page, server, "page=specialties&id=psychiatry")
        expect(page.locator("#title-psychiatry")).to_have_text(content.field("psychiatry").name)
        page.get_by_role("button", name="Career paths (8)").click()
        listing = page.get_by_role("navigation", name="Pages")
        listing.get_by_text("All 8 career paths").click()  # the list is folded while a page is open
        expect(listing.get_by_role("link")).to_have_count(len(content.paths))
        listing.get_by_role("link", name=content.field("public-health").name).click()
        heading = page.locator("#title-public-health")
        expect(heading).to_have_text(content.field("public-health").name)
        expect(heading).to_be_focused()
        expect(heading).to_be_in_viewport()
        expect(page.get_by_text("Degrees and programs that lead here")).to_be_visible()
        at(page, "page=specialties&id=public-health")
        # Folded away under its summary now that a page is open, the list marks the page open.
        expect(listing.locator("details")).not_to_have_attribute("open", "")
        expect(listing.locator('a[aria-current="page"]')).to_have_text(content.field("public-health").name)
        page.go_back()
        expect(page.locator("#title-psychiatry")).to_be_visible()

    def test_search_narrows_the_list(self, page: Page, server: str, content: Content) -> None:
        _open(page, server)
        page.get_by_label("Search").fill("neurology")
        page.get_by_label("Search").press("Enter")
        listing = page.get_by_role("navigation", name="Pages")
        expect(listing.get_by_role("link")).to_have_count(2)
        expect(listing).to_contain_text("2 of 52 specialties")
        expect(page.get_by_role("status").filter(has_text="match")).to_have_text("2 pages match")
        listing.get_by_role("link", name=content.field("child-neurology").name).click()
        expect(page.locator("#title-child-neurology")).to_be_visible()


class TestFamilies:
    def test_a_subspecialty_says_how_to_get_there_and_its_core_page_lists_it(
        self, page: Page, server: str, content: Content
    ) -> None:
        open_app(page, server, "page=specialties&id=cardiology")
        cardiology = page.locator("#title-cardiology")
        expect(cardiology).to_have_text(content.fields_by_id["cardiology"].name)
        route = page.get_by_role("region", name="How you get there from here")
        expect(route).to_contain_text("Internal Medicine residency, then 3 more years of fellowship")
        expect(page.get_by_text("Not yet reviewed by a physician of this field at your school.")).to_be_visible()
        assert_no_serious_axe_violations(page)
        screenshots(page, "specialty-cardiology")

        route.get_by_role("link", name="Internal Medicine", exact=True).click()
        expect(page.locator("#title-internal-medicine")).to_have_text("Internal Medicine")
        within = page.get_by_role("region", name="Fields within Internal Medicine")
        expect(within.get_by_role("listitem")).to_have_count(len(content.families["internal-medicine"]))
        expect(within.get_by_role("link", name=content.fields_by_id["cardiology"].name)).to_be_visible()
        expect(page.get_by_role("heading", name="Combined residencies")).to_be_visible()
        screenshots(page, "specialty-internal-medicine")


def test_the_review_sheet_reads_on_a_phone(page: Page, content: Content) -> None:
    """The printable sheet a physician fills in: its values table becomes one card per dimension on a phone,
    and no source address widens the page."""
    page.set_content(review_sheet(content, content.fields_by_id["cardiology"], date(2026, 12, 5)))
    expect(page.get_by_role("heading", name="Review sheet: Cardiology (Cardiovascular Disease)")).to_be_visible()
    expect(page.get_by_role("row")).to_have_count(1 + len(content.matched_dimensions))
    assert_no_serious_axe_violations(page)
    screenshots(page, "review-sheet")
