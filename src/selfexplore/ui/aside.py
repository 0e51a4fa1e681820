"""Pages off the main path: career paths, a side-by-side comparison, and who can help."""

from __future__ import annotations

from html import escape

import ipywidgets as widgets

from selfexplore.content import Field
from selfexplore.fields import render_comparison, render_paths
from selfexplore.support import advising_map, render_help
from selfexplore.ui.chrome import link, page_heading
from selfexplore.ui.controls import ReflectionControl
from selfexplore.ui.page import PageContext, PageView
from selfexplore.workbook import COMPARED, PageSpec, Route, field_route

NONE = "none"


class PathsView(PageView):
    """The non-clinical and additional career paths, the degrees that lead there, and the panel's questions."""

    def __init__(self, context: PageContext, spec: PageSpec) -> None:
        super().__init__(context, spec)
        self.paths_html = widgets.HTML()
        self.reflections: dict[str, ReflectionControl] = {}
        body: list[widgets.Widget] = [
            page_heading(
                "Career paths",
                "Physicians also lead organisations, teach, do research, advise, serve in the military, shape "
                "policy and build new things, often beside clinical work. Here are the paths, the degrees that "
                "lead there, and how to explore each one at school.",
            ),
            self.paths_html,
        ]
        prompts = [p for p in self.content.reflection_prompts if p.section == "paths"]
        if prompts:
            body.append(
                widgets.HTML(
                    "<h2>Questions to think through</h2><p>The panellists of the Medical Career Paths panel each "
                    "answer these three questions. Answer them for yourself, for a path you are curious about. "
                    "What you write is private unless you tick a box.</p>"
                )
            )
            if self.visit.known:
                for prompt in prompts:
                    control = ReflectionControl(self.visit, prompt, self.chrome)
                    self.reflections[prompt.id] = control
                    body.append(control.widget)
            else:
                listed = "".join(f"<li>{escape(p.text)}</li>" for p in prompts)
                body.append(widgets.HTML(f"<ol>{listed}</ol><p>{link(Route(), 'Sign in')} to write your answers.</p>"))
        self.show(*body)

    def refresh(self) -> None:
        self.paths_html.value = render_paths(
            self.content, self.visit.paths_by_fit(), lambda page_id: field_route(page_id).href()
        )


class CompareView(PageView):
    """Two or three specialties or paths side by side, beside the student's own profile when signed in."""

    def __init__(self, context: PageContext, spec: PageSpec) -> None:
        super().__init__(context, spec)
        pages = sorted((*self.content.specialties, *self.content.paths), key=lambda p: (p.kind != "specialty", p.name))
        options = [(f"{p.name} ({'specialty' if p.kind == 'specialty' else 'path'})", p.id) for p in pages]
        labels = ("First", "Second", "Third (optional)")
        self.choices = [
            widgets.Dropdown(options=[("Choose a page", NONE), *options], value=NONE, description=label)
            for label in labels[:COMPARED]
        ]
        for dropdown in self.choices:
            dropdown.observe(self._picked, names="value")
        self.table = widgets.HTML()
        self.intro = page_heading(
            "Compare side by side",
            "Choose two or three specialties or career paths to see their training, lifestyle and profile "
            "next to each other" + (" and next to your own profile." if self.visit.known else "."),
        )
        self.show(self.intro, *self.choices, self.table)

    def shown(self, route: Route) -> None:
        if route.targets:
            # The pages the address names (unknown ones were left out by workbook.parse_route).
            picks = [*route.targets, *([NONE] * COMPARED)][:COMPARED]
            with self.quiet():
                for dropdown, value in zip(self.choices, picks, strict=True):
                    dropdown.value = value
            self._drawn_at = None
        super().shown(route)

    def refresh(self) -> None:
        self.draw()

    def _picked(self, _change: object = None) -> None:
        self.draw()
        if not self.quiet:
            self.context.follow(Route("compare", targets=tuple(page.id for page in self.chosen())))

    def chosen(self) -> list[Field]:
        found: list[Field] = []
        for dropdown in self.choices:
            page = self.content.fields_by_id.get(dropdown.value) if isinstance(dropdown.value, str) else None
            if page is not None and page not in found:
                found.append(page)
        return found

    def draw(self) -> None:
        chosen = self.chosen()
        if len(chosen) < 2:
            self.table.value = "<p role='status'>Choose at least two pages to compare.</p>"
            return
        self.table.value = render_comparison(self.content, chosen, self.visit.scored())


class AdvisingView(PageView):
    """Which office or person to go to for which need; the challenges the student ticked come first."""

    def __init__(self, context: PageContext, spec: PageSpec) -> None:
        super().__init__(context, spec)
        self.map_html = widgets.HTML()
        self.show(
            page_heading(
                "Who can help",
                f"The advising offices, people and events of {self.content.resources.school.name}, by what you "
                "might need. You do not need a reason to go to any of them.",
            ),
            self.map_html,
        )

    def refresh(self) -> None:
        ticked = self.visit.challenges()
        mine = f"<h2>For what you ticked</h2>{render_help(self.content, ticked, full=False)}" if ticked else ""
        self.map_html.value = mine + advising_map(self.content)
