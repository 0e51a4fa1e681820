"""The directory view without a browser: follow its links as a student would, and read what is shown."""

from __future__ import annotations

import re

import pytest

from selfexplore.content import Content
from selfexplore.fields import directory
from selfexplore.store import Store
from selfexplore.ui.directory import DirectoryView
from tests.ui.widgets import Opened


@pytest.fixture
def opened(content: Content, store: Store) -> Opened:
    return Opened(content, store, {"QUERY_STRING": "page=specialties"})


@pytest.fixture
def view(opened: Opened) -> DirectoryView:
    shown = opened.view
    assert isinstance(shown, DirectoryView)
    return shown


def _links(view: DirectoryView) -> list[tuple[str, str]]:
    """(page id, link text) of each link in the list, in order."""
    return re.findall(r'<a href="\?page=specialties&amp;id=([^"]+)"[^>]*>([^<]*)</a>', view.listing.value)


class TestDirectoryView:
    def test_opens_on_the_list_of_every_specialty_as_links(self, view: DirectoryView, content: Content) -> None:
        """Walk review: a list box of 12 lines whose "Family › Field" options ran past its edge on a phone."""
        entries = directory(content, "specialties")
        assert _links(view) == [(entry.id, entry.name.replace("&", "&amp;")) for entry in entries]
        assert '<details class="se-directory" open><summary>All 52 specialties</summary>' in view.listing.value
        assert "<select" not in view.listing.value
        # A subspecialty sits in a list under its core specialty.
        internal = view.listing.value.split(">Internal Medicine</a><ul>")[1].split("</ul>")[0]
        assert ">Cardiology (Cardiovascular Disease)</a>" in internal and "within" not in internal
        assert view.status.value == '<p role="status" class="se-sr-only"></p>'  # the summary says it on screen
        assert "Choose a page from the list" in view.page.value

    def test_a_link_opens_its_page_and_folds_the_list_away(self, opened: Opened, content: Content) -> None:
        view = opened.go("page=specialties&id=psychiatry")
        assert isinstance(view, DirectoryView)
        assert '<h2 id="title-psychiatry">Psychiatry</h2>' in view.page.value
        assert '<details class="se-directory"><summary>' in view.listing.value
        assert 'id=psychiatry" aria-current="page">Psychiatry</a>' in view.listing.value
        assert view.listing.value.count("aria-current") == 1

    def test_switching_to_paths_lists_the_paths(self, view: DirectoryView, content: Content) -> None:
        view.section.value = "paths"
        assert {page_id for page_id, _ in _links(view)} == {page.id for page in content.paths}
        assert "All 8 career paths" in view.listing.value

    def test_search_narrows_the_list_and_says_how_many(self, opened: Opened, content: Content) -> None:
        view = opened.go("page=specialties&id=psychiatry")
        assert isinstance(view, DirectoryView)
        view.search.value = "surgery"
        ids = [page_id for page_id, _ in _links(view)]
        assert 0 < len(ids) < len(content.specialties)
        for page_id in ids:
            page = content.field(page_id)
            assert "surgery" in f"{page.name} {page.summary}".casefold()
        assert "general-surgery" in ids
        assert ">General Surgery</a><ul>" in view.listing.value  # the core found, its fields under it
        assert f">{len(ids)} pages match</p>" in view.status.value
        assert f'<details class="se-directory" open><summary>{len(ids)} of 52 specialties' in view.listing.value
        assert "title-psychiatry" in view.page.value  # the page read stays while the list is searched

    def test_a_field_whose_core_the_search_leaves_out_is_named_with_its_family(self, view: DirectoryView) -> None:
        view.search.value = "rectal"
        assert [page_id for page_id, _ in _links(view)] == ["colon-rectal-surgery"]
        assert '>Colon and Rectal Surgery</a><span class="se-muted"> (within General Surgery)</span>' in (
            view.listing.value
        )
        assert ">1 page matches</p>" in view.status.value

    def test_a_search_with_no_match_says_so(self, view: DirectoryView) -> None:
        view.search.value = "zzzz"
        assert _links(view) == []
        assert "No page matches that search" in view.listing.value

    def test_an_unknown_page_in_the_address_opens_the_list(self, opened: Opened) -> None:
        view = opened.go("page=specialties&id=..%2F..%2Fetc%2Fpasswd")
        assert isinstance(view, DirectoryView)
        assert view.current is None and "Choose a page from the list" in view.page.value

    def test_select_opens_a_page_in_the_other_section(self, view: DirectoryView) -> None:
        view.search.value = "zzzz"
        view.select("health-policy")
        assert view.section.value == "paths"
        assert view.search.value == ""
        assert "title-health-policy" in view.page.value

    def test_every_control_has_a_visible_name(self, view: DirectoryView) -> None:
        for control in (view.section, view.search):
            assert control.description
        assert '<nav aria-label="Pages">' in view.listing.value
