"""Sharing with the Society advisor, on the plan page and the start page: what to share, item by item, with
whom and for how long; a preview of exactly what the adviser will see; the confirmation; and the shares in
force, each with a button that withdraws it at once. The rules are selfexplore.sharing's and the store's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import escape

import ipywidgets as widgets

from selfexplore.records import AdviserShare
from selfexplore.report import made_on_words
from selfexplore.services.visit import Visit
from selfexplore.sharing import DEFAULT_DAYS, DURATIONS, ITEMS, Preview, duration_words, items_words
from selfexplore.ui.chrome import Chrome, failure_message

CODE = "code"  # the adviser choice "make an adviser code"
UNCHOSEN = "none"  # no adviser picked yet: a student names their own, nobody is picked for them
CODE_CHOICE = "An advisor code I hand over"


def share_words(share: AdviserShare, now: datetime) -> str:
    """One share in force, as the student reads it (escaped)."""
    what = escape(items_words(share.items))
    until = made_on_words(share.expires_at.date())
    if share.expired(now):
        return f"Expired on {until}: nobody sees {what} any more."
    if share.adviser_name is None:
        return (
            f"Advisor code made on {made_on_words(share.created_at.date())}, not entered by any advisor yet. Whoever "
            f"enters it first sees {what} until {until}."
        )
    how = " (through your advisor code)" if share.by_code else ""
    return f"{escape(share.adviser_words)}{how} sees {what} until {until}."


class ShareControl:
    """The whole of sharing with an adviser, for one page. `refresh` draws the shares in force (the page
    calls it each time it is shown); `forget_preview` drops a preview the answers have changed under."""

    def __init__(self, visit: Visit, chrome: Chrome, today: date | None = None) -> None:
        self.visit = visit
        self.chrome = chrome
        self.today = today or date.today()
        self.boxes = {item: widgets.Checkbox(value=False, description=label, indent=False) for item, label, _ in ITEMS}
        options = [*((display, name) for name, display in visit.advisers), (CODE_CHOICE, CODE)]
        if visit.advisers:
            options.insert(0, ("Choose your advisor", UNCHOSEN))
        self.adviser = widgets.Dropdown(options=options, value=options[0][1], description="Share with")
        self.days = widgets.Dropdown(
            options=[(words, days) for days, words in DURATIONS], value=DEFAULT_DAYS, description="How long"
        )
        self.preview_button = widgets.Button(description="Preview what my advisor will see")
        self.confirm = widgets.Button(description="Share it", button_style="primary", disabled=True)
        self.preview = widgets.HTML()
        self.outcome = widgets.HTML()
        self.current = widgets.VBox()
        self._preview: Preview | None = None
        for control in (*self.boxes.values(), self.adviser, self.days):
            control.observe(self._changed, names="value")
        self.preview_button.on_click(lambda _b: self.show_preview())
        self.confirm.on_click(lambda _b: self.share())
        who = (
            "Pick your advisor below, or make an advisor code to hand over."
            if visit.advisers
            else "You make an advisor code and hand it to your advisor, in person or by email."
        )
        self.widget = widgets.VBox(
            [
                widgets.HTML(
                    "<h2>Share with your Society advisor</h2><p>Nothing here is shared until you confirm. You choose "
                    f"what to share and for how long. {who} You see exactly what they will see before you share, and "
                    "you can withdraw it at any time: from that moment they see nothing of it.</p>"
                    '<p class="se-choices-label">What to share:</p>'
                ),
                *self.boxes.values(),
                self.adviser,
                self.days,
                self.preview_button,
                self.preview,
                self.confirm,
                self.outcome,
                widgets.HTML("<h3>What you share now</h3>"),
                self.current,
            ],
            layout=widgets.Layout(width="100%"),
        )
        self.widget.add_class("se-group")
        self.widget.add_class("se-share")

    def chosen(self) -> tuple[tuple[str, ...], str, int]:
        items = tuple(item for item, box in self.boxes.items() if box.value is True)
        return items, str(self.adviser.value), int(self.days.value)

    def _adviser_words(self, adviser: str) -> str:
        return dict(self.visit.advisers).get(adviser, "the advisor who enters your code")

    def _changed(self, _change: object = None) -> None:
        """A choice changed: the preview shown is no longer what would be shared."""
        if self._preview is not None and not self._shows_choice(self._preview):
            self.forget_preview()

    def _shows_choice(self, preview: Preview) -> bool:
        """Whether `preview` was made for the choices on screen."""
        return (preview.items, preview.adviser or CODE, preview.days) == self.chosen()

    def forget_preview(self) -> None:
        self._preview = None
        self.preview.value = ""
        self.confirm.disabled = True

    def show_preview(self) -> None:
        items, adviser, days = self.chosen()
        if not items:
            self.preview.value = '<p class="se-alert" role="alert">Tick at least one thing to share first.</p>'
            return
        if adviser == UNCHOSEN:
            self.preview.value = '<p class="se-alert" role="alert">Choose who to share with first.</p>'
            return
        try:
            preview = self.visit.preview_share(items, None if adviser == CODE else adviser, days, self.today)
        except Exception as error:
            self.preview.value = f'<p class="se-alert" role="alert">{escape(failure_message(error))}</p>'
            return
        who = escape(self._adviser_words(adviser))
        label = self.visit.sign_in_name
        known_as = (
            f"They will see it as from <strong>{escape(label)}</strong>, your school sign-in name."
            if label
            else "It carries no name: your advisor knows it is yours because you handed them the code."
        )
        self.preview.value = (
            f'<section class="se-preview" aria-labelledby="se-preview-heading"><h3 id="se-preview-heading">'
            f"What {who} will see, for {escape(duration_words(days))}</h3><p>{known_as} It follows your answers: "
            "what you change later, they see as changed.</p>"
            f'<div class="se-shared">{preview.html}</div></section>'
        )
        self._preview = preview
        self.confirm.disabled = False
        self.outcome.value = ""

    def share(self) -> None:
        # The visit shares only the preview it made last, with the answers unchanged since
        # (selfexplore.services.visit.Visit.share); a choice changed since the preview has dropped it here.
        preview = self._preview if self._preview is not None and self._shows_choice(self._preview) else None
        try:
            made, code = self.visit.share(preview)
        except Exception as error:
            self.chrome.failed(error)
            return
        self.forget_preview()
        until = made_on_words(made.expires_at.date())
        what = items_words(made.items)
        if code is not None:
            self.outcome.value = (
                '<div class="se-notice"><h3>Your advisor code</h3>'
                f'<p class="se-code" aria-label="Your advisor code is {escape(" ".join(code), quote=True)}">'
                f"{escape(code)}</p><p>Hand it to your advisor. The first advisor to enter it on their advisor page "
                f"sees {escape(what)} until {escape(until)}; nobody else can use it after that. It is shown only "
                "now: the workbook keeps only a scrambled form of it.</p></div>"
            )
            self.chrome.say(f"Advisor code made: whoever enters it first sees {what} until {until}.")
        else:
            self.outcome.value = ""
            self.chrome.say(f"Shared with {made.adviser_words} until {until}: {what}. Nobody else sees it.")
        self.refresh()

    def withdraw(self, share: AdviserShare) -> None:
        try:
            self.visit.withdraw(share.id)
        except Exception as error:
            self.chrome.failed(error)
            return
        self.chrome.say(f"Withdrawn: {share.adviser_words} no longer sees {items_words(share.items)}.")
        self.outcome.value = ""
        self.refresh()

    def refresh(self) -> None:
        """Redraw the shares in force from the store (another tab may have changed them)."""
        if not self.visit.known:
            self.current.children = ()
            return
        try:
            shares = self.visit.adviser_shares(reread=True)
        except Exception as error:
            self.current.children = (widgets.HTML(f'<p class="se-alert">{escape(failure_message(error))}</p>'),)
            return
        if not shares:
            self.current.children = (widgets.HTML("<p>Nothing: no advisor sees anything of yours.</p>"),)
            return
        rows: list[widgets.Widget] = []
        now = datetime.now(UTC)
        for share in shares:
            expired = share.expired(now)
            whom = (
                share.adviser_words if share.adviser_name else f"the code of {made_on_words(share.created_at.date())}"
            )
            button = widgets.Button(description=f"{'Remove' if expired else 'Withdraw'}: {whom}")
            button.on_click(lambda _b, share=share: self.withdraw(share))
            rows.append(widgets.HTML(f'<p class="se-share-line">{share_words(share, now)}</p>'))
            rows.append(button)
        self.current.children = tuple(rows)
