"""The workbook's pages, declared once, and the address of each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from selfexplore.content import Content
from selfexplore.workbook import (
    APP_NOTEBOOK,
    APP_TITLE,
    COMPARED,
    EXTRAS,
    PAGES,
    STEPS,
    Route,
    field_route,
    neighbours,
    page_spec,
    parse_route,
    progress,
)

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


class TestRegistry:
    def test_every_page_is_declared_once(self) -> None:
        ids = [spec.id for spec in PAGES]
        assert len(ids) == len(set(ids))
        assert [s.id for s in STEPS] == ["start", "interests", "values", "balance", "matches", "plan"]
        assert [s.id for s in EXTRAS] == ["specialties", "paths", "compare", "advising"]

    def test_each_page_names_a_view_class_in_the_ui_package(self) -> None:
        for spec in PAGES:
            assert spec.module.startswith("selfexplore.ui.") and spec.class_name.endswith("View")

    def test_only_the_steps_have_neighbours(self) -> None:
        assert neighbours("start") == (None, STEPS[1])
        assert neighbours("plan") == (STEPS[4], None)
        assert neighbours("compare") == (None, None)

    def test_an_unknown_page_is_a_key_error_naming_it(self) -> None:
        with pytest.raises(KeyError, match="nowhere"):
            page_spec("nowhere")

    def test_progress_is_only_for_steps(self, content: Content) -> None:
        with pytest.raises(KeyError, match="not a step"):
            progress(content, {}, "paths")


# Each role's notebook, in a folder of its own, and its one call.
ROLE_NOTEBOOKS = {
    "student": (APP_NOTEBOOK, "from selfexplore.ui import workbook_app\n\nworkbook_app();"),
    "facilitator": ("dashboard.ipynb", "from selfexplore.ui.dashboard import dashboard_page\n\ndashboard_page();"),
    "adviser": ("advisees.ipynb", "from selfexplore.ui.advisees import advisees_page\n\nadvisees_page();"),
}


class TestNotebooks:
    def test_each_role_has_one_notebook_in_a_folder_of_its_own_and_it_holds_no_logic(self) -> None:
        assert sorted(p.relative_to(NOTEBOOKS).as_posix() for p in NOTEBOOKS.rglob("*.ipynb")) == sorted(
            f"{role}/{name}" for role, (name, _) in ROLE_NOTEBOOKS.items()
        )
        for role, (name, call) in ROLE_NOTEBOOKS.items():
            notebook = json.loads((NOTEBOOKS / role / name).read_text(encoding="utf-8"))
            (cell,) = notebook["cells"]
            assert "".join(cell["source"]) == call
        app = json.loads((NOTEBOOKS / "student" / APP_NOTEBOOK).read_text(encoding="utf-8"))
        assert app["metadata"]["title"] == APP_TITLE

    def test_every_notebook_is_stored_without_outputs_or_widget_state(self) -> None:
        for path in NOTEBOOKS.rglob("*.ipynb"):
            notebook = json.loads(path.read_text(encoding="utf-8"))
            assert all(not cell.get("outputs") for cell in notebook["cells"]), path
            assert "widgets" not in notebook["metadata"], path


class TestRoutes:
    def test_each_page_has_an_address_that_leads_back_to_it(self, content: Content) -> None:
        for spec in PAGES:
            route = Route(spec.id)
            assert parse_route(route.query(), content) == route

    def test_the_first_page_is_the_bare_address(self, content: Content) -> None:
        assert Route().query() == ""
        assert Route().href() == "?"
        assert parse_route("", content) == Route("start")

    def test_a_specialty_page_is_addressed_by_its_id(self, content: Content) -> None:
        route = field_route("psychiatry")
        assert route.query() == "page=specialties&id=psychiatry"
        assert parse_route("?page=specialties&id=psychiatry", content) == route

    def test_an_unknown_page_or_id_falls_back_calmly(self, content: Content) -> None:
        assert parse_route("page=../../etc/passwd", content) == Route("start")
        assert parse_route("page=specialties&id=<script>", content) == Route("specialties")

    def test_compared_pages_are_known_distinct_and_at_most_three(self, content: Content) -> None:
        route = parse_route("page=compare&ids=pediatrics,nope,pediatrics,psychiatry,urology,pathology", content)
        assert route.targets == ("pediatrics", "psychiatry", "urology")
        assert len(route.targets) == COMPARED
        assert parse_route(route.query(), content) == route

    def test_an_address_never_carries_a_pass(self, content: Content) -> None:
        route = parse_route("page=values&pass=abcdefghijklmnopqrstuvwxyz012345", content)
        assert route == Route("values")
        assert "pass" not in route.query()

    @given(query=st.text(max_size=200))
    def test_any_query_gives_a_route_to_a_page_that_exists(self, content: Content, query: str) -> None:
        route = parse_route(query, content)
        assert route.page in {spec.id for spec in PAGES}
        assert parse_route(route.query(), content) == route
