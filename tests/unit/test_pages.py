"""Specialty and career-path pages render every fact with its sources, and escape every text."""

from __future__ import annotations

import pytest

from selfexplore.content import Content
from selfexplore.fields import directory, render_field


class TestDirectory:
    def test_lists_every_specialty_sorted_by_name_within_its_family(self, content: Content) -> None:
        entries = directory(content, "specialties")
        assert len(entries) == len(content.specialties)
        assert [e.label.casefold() for e in entries] == sorted(e.label.casefold() for e in entries)

    def test_lists_the_career_paths_separately(self, content: Content) -> None:
        assert {e.id for e in directory(content, "paths")} == {page.id for page in content.paths}

    def test_search_matches_every_word_case_insensitively(self, content: Content) -> None:
        assert [e.id for e in directory(content, "specialties", "  NEUROLOGY child ")] == ["child-neurology"]

    def test_a_search_with_no_match_is_empty(self, content: Content) -> None:
        assert directory(content, "paths", "zzzz") == []


class TestRenderPage:
    def test_every_page_renders_its_facts_and_sources(self, content: Content) -> None:
        for page in (*content.specialties, *content.paths):
            html = render_field(content, page)
            assert html.count('<li id="src-') == len(page.sources), page.id
            assert "What the work looks like day to day" in html
            for source in page.sources:
                assert f'href="{source.url}"' in html.replace("&amp;", "&"), (page.id, source.id)

    def test_paths_show_their_degrees(self, content: Content) -> None:
        page = content.field("public-health")
        html = render_field(content, page)
        assert "Degrees and programs that lead here" in html
        assert all(degree.name in html for degree in page.degrees)

    def test_text_is_escaped(self, content: Content) -> None:
        page = content.field("pathology")
        hostile = page.model_copy(update={"summary": '<script>alert("x")</script> & <b>bold</b>'})
        html = render_field(content, hostile)
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html

    @pytest.mark.parametrize("page_id", ["anesthesiology", "physician-scientist"])
    def test_the_profile_table_has_every_dimension(self, content: Content, page_id: str) -> None:
        html = render_field(content, content.field(page_id))
        assert html.count('<th scope="row">') == len(content.matched_dimensions)
