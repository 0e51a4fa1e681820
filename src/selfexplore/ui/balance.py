"""Balance and challenges: reflections in the student's own words, and a checklist of what stands in the way.

A reflection is saved as it is typed, private by default; separate boxes share it with the Society advisor
or (anonymously) with a group session. The checklist never asks why: each ticked challenge shows the
people and events of the school that can help.
"""

from __future__ import annotations

from html import escape

import ipywidgets as widgets

from selfexplore.content import Item
from selfexplore.services.visit import Visit
from selfexplore.support import render_help
from selfexplore.ui.chrome import Chrome, Quiet, mark, not_signed_in, page_heading
from selfexplore.ui.controls import ReflectionControl
from selfexplore.ui.page import PageContext, PageView
from selfexplore.workbook import PageSpec


class ChallengesControl:
    """The checklist of challenges and, below it, who can help with the ones ticked."""

    def __init__(self, visit: Visit, item: Item, chrome: Chrome) -> None:
        self.visit = visit
        self.item = item
        self.chrome = chrome
        self.quiet = Quiet()
        self.boxes: dict[str, widgets.Checkbox] = {}
        rows: list[widgets.Widget] = [widgets.HTML(f"<h2>What might stand in your way</h2><p>{escape(item.text)}</p>")]
        for challenge in visit.content.resources.challenges:
            box = widgets.Checkbox(value=False, description=f"{challenge.label}: {challenge.prompt}", indent=False)
            mark(box, item.id)
            box.observe(self._save, names="value")
            self.boxes[challenge.id] = box
            rows.append(box)
        # Ticking "none" is an answer too (an empty list), so a student with nothing in the way can finish.
        self.none = widgets.Checkbox(value=False, description="None of these right now", indent=False)
        mark(self.none, item.id)
        self.none.observe(self._none, names="value")
        rows.append(self.none)
        self.help = widgets.HTML()
        self.widget = widgets.VBox(
            [*rows, widgets.HTML("<h2>Who can help</h2>"), self.help], layout=widgets.Layout(width="100%")
        )
        self.widget.add_class("se-checklist")
        self.load(visit.answers().get(item.id))

    def ticked(self) -> list[str]:
        return [challenge_id for challenge_id, box in self.boxes.items() if box.value]

    def load(self, saved: object) -> None:
        self._show(saved)
        self.help.value = render_help(self.visit.content, self.ticked())

    def _show(self, saved: object) -> None:
        """The boxes as saved (none ticked when nothing is)."""
        with self.quiet():
            for challenge_id, box in self.boxes.items():
                box.value = isinstance(saved, tuple) and challenge_id in saved
            self.none.value = isinstance(saved, tuple) and not saved

    def _none(self, change: dict[str, object]) -> None:
        if self.quiet:
            return
        if change["new"] is True:
            with self.quiet():
                for box in self.boxes.values():
                    box.value = False
            self._save()
        elif not self.ticked():
            self.chrome.say("Tick what applies, or “None of these right now”.", self.item.id)

    def _save(self, _change: object = None) -> None:
        if self.quiet:
            return
        ticked = self.ticked()
        if ticked and self.none.value:
            with self.quiet():
                self.none.value = False
        saved = self.chrome.commit(
            self.item.id,
            lambda: self.visit.save_answer(self.item.id, ticked),
            lambda _saved: f"your checklist ({len(ticked)} ticked)",
            revert=lambda: self._show(self.visit.answers().get(self.item.id)),
        )
        if saved is not None:
            self.help.value = render_help(self.visit.content, ticked)


class BalanceView(PageView):
    def __init__(self, context: PageContext, spec: PageSpec) -> None:
        super().__init__(context, spec)
        section = next(s for s in self.content.questionnaire.sections if s.id == spec.id)
        heading = page_heading(section.title, section.intro)
        self.reflections: dict[str, ReflectionControl] = {}
        self.challenges: ChallengesControl | None = None
        if not self.visit.known:
            self.show(heading, not_signed_in(self.visit))
            return
        body: list[widgets.Widget] = [heading, widgets.HTML("<h2>Your life around the work</h2>")]
        for prompt in self.content.questionnaire.prompts_in(spec.id):
            control = ReflectionControl(self.visit, prompt, self.chrome)
            self.reflections[prompt.id] = control
            body.append(control.widget)
        for item in self.content.questionnaire.items_in(spec.id):
            if item.kind == "challenges":
                self.challenges = ChallengesControl(self.visit, item, self.chrome)
                body.append(self.challenges.widget)
        self.show(*body)
