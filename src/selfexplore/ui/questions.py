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

from selfexplore.content import Item
from selfexplore.scoring import score_answers, value_ids, values_by_score
from selfexplore.ui.chrome import Chrome, frame, mark, not_signed_in, page_heading
from selfexplore.ui.session import Session


class QuestionsView:
    """All the items of one questionnaire section."""

    def __init__(self, session: Session, section_id: str, chrome: Chrome | None = None) -> None:
        self.session = session
        self.content = session.content
        self.section = next(s for s in self.content.questionnaire.sections if s.id == section_id)
        self.chrome = chrome if chrome is not None else Chrome(session, section_id)
        self.controls: dict[str, widgets.Widget] = {}
        self.systems: dict[str, widgets.Checkbox] = {}
        self.ranking: RankingControl | None = None
        self._loading = False
        heading = page_heading(self.section.title, self.section.intro)
        if not session.known:
            self.widget = frame(self.chrome, heading, not_signed_in(session))
            return
        body: list[widgets.Widget] = [heading]
        items = self.content.questionnaire.items_in(section_id)
        statements = [item for item in items if item.kind == "scale"]
        self.numbers = {item.id: number for number, item in enumerate(statements, start=1)}
        for item in items:
            if item.kind == "scale":
                body.append(self._scale(item, f"{self.numbers[item.id]}. {item.text}"))
            elif item.kind == "systems":
                body.append(self._systems(item))
            elif item.kind == "ranking":
                self.ranking = RankingControl(session, item, self.chrome)
                body.append(self.ranking.widget)
        self.widget = frame(self.chrome, *body)
        self.load()

    # --- building --------------------------------------------------------------------------------

    def _scale(self, item: Item, text: str) -> widgets.RadioButtons:
        labels = self.content.questionnaire.scale_of(item).labels
        control = widgets.RadioButtons(
            options=[(label, number) for number, label in enumerate(labels, start=1)],
            value=None,
            description=text,
            orientation="horizontal",
            layout=widgets.Layout(width="100%"),
        )
        control.add_class("se-question")
        mark(control, item.id)
        control.observe(lambda change: self._answer(item, change["new"]), names="value")
        self.controls[item.id] = control
        return control

    def _systems(self, item: Item) -> widgets.VBox:
        limit = item.max_choices or len(self.content.systems)
        boxes = []
        for system in self.content.systems:
            box = widgets.Checkbox(value=False, description=system.label, indent=False)
            mark(box, item.id)
            box.observe(lambda change, s=system.id: self._tick_system(item, s, change["new"]), names="value")
            self.systems[system.id] = box
            boxes.append(box)
        group = widgets.VBox(
            [widgets.HTML(f"<h2 class='se-group-label'>{escape(item.text)}</h2>"), *boxes],
            layout=widgets.Layout(width="100%"),
        )
        group.add_class("se-checklist")
        self.controls[item.id] = group
        self._systems_limit = limit
        return group

    # --- loading and saving ----------------------------------------------------------------------

    def load(self) -> None:
        """Show the answers already saved (no save is triggered)."""
        saved = self.session.answers()
        self._loading = True
        try:
            for item_id, control in self.controls.items():
                value = saved.get(item_id)
                # An answer that no longer fits the item (the content pack changed since) is not shown.
                if isinstance(control, widgets.RadioButtons) and value in [v for _, v in control.options]:
                    control.value = value
                elif item_id in saved and isinstance(value, tuple) and self.systems:
                    for system_id, box in self.systems.items():
                        box.value = system_id in value
            if self.ranking is not None:
                self.ranking.seed(values_by_score(self.content, score_answers(self.content, saved)))
                self.ranking.load(saved.get(self.ranking.item.id))
        finally:
            self._loading = False

    def _answer(self, item: Item, value: object) -> None:
        if self._loading or value is None:
            return
        try:
            self.session.save(item.id, value)
        except Exception as error:
            self.chrome.failed(error, item.id)
            return
        label = self.content.questionnaire.scale_of(item).labels[int(value) - 1] if isinstance(value, int) else ""
        answers = self.session.answers()  # read once, for the progress bar and the ranking's starting order
        self.chrome.saved(f"statement {self.numbers[item.id]} ({label})", item.id, answers=answers)
        if self.ranking is not None and not self.ranking.saved:
            self.ranking.seed(values_by_score(self.content, score_answers(self.content, answers)))

    def _tick_system(self, item: Item, system_id: str, ticked: bool) -> None:
        if self._loading:
            return
        chosen = [s for s, box in self.systems.items() if box.value]
        if ticked and len(chosen) > self._systems_limit:
            self._loading = True
            self.systems[system_id].value = False
            self._loading = False
            self.chrome.say(f"Choose at most {self._systems_limit}: untick one first.", item.id)
            return
        try:
            self.session.save(item.id, chosen)
        except Exception as error:
            self.chrome.failed(error, item.id)
            return
        self.chrome.saved(f"your choice of body systems ({len(chosen)} chosen)", item.id)


class RankingControl:
    """The values in the student's order, most important first, moved with buttons (keyboard-friendly)."""

    def __init__(self, session: Session, item: Item, chrome: Chrome) -> None:
        self.session = session
        self.item = item
        self.chrome = chrome
        content = session.content
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

    def seed(self, order: tuple[str, ...]) -> None:
        """Start from this order (the student's own answers), until the student saves an order of theirs."""
        if self.saved or sorted(order) != sorted(self.order):
            return
        self.order = list(order)
        self.listing.options = self._options()

    def load(self, saved: object) -> None:
        if isinstance(saved, tuple) and sorted(saved) == sorted(self.order):
            self.order = list(saved)
            self.listing.options = self._options()
            self.keep.description = "Order saved"
            self.saved = True

    def move(self, step: int) -> None:
        chosen = self.listing.value
        if chosen not in self.order:  # nothing chosen, or a value forged from the page
            self.chrome.say("Choose a value in the list first, then move it.")
            return
        index = self.order.index(chosen)
        target = index + step
        if not 0 <= target < len(self.order):
            return
        self.order[index], self.order[target] = self.order[target], self.order[index]
        self.listing.options = self._options()
        self.listing.value = chosen
        self.save()

    def save(self) -> None:
        try:
            self.session.save(self.item.id, list(self.order))
        except Exception as error:
            self.chrome.failed(error)
            return
        self.keep.description = "Order saved"
        self.saved = True
        self.chrome.saved("your order of values (first: " + self.labels[self.order[0]] + ")")
