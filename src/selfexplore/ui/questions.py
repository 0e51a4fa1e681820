"""A page of questions (interests or values): every answer is saved the moment it changes.

Each statement is a RadioButtons widget whose description is the statement itself, so the text a student
reads is the label of the answers (the page script groups the radios under it). Body systems are
checkboxes, limited in Python to the item's maximum. The values ranking is a list with Move up / Move down
buttons, usable by keyboard alone. Every value that arrives from the page is checked again in Python by the
store before it is saved: a forged comm message can set any trait, and a disabled button still fires.
"""

from __future__ import annotations

from html import escape

import ipywidgets as widgets
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_description import DescriptionStyle

from selfexplore.content import Item
from selfexplore.records import SavedAnswer
from selfexplore.scoring import value_ids
from selfexplore.services.visit import Visit
from selfexplore.ui.chrome import Chrome, Quiet, mark, not_signed_in, page_heading
from selfexplore.ui.page import PageContext, PageView
from selfexplore.workbook import PageSpec


class QuestionsView(PageView):
    """All the items of one questionnaire section (the page's id names the section)."""

    def __init__(self, context: PageContext, spec: PageSpec) -> None:
        super().__init__(context, spec)
        self.section = next(s for s in self.content.questionnaire.sections if s.id == spec.id)
        self.controls: dict[str, widgets.Widget] = {}
        self.systems: dict[str, widgets.Checkbox] = {}
        self.ranking: RankingControl | None = None
        # The statements of a page share one layout model and one style model, instead of two new ones per
        # widget: a page of fifty statements sends a third as many models to the browser.
        self._layout = widgets.Layout(width="100%")
        heading = page_heading(self.section.title, self.section.intro)
        if not self.visit.known:
            self.show(heading, not_signed_in(self.visit))
            return
        body: list[widgets.Widget] = [heading]
        items = self.content.questionnaire.items_in(spec.id)
        statements = [item for item in items if item.kind == "scale"]
        self.numbers = {item.id: number for number, item in enumerate(statements, start=1)}
        style = DescriptionStyle()
        for item in items:
            if item.kind == "scale":
                body.append(self._scale(item, f"{self.numbers[item.id]}. {item.text}", style))
            elif item.kind == "systems":
                body.append(self._systems(item))
            elif item.kind == "ranking":
                self.ranking = RankingControl(self.visit, item, self.chrome)
                body.append(self.ranking.widget)
        self.show(*body)
        self.load()

    # --- building --------------------------------------------------------------------------------

    def _scale(self, item: Item, text: str, style: DescriptionStyle) -> widgets.RadioButtons:
        labels = self.content.questionnaire.scale_of(item).labels
        control = widgets.RadioButtons(
            options=[(label, number) for number, label in enumerate(labels, start=1)],
            value=None,
            description=text,
            orientation="horizontal",
            layout=self._layout,
            style=style,
        )
        control.add_class("se-question")
        mark(control, item.id)
        control.observe(lambda change: self._answer(item, change["new"]), names="value")
        self.controls[item.id] = control
        return control

    def _systems(self, item: Item) -> widgets.VBox:
        style = CheckboxStyle()
        boxes = []
        for system in self.content.systems:
            box = widgets.Checkbox(value=False, description=system.label, indent=False, style=style)
            mark(box, item.id)
            box.observe(lambda _change: self._tick_system(item), names="value")
            self.systems[system.id] = box
            boxes.append(box)
        group = widgets.VBox(
            [widgets.HTML(f"<h2 class='se-group-label'>{escape(item.text)}</h2>"), *boxes],
            layout=widgets.Layout(width="100%"),
        )
        group.add_class("se-checklist")
        self.controls[item.id] = group
        return group

    # --- loading and saving ----------------------------------------------------------------------

    def load(self) -> None:
        """Show the answers already saved (no save is triggered)."""
        saved = self.visit.answers()
        with self.quiet():
            for item_id, control in self.controls.items():
                value = saved.get(item_id)
                # An answer that no longer fits the item (the content pack changed since) is not shown.
                if isinstance(control, widgets.RadioButtons) and value in [v for _, v in control.options]:
                    control.value = value
                elif item_id in saved and isinstance(value, tuple) and self.systems:
                    for system_id, box in self.systems.items():
                        box.value = system_id in value
        if self.ranking is not None:
            self.ranking.seed(self._order_of_answers())
            self.ranking.load(saved.get(self.ranking.item.id))

    def _order_of_answers(self) -> tuple[str, ...]:
        return self.visit.suggested_order()

    def _answer(self, item: Item, value: object) -> None:
        if self.quiet or value is None:
            return
        labels = self.content.questionnaire.scale_of(item).labels

        def said(saved: SavedAnswer) -> str:
            answer = saved.value
            label = labels[answer - 1] if isinstance(answer, int) and 0 < answer <= len(labels) else ""
            return f"statement {self.numbers[item.id]} ({label})"

        def revert() -> None:
            held = self.visit.answers().get(item.id)
            control = self.controls[item.id]
            assert isinstance(control, widgets.RadioButtons)
            with self.quiet():
                control.value = held if held in [v for _, v in control.options] else None

        if self.chrome.commit(item.id, lambda: self.visit.save_answer(item.id, value), said, revert=revert) is None:
            return
        if self.ranking is not None and not self.ranking.saved:
            self.ranking.seed(self._order_of_answers())

    def _tick_system(self, item: Item) -> None:
        if self.quiet:
            return
        chosen = [s for s, box in self.systems.items() if box.value]
        # How many may be chosen is the questionnaire's rule (scoring.check_answer, through the visit): a
        # refused choice, like a failed save, leaves the boxes showing what the store holds.
        if (
            self.chrome.commit(
                item.id,
                lambda: self.visit.save_answer(item.id, chosen),
                lambda _saved: f"your choice of body systems ({len(chosen)} chosen)",
            )
            is None
        ):
            held = self.visit.answers().get(item.id, ())
            with self.quiet():
                for other, box in self.systems.items():
                    box.value = isinstance(held, tuple) and other in held


