"""Controls more than one page uses: a reflection in the student's own words, with its sharing choices."""

from __future__ import annotations

import ipywidgets as widgets

from selfexplore.content import Prompt
from selfexplore.store import Reflection
from selfexplore.ui.chrome import Chrome, Quiet, mark
from selfexplore.visit import Visit

ADVISER = "Share this with my Society advisor"
GROUP = "Share this, without my name, with a group session I join"
REPORT = "Include this in my report"


class ReflectionControl:
    """One prompt: a text area and three choices (adviser, group, report), saved together on every change.
    Private unless a box is ticked."""

    def __init__(self, visit: Visit, prompt: Prompt, chrome: Chrome) -> None:
        self.visit = visit
        self.prompt = prompt
        self.chrome = chrome
        self.quiet = Quiet()
        self.text = widgets.Textarea(
            description=prompt.text,
            placeholder=prompt.hint or "",
            rows=4,
            continuous_update=True,
            layout=widgets.Layout(width="100%"),
        )
        self.share_adviser = widgets.Checkbox(value=False, description=ADVISER, indent=False)
        self.share_group = widgets.Checkbox(value=False, description=GROUP, indent=False)
        self.in_report = widgets.Checkbox(value=False, description=REPORT, indent=False)
        for control in (self.text, self.share_adviser, self.share_group, self.in_report):
            mark(control, prompt.id)
            control.observe(self._save, names="value")
        self.widget = widgets.VBox(
            [
                self.text,
                widgets.HTML('<p class="se-choices-label">Private unless you tick a box:</p>'),
                self.share_adviser,
                self.share_group,
                self.in_report,
            ],
            layout=widgets.Layout(width="100%"),
        )
        self.widget.add_class("se-group")
        self.widget.add_class("se-reflection")
        saved = visit.reflections().get(prompt.id)
        if saved is not None:
            self.load(saved)

    def load(self, saved: Reflection) -> None:
        with self.quiet():
            self.text.value = saved.text
            self.share_adviser.value = saved.share_adviser
            self.share_group.value = saved.share_group
            self.in_report.value = saved.in_report

    def _save(self, _change: object = None) -> None:
        if self.quiet or not self.visit.known:
            return
        # Every value goes through the store's checks (type, length, prompt): a forged message can set any
        # trait, so nothing here is trusted.
        text = self.text.value
        choices = (self.share_adviser.value, self.share_group.value, self.in_report.value)

        def said(_saved: object) -> str:
            shared = [who for who, on in (("your advisor", choices[0]), ("a group", choices[1])) if on]
            return "your reflection" + (f" (shared with {' and '.join(shared)})" if shared else " (private)")

        self.chrome.commit(
            self.prompt.id,
            lambda: self.visit.save_reflection(
                self.prompt.id, text, share_adviser=choices[0], share_group=choices[1], in_report=choices[2]
            ),
            said,
            length=len(text) if isinstance(text, str) else None,
        )
