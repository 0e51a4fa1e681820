"""The directory view without a browser: set values as a student would, and read what is shown."""

from __future__ import annotations

import pytest
from traitlets import TraitError

from selfexplore.content import Content
from selfexplore.store import Store
from selfexplore.ui.directory import DirectoryView
from tests.ui.widgets import Opened


@pytest.fixture
def view(content: Content, store: Store) -> DirectoryView:
    shown = Opened(content, store, {"QUERY_STRING": "page=specialties"}).view
    assert isinstance(shown, DirectoryView)
    return shown


class TestDirectoryView:
    def test_opens_on_the_first_specialty(self, view: DirectoryView, content: Content) -> None:
        assert len(view.listing.options) == len(content.specialties)
        first = view.listing.options[0][1]
        assert view.listing.value == first
        assert content.field(first).name in view.page.value

    def test_switching_to_paths_lists_the_paths(self, view: DirectoryView, content: Content) -> None:
        view.section.value = "paths"
        assert {value for _, value in view.listing.options} == {page.id for page in content.paths}
        assert "Degrees and programs that lead here" in view.page.value

    def test_choosing_a_page_shows_it(self, view: DirectoryView) -> None:
        view.listing.value = "psychiatry"
        assert '<h2 id="title-psychiatry">Psychiatry</h2>' in view.page.value

    def test_search_narrows_the_list_and_says_how_many(self, view: DirectoryView, content: Content) -> None:
        view.search.value = "surgery"
        ids = [page_id for _, page_id in view.listing.options]
        assert 0 < len(ids) < len(content.specialties)
        for page_id in ids:
            page = content.field(page_id)
            assert "surgery" in f"{page.name} {page.summary}".casefold()
        assert "general-surgery" in ids
        assert f"{len(ids)} page(s)" in view.status.value

    def test_a_search_with_no_match_says_so(self, view: DirectoryView) -> None:
        view.search.value = "zzzz"
        assert view.listing.options == ()
        assert "No page matches" in view.page.value

    def test_a_forged_value_is_refused(self, view: DirectoryView) -> None:
        shown = view.page.value
        with pytest.raises(TraitError):
            view.listing.value = "../../etc/passwd"
        assert view.page.value == shown

    def test_select_opens_a_page_in_the_other_section(self, view: DirectoryView) -> None:
        view.search.value = "zzzz"
        view.select("health-policy")
        assert view.section.value == "paths"
        assert view.search.value == ""
        assert "title-health-policy" in view.page.value

    def test_every_control_has_a_visible_name(self, view: DirectoryView) -> None:
        for control in (view.section, view.search, view.listing):
            assert control.description