class RankingControl:
    """The values in the student's order, most important first, moved with buttons (keyboard-friendly)."""

    def __init__(self, visit: Visit, item: Item, chrome: Chrome) -> None:
        self.visit = visit
        self.item = item
        self.chrome = chrome
        self.quiet = Quiet()
        content = visit.content
        self.labels = {d.id: d.label for d in content.dimensions}
        self.order: list[str] = list(value_ids(content))
        self.saved = False
        self.listing = widgets.Select(
            options=self._options(), rows=len(self.order), description="Your order, most important first"
        )
        self.listing.add_class("se-ranking")
        self.up = widgets.Button(description="Move up", tooltip="Move the chosen value up one place")
        self.down = widgets.Button(description="Move down", tooltip="Move the chosen value down one place")
        self.keep = widgets.Button(description="Save this order", button_style="primary")
        self.up.on_click(lambda _b: self.move(-1))
        self.down.on_click(lambda _b: self.move(+1))
        self.keep.on_click(lambda _b: self.save())
        self.widget = widgets.VBox(
            [
                widgets.HTML(
                    f"<h2>What matters most</h2><p>{escape(item.text)}</p><p>The list starts in the order of your "
                    "answers above. Choose a value, move it with the buttons, and save the order when it is right."
                    "</p>"
                ),
                self.listing,
                widgets.HBox([self.up, self.down, self.keep]),
            ],
            layout=widgets.Layout(width="100%"),
        )

    def _options(self) -> list[tuple[str, str]]:
        return [(f"{place}. {self.labels[value]}", value) for place, value in enumerate(self.order, start=1)]

    def _redraw(self, chosen: object = None) -> None:
        with self.quiet():
            self.listing.options = self._options()
            if chosen in self.order:
                self.listing.value = chosen

    def seed(self, order: tuple[str, ...]) -> None:
        """Start from this order (the student's own answers), until the student saves an order of theirs."""
        if self.saved or sorted(order) != sorted(self.order):
            return
        self.order = list(order)
        self._redraw()

    def load(self, saved: object) -> None:
        if isinstance(saved, tuple) and sorted(saved) == sorted(self.order):
            self.order = list(saved)
            self._redraw()
            self.keep.description = "Order saved"
            self.saved = True

    def move(self, step: int) -> None:
        """Move the chosen value; nothing is saved until the student saves the order (a place they did not
        choose is never kept, nor quoted back to them)."""
        chosen = self.listing.value
        if chosen not in self.order:  # nothing chosen, or a value forged from the page
            self.chrome.say("Choose a value in the list first, then move it.", self.item.id)
            return
        index = self.order.index(chosen)
        target = index + step
        if not 0 <= target < len(self.order):
            return
        self.order[index], self.order[target] = self.order[target], self.order[index]
        self._redraw(chosen)
        self.keep.description = "Save this order"
        self.chrome.say(
            f"Moved {self.labels[chosen]} to place {target + 1}. Press “Save this order” when the whole order is "
            "yours: nothing is kept until then.",
            self.item.id,
        )

    def save(self) -> None:
        order = list(self.order)
        if self.chrome.commit(
            self.item.id,
            lambda: self.visit.save_answer(self.item.id, order),
            lambda _saved: "your order of values (first: " + self.labels[order[0]] + ")",
            reload=lambda: self.load(self.visit.answers().get(self.item.id)),
        ):
            self.keep.description = "Order saved"
            self.saved = True
