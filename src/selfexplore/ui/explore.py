"""Pages off the main path: career paths, a side-by-side comparison, and the advising map."""

from __future__ import annotations

from html import escape

import ipywidgets as widgets

from selfexplore.advising import advising_map, render_help
from selfexplore.content import Page
from selfexplore.explore import render_ways
from selfexplore.pages import render_comparison
from selfexplore.results import build_results
from selfexplore.ui.balance import ReflectionControl
from selfexplore.ui.chrome import Chrome, frame, page_heading
from selfexplore.ui.session import Session

NONE = "none"


class PathsView:
    """The non-clinical and additional career paths, the degrees that lead there, and the panel's questions."""

    def __init__(self, session: Session) -> None:
        self.session = session
        content = session.content
        self.chrome = Chrome(session, None)
        fits = {}
        if session.known:
            fits = {m.id: m.fit for m in build_results(content, session.answers()).paths}
        parts = []
        for page in sorted(content.paths, key=lambda p: (-fits.get(p.id, 0), p.name)):
            fit = f' <span class="se-fit">fit {fits[page.id]} of 100</span>' if page.id in fits else ""
            degrees = "".join(f"<li><strong>{escape(d.name)}</strong>: {escape(d.text)}</li>" for d in page.degrees)
            href = escape(session.link("specialties.ipynb", page=page.id), quote=True)
            parts.append(
                f'<section class="se-path"><h2><a href="{href}">{escape(page.name)}</a>{fit}</h2>'
                f"<p>{escape(page.summary)}</p>"
                + (f"<h3>Degrees and programs that lead here</h3><ul>{degrees}</ul>" if degrees else "")
                + render_ways(content, page)
                + "</section>"
            )
        self.paths_html = widgets.HTML("".join(parts))
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
        prompts = [p for p in content.reflection_prompts if p.section == "paths"]
        if prompts:
            body.append(
                widgets.HTML(
                    "<h2>Questions to think through</h2><p>The panellists of the Medical Career Paths panel each "
                    "answer these three questions. Answer them for yourself, for a path you are curious about. "
                    "What you write is private unless you tick a box.</p>"
                )
            )
            if session.known and session.attempt is not None:
                saved = {r.prompt_id: r for r in session.store.reflections(session.attempt)}
                for prompt in prompts:
                    control = ReflectionControl(session, prompt, self.chrome)
                    if prompt.id in saved:
                        r = saved[prompt.id]
                        control.load(r.text, r.share_adviser, r.share_group, r.in_report)
                    self.reflections[prompt.id] = control
                    body.append(control.widget)
            else:
                listed = "".join(f"<li>{escape(p.text)}</li>" for p in prompts)
                href = escape(session.link("start.ipynb"), quote=True)
                body.append(
                    widgets.HTML(f'<ol>{listed}</ol><p><a href="{href}">Sign in</a> to write your answers.</p>')
                )
        self.widget = frame(self.chrome, *body)


class CompareView:
    """Two or three specialties or paths side by side, beside the student's own profile when signed in."""

    def __init__(self, session: Session, chosen: list[str] | None = None) -> None:
        self.session = session
        self.chrome = Chrome(session, None)
        options = [(f"{p.name} ({'specialty' if p.kind == 'specialty' else 'path'})", p.id) for p in _pages(session)]
        known = {page_id for _, page_id in options}
        picks = [page_id for page_id in (chosen or []) if page_id in known][:3]
        defaults = picks + [NONE] * (3 - len(picks))
        labels = ("First", "Second", "Third (optional)")
        self.choices = [
            widgets.Dropdown(options=[("Choose a page", NONE), *options], value=value, description=label)
            for label, value in zip(labels, defaults, strict=True)
        ]
        for dropdown in self.choices:
            dropdown.observe(lambda _c: self.show(), names="value")
        self.table = widgets.HTML()
        self.scored = session.scored()
        self.widget = frame(
            self.chrome,
            page_heading(
                "Compare side by side",
                "Choose two or three specialties or career paths to see their training, lifestyle and profile "
                "next to each other" + (" and next to your own profile." if self.scored is not None else "."),
            ),
            *self.choices,
            self.table,
        )
        self.show()

    def show(self) -> None:
        content = self.session.content
        chosen: list[Page] = []
        for dropdown in self.choices:
            page = content.pages_by_id.get(dropdown.value) if isinstance(dropdown.value, str) else None
            if page is not None and page not in chosen:
                chosen.append(page)
        if len(chosen) < 2:
            self.table.value = "<p role='status'>Choose at least two pages to compare.</p>"
            return
        self.table.value = render_comparison(content, chosen, self.scored)


class AdvisingView:
    """Which office or person to go to for which need; the challenges the student ticked come first."""

    def __init__(self, session: Session) -> None:
        self.session = session
        content = session.content
        self.chrome = Chrome(session, None)
        ticked = session.answers().get("challenges", ())
        mine = ""
        if isinstance(ticked, tuple) and ticked:
            mine = f"<h2>For what you ticked</h2>{render_help(content, ticked)}"
        self.map_html = widgets.HTML(mine + advising_map(content))
        self.widget = frame(
            self.chrome,
            page_heading(
                "Who can help",
                f"The advising offices, people and events of {content.resources.school.name}, by what you might "
                "need. You do not need a reason to go to any of them.",
            ),
            self.map_html,
        )


def _pages(session: Session) -> list[Page]:
    content = session.content
    return sorted((*content.specialties, *content.paths), key=lambda p: (p.kind != "specialty", p.name))
