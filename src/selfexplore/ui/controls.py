"""Controls more than one page uses: a reflection in the student's own words, with its sharing choices."""

from __future__ import annotations

from html import escape

import ipywidgets as widgets

from selfexplore.content import Prompt
from selfexplore.records import ChangedElsewhere, Reflection
from selfexplore.services.visit import Visit
from selfexplore.ui.chrome import Chrome, Quiet, mark

ADVISER = "Mark this for my Society advisor (they see it only once I share my reflections with them)"
GROUP = "Share this, without my name, with the group session I am in (or the next one I join)"
REPORT = "Include this in my report"


class ReflectionControl:
    """One prompt: a text area and three choices (adviser, group, report), saved together on every change.
    Private unless a box is ticked; shared with a group, it goes to one session, which the line under the
    box names (the store decides which: selfexplore.store.Store.save_reflection)."""

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
        self.where = widgets.HTML()  # which session a shared reflection goes to
        # After a save refused because another tab changed the reflection: the text this page sent and the
        # text held, which the page is sent, until the page is seen typing from the text held (see `_stale`).
        self.behind: tuple[str, str] | None = None
        for control in (self.text, self.share_adviser, self.share_group, self.in_report):
            mark(control, prompt.id)
            control.observe(self._save, names="value")
        self.widget = widgets.VBox(
            [
                self.text,
                widgets.HTML('<p class="se-choices-label">Private unless you tick a box:</p>'),
                self.share_adviser,
                self.share_group,
                self.where,
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
        self.where.value = where(saved)

    def _show_held(self) -> None:
        """The reflection as the store holds it, after a save another tab's change refused."""
        sent = self.text.value
        held = self.visit.reflections()[self.prompt.id]
        self.load(held)
        self.behind = (sent if isinstance(sent, str) else "", held.text)

    def _stale(self, text: object) -> bool:
        """Whether this text was typed before the page showed the text held, after a refusal.

        Every key pressed sends the whole text, and keys pressed quickly are on their way before the page
        receives the text held: each is an edit of the refused, stale text, and saving it would overwrite
        the newer text after all. The page's messages carry nothing that tells which text they were typed
        from, so the text tells: one closer to the text sent than to the text held is taken as stale, is
        refused in the same way, and the text held is sent again. The first text closer to the text held
        shows the page has it, and is saved as usual."""
        if self.behind is None or not isinstance(text, str):
            return False
        sent, held = self.behind
        if edit_size(text, sent) < edit_size(text, held):
            self.behind = (text, held)
            return True
        self.behind = None
        return False

    def _save(self, _change: object = None) -> None:
        if self.quiet or not self.visit.known:
            return
        # Every value goes through the store's checks (type, length, prompt): a forged message can set any
        # trait, so nothing here is trusted.
        text = self.text.value
        if self._stale(text):
            held = self.visit.reflections()[self.prompt.id]
            self.load(held)
            self.chrome.failed(ChangedElsewhere(held), self.prompt.id, reverted=True)
            return
        choices = (self.share_adviser.value, self.share_group.value, self.in_report.value)

        def said(saved: Reflection) -> str:
            shared = [f"shared with {group(saved)}"] if saved.share_group else []
            if saved.share_adviser:
                shared.append(adviser(self.visit))
            return "your reflection" + (f" ({'; '.join(shared)})" if shared else " (private)")

        saved = self.chrome.commit(
            self.prompt.id,
            lambda: self.visit.save_reflection(
                self.prompt.id, text, share_adviser=choices[0], share_group=choices[1], in_report=choices[2]
            ),
            said,
            length=len(text) if isinstance(text, str) else None,
            reload=self._show_held,
        )
        if saved is not None:
            self.where.value = where(saved)


def edit_size(text: str, base: str) -> int:
    """How much of `text` differs from `base`, taken as one edit in one place (what typing or pasting at
    one point makes): what is left of the longer once the start and the end they share are set aside. Cheap
    on every key of a 5,000-character text, unlike a full edit distance."""
    start = _shared_start(text, base)
    end = _shared_start(text[start:][::-1], base[start:][::-1])
    return max(len(text), len(base)) - start - end


def _shared_start(one: str, other: str) -> int:
    return next(
        (index for index, (a, b) in enumerate(zip(one, other, strict=False)) if a != b), min(len(one), len(other))
    )


def adviser(visit: Visit) -> str:
    """Who sees a reflection marked for the adviser, in the status line's words."""
    seeing = visit.reflection_readers()
    if not seeing:
        return "marked for your advisor, who sees it only once you share your reflections on the My plan page"
    return f"marked for your advisor: seen by {' and '.join(seeing)}"


def group(saved: Reflection) -> str:
    """Where a reflection shared with a group goes, in the status line's words."""
    if saved.shared_with is None:
        return "the next group session you join"
    return f"the group session “{saved.shared_with}”"


def where(saved: Reflection) -> str:
    """The line under the sharing box: which one session sees it, if it is shared."""
    if not saved.share_group:
        return ""
    if saved.shared_with is None:
        return (
            '<p class="se-muted">You are in no open group session: this goes, without your name, to the next '
            "one you join, and to no other.</p>"
        )
    return (
        f'<p class="se-muted">Shared, without your name, with the group session “{escape(saved.shared_with)}” '
        "only. Change the text while in another session and it goes there instead.</p>"
    )
