"""Balance and challenges: reflections in the student's own words, and a checklist of what stands in the way.

A reflection is saved as it is typed, private by default; two separate boxes share it with the Society
advisor or (anonymously) with a group session. The checklist never asks why: each ticked challenge shows
the people and events of the school that can help.
"""

from __future__ import annotations

from html import escape

import ipywidgets as widgets

from selfexplore.advising import render_help
from selfexplore.content import Item, Prompt
from selfexplore.store import REFLECTION_LIMIT
from selfexplore.ui.chrome import Chrome, frame, mark, not_signed_in, page_heading
from selfexplore.ui.session import Session


class ReflectionControl:
    """One prompt: a text area and two sharing choices, saved together on every change."""

    def __init__(self, session: Session, prompt: Prompt, chrome: Chrome) -> None:
        self.session = session
        self.prompt = prompt
        self.chrome = chrome
        self._loading = False
        self.text = widgets.Textarea(
            description=prompt.text,
            placeholder=prompt.hint or "",
            rows=4,
            continuous_update=True,
            layout=widgets.Layout(width="100%"),
        )
        self.share_adviser = widgets.Checkbox(
            value=False, description="Share this with my Society advisor", indent=False
        )
        self.share_group = widgets.Checkbox(
            value=False, description="Share this, without my name, with a group session I join", indent=False
        )
        self.in_report = widgets.Checkbox(value=False, description="Include this in my report", indent=False)
        for control in (self.text, self.share_adviser, self.share_group, self.in_report):
            mark(control, prompt.id)
            control.observe(self._save, names="value")
        self.widget = widgets.VBox(
            [self.text, self.share_adviser, self.share_group, self.in_report], layout=widgets.Layout(width="100%")
        )
        self.widget.add_class("se-reflection")

    def load(self, text: str, share_adviser: bool, share_group: bool, in_report: bool = False) -> None:
        self._loading = True
        try:
            self.text.value, self.share_adviser.value, self.share_group.value = text, share_adviser, share_group
            self.in_report.value = in_report
        finally:
            self._loading = False

    def _save(self, _change: object = None) -> None:
        if self._loading or self.session.attempt is None:
            return
        text = self.text.value
        if len(text) > REFLECTION_LIMIT:
            self.chrome.say(
                f"Not saved: this reflection has {len(text)} characters and can hold {REFLECTION_LIMIT}. "
                "Your last saved version is kept.",
                self.prompt.id,
            )
            return
        try:
            self.session.store.save_reflection(
                self.session.attempt,
                self.prompt.id,
                text,
                share_adviser=bool(self.share_adviser.value),
                share_group=bool(self.share_group.value),
                in_report=bool(self.in_report.value),
            )
        except Exception as error:
            self.chrome.failed(error, self.prompt.id)
            return
        shared = [
            who for who, on in (("your advisor", self.share_adviser.value), ("a group", self.share_group.value)) if on
        ]
        self.chrome.saved(
            "your reflection" + (f" (shared with {' and '.join(shared)})" if shared else " (private)"),
            self.prompt.id,
            len(text),
        )


class ChallengesControl:
    """The checklist of challenges and, below it, who can help with the ones ticked."""

    def __init__(self, session: Session, item: Item, chrome: Chrome) -> None:
        self.session = session
        self.item = item
        self.chrome = chrome
        self._loading = False
        self.boxes: dict[str, widgets.Checkbox] = {}
        rows: list[widgets.Widget] = [widgets.HTML(f"<h2>What might stand in your way</h2><p>{escape(item.text)}</p>")]
        for challenge in session.content.resources.challenges:
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

    def ticked(self) -> list[str]:
        return [challenge_id for challenge_id, box in self.boxes.items() if box.value]

    def load(self, saved: object) -> None:
        self._loading = True
        try:
            if isinstance(saved, tuple):
                for challenge_id, box in self.boxes.items():
                    box.value = challenge_id in saved
                self.none.value = not saved
        finally:
            self._loading = False
        self.help.value = render_help(self.session.content, self.ticked())

    def _none(self, change: dict[str, object]) -> None:
        if self._loading:
            return
        if change["new"] is True:
            self._loading = True
            for box in self.boxes.values():
                box.value = False
            self._loading = False
            self._save()
        elif not self.ticked():
            self.chrome.say("Tick what applies, or “None of these right now”.", self.item.id)

    def _save(self, _change: object = None) -> None:
        if self._loading:
            return
        ticked = self.ticked()
        if ticked and self.none.value:
            self._loading = True
            self.none.value = False
            self._loading = False
        try:
            self.session.save(self.item.id, ticked)
        except Exception as error:
            self.chrome.failed(error, self.item.id)
            return
        self.help.value = render_help(self.session.content, ticked)
        self.chrome.saved(f"your checklist ({len(ticked)} ticked)", self.item.id)


class BalanceView:
    def __init__(self, session: Session, chrome: Chrome | None = None) -> None:
        self.session = session
        content = session.content
        section = next(s for s in content.questionnaire.sections if s.id == "balance")
        self.chrome = chrome if chrome is not None else Chrome(session, "balance")
        heading = page_heading(section.title, section.intro)
        self.reflections: dict[str, ReflectionControl] = {}
        self.challenges: ChallengesControl | None = None
        if not session.known or session.attempt is None:
            self.widget = frame(self.chrome, heading, not_signed_in(session))
            return
        body: list[widgets.Widget] = [heading, widgets.HTML("<h2>Your life around the work</h2>")]
        for prompt in content.questionnaire.prompts_in("balance"):
            control = ReflectionControl(session, prompt, self.chrome)
            self.reflections[prompt.id] = control
            body.append(control.widget)
        for item in content.questionnaire.items_in("balance"):
            if item.kind == "challenges":
                self.challenges = ChallengesControl(session, item, self.chrome)
                body.append(self.challenges.widget)
        self.widget = frame(self.chrome, *body)
        for saved in session.store.reflections(session.attempt):
            if saved.prompt_id in self.reflections:
                self.reflections[saved.prompt_id].load(
                    saved.text, saved.share_adviser, saved.share_group, saved.in_report
                )
        if self.challenges is not None:
            self.challenges.load(session.answers().get(self.challenges.item.id))
