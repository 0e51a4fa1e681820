"""The specialty and career-path pages of the app, checked in headless Chromium against a real server.

Every test uses the `guard` fixture: the page must log no console error, raise no uncaught
exception and ask no host but this machine for anything (those requests are blocked and fail the test).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from selfexplore.content import Content
from selfexplore.fields import directory
from tests.browser.conftest import assert_no_serious_axe_violations
from tests.browser.workbook import at, open_app

# `page` already depends on `guard`; naming it here keeps the check in place if `page` ever changes.
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("guard")]


def _open(page: Page, server: str, query: str = "page=specialties") -> None:
    open_app(page, server, query)
    expect(page.get_by_role("heading", name="Specialties and career paths")).to_be_visible()


class TestDirectoryPage:
    def test_the_page_lists_every_specialty_and_shows_the_first(
        self, page: Page, server: str, content: Content
    ) -> None:
        _open(page, server)
        listing = page.get_by_label("Pages")
        entries = directory(content, "specialties")
        expect(listing.locator("option")).to_have_count(len(content.specialties))
        # Grouped by family: a subspecialty sits under its core specialty ("Internal Medicine › Cardiology").
        expect(listing.locator("option")).to_have_text([entry.label for entry in entries])
        expect(page.locator(f"#title-{entries[0].id}")).to_have_text(entries[0].name)
        assert_no_serious_axe_violations(page)

    def test_a_page_opens_from_its_address_and_the_address_follows_the_list(
        self, page: Page, server: str, content: Content
    ) -> None:
        _open(page, server, "page=specialties&id=psychiatry")
        expect(page.locator("#title-psychiatry")).to_have_text(content.field("psychiatry").name)
        page.get_by_role("button", name="Career paths (8)").click()
        listing = page.get_by_label("Pages")
        expect(listing.locator("option")).to_have_count(len(content.paths))
        listing.select_option(label=content.field("public-health").name)
        expect(page.locator("#title-public-health")).to_have_text(content.field("public-health").name)
        expect(page.get_by_text("Degrees and programs that lead here")).to_be_visible()
        at(page, "page=specialties&id=public-health")

    def test_search_narrows_the_list(self, page: Page, server: str, content: Content) -> None:
        _open(page, server)
        page.get_by_label("Search").fill("neurology")
        listing = page.get_by_label("Pages")
        expect(listing.locator("option")).to_have_count(2)
        listing.select_option(label=content.field("child-neurology").name)
        expect(page.locator("#title-child-neurology")).to_be_visible()
