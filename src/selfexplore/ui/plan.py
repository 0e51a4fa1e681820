"""My plan: suggested next steps, each kept or set aside by the student, with a note and a target month;
and the report, downloadable as HTML and JSON."""

from __future__ import annotations

import json
from datetime import date
from html import escape

import ipywidgets as widgets

from selfexplore.markup import download_link
from selfexplore.plan import PLAN_CHOICES, Step, month_choices, month_label, status_words
from selfexplore.report import render_report_html, report_json
from selfexplore.services.visit import Visit
from selfexplore.support import contact_html
from selfexplore.ui.chrome import Chrome, Quiet, mark, not_signed_in, page_heading
from selfexplore.ui.page import PageContext, PageView
from selfexplore.ui.sharing import ShareControl
from selfexplore.workbook import PageSpec, Route

_CHOICES = (("Keep this step", "accepted"), ("Not now", "dismissed"))
NO_MONTH = "none"
SAME_REASON = "For the same reason as the step above."


class StepControl:
    """One step: keep it or not, a note of the student's own, and a month to aim for; saved on each change."""

    def __init__(
        self, visit: Visit, step: Step, months: tuple[tuple[str, str], ...], chrome: Chrome, *, why_shown: bool = True
    ) -> None:
        """`why_shown=False` for a step right after one with the same reason, which is then said once, at the
        first step it explains (walk review: five steps each said "your match number 1 (fit 95)")."""
        self.visit = visit
        self.step = step
        self.chrome = chrome
        self.quiet = Quiet()
        suggestion = step.suggestion
        # The step, and why it is suggested, come before the choice about it; the choice's own label (the
        # step's title again) is for screen readers only, so the title is not read out twice on screen.
        self.info = widgets.HTML(
            f'<h3 class="se-step-title">{escape(suggestion.title)}</h3>'
            + f'<p class="se-step-why">{escape(suggestion.why) if why_shown else SAME_REASON}</p>'
            + (
                f'<p class="se-step-how"><em>{suggestion.how_label}:</em> {escape(suggestion.how)}'
                f"{contact_html(suggestion.contact)}</p>"
                if suggestion.how
                else ""
            )
        )
        self.choice = widgets.RadioButtons(
            options=list(_CHOICES),
            value=step.choice,
            description=suggestion.title,
            orientation="horizontal",
            layout=widgets.Layout(width="100%"),
        )
        self.choice.add_class("se-question")
        self.choice.add_class("se-label-for-screen-readers")
        self.note = widgets.Text(
            value=step.note,
            description="My note",
            placeholder="for example who to email first",
            continuous_update=False,
        )
        options = [("No month yet", NO_MONTH), *months]
        if step.target_month and step.target_month not in dict(months).values():
            # A month saved earlier stays visible, even once it has passed.
            options.append((month_label(step.target_month), step.target_month))
        self.month = widgets.Dropdown(options=options, value=step.target_month or NO_MONTH, description="Aim for")
        for control in (self.choice, self.note, self.month):
            mark(control, suggestion.id)
            control.observe(self._save, names="value")
        self.widget = widgets.VBox([self.info, self.choice, self.note, self.month], layout=widgets.Layout(width="100%"))
        self.widget.add_class("se-plan-step")

    def _save(self, _change: object = None) -> None:
        if self.quiet or not self.visit.known:
            return
        choice = self.choice.value if self.choice.value in PLAN_CHOICES else None
        month = self.month.value if self.month.value != NO_MONTH else None
        note = self.note.value
        saved = self.chrome.commit(
            self.step.suggestion.id,
            lambda: self.visit.choose_step(self.step, choice, note, month),
            lambda step: f"the step “{step.suggestion.title}” ({status_words(step)})",
            revert=self._show_saved_choice,
            reload=self._show_held,
        )
        if saved is not None:
            self.step = saved

    def _show_saved_choice(self) -> None:
        """The choice and the month as last saved (the note, typed text, is left as typed)."""
        with self.quiet():
            self.choice.value = self.step.choice
            self.month.value = self.step.target_month or NO_MONTH

    def _show_held(self) -> None:
        """The step as the store holds it, note included, after a save another tab's change refused."""
        held = self.visit.step(self.step.suggestion.id)
        if held is None:
            raise LookupError(self.step.suggestion.id)
        self.step = held
        self._show_saved_choice()
        with self.quiet():
            self.note.value = held.note


class PlanView(PageView):
    def __init__(self, context: PageContext, spec: PageSpec, today: date | None = None) -> None:
        super().__init__(context, spec)
        self.today = today or date.today()
        self.heading = page_heading(
            "My plan",
            "Next steps drawn from your matches, your closest career path and the challenges you ticked. Keep the "
            "ones you want, set the others aside, add a note and a month to aim for. Bring the plan to your "
            "Society advisor: download it as a report, or share it with them, below.",
        )
        self.steps: list[StepControl] = []
        self.notice = widgets.HTML()
        self.report_links = widgets.HTML()
        self.prepare = widgets.Button(description="Prepare my report", button_style="primary")
        self.prepare.on_click(lambda _b: self.prepare_report())
        self.report_part = widgets.VBox(
            [
                widgets.HTML(
                    "<h2>My report</h2><p>One page with your matches and their reasons, the steps you kept and the "
                    "reflections you ticked for the report; nothing that names you. It prints cleanly.</p>"
                ),
                self.prepare,
                self.report_links,
            ]
        )
        self.sharing: ShareControl | None = None
        if not self.visit.known:
            self.show(self.heading, not_signed_in(self.visit))

    def shown(self, route: Route) -> None:
        super().shown(route)
        if self.sharing is not None:
            self.sharing.refresh()  # shares may have changed on the start page, or in another tab

    def refresh(self) -> None:
        """The suggestions follow the answers: rebuilt when they changed (each step's choice is kept)."""
        if not self.visit.known:
            return
        months = month_choices(self.today)
        plan = self.visit.plan()
        self.steps = [
            StepControl(
                self.visit,
                step,
                months,
                self.chrome,
                why_shown=index == 0 or step.suggestion.why != plan[index - 1].suggestion.why,
            )
            for index, step in enumerate(plan)
        ]
        self.notice.value = (
            ""
            if self.visit.results().trustworthy
            else '<div class="se-notice" role="note"><p>Steps for particular specialties and paths appear once '
            "you have answered more of the questions on the Interests and Values pages.</p></div>"
        )
        self.report_links.value = ""
        # Built once: what is shared does not follow the answers, but a preview drawn from the answers before
        # does not show what would be shared now.
        if self.sharing is None:
            self.sharing = ShareControl(self.visit, self.chrome, self.today)
        else:
            self.sharing.forget_preview()
        self.show(
            self.heading,
            self.notice,
            *[control.widget for control in self.steps],
            self.report_part,
            self.sharing.widget,
        )

    def prepare_report(self) -> None:
        if not self.visit.known:
            return
        try:
            report = self.visit.report(self.today)
        except Exception as error:
            self.chrome.failed(error)
            return
        html = render_report_html(self.content, report)
        data = json.dumps(report_json(self.content, report), indent=2, ensure_ascii=False)
        name = f"selfexplore-report-attempt-{report.attempt}"
        self.report_links.value = (
            f"<ul><li>{download_link(f'{name}.html', 'text/html', html, 'Download my report (HTML, prints cleanly)')}"
            f"</li><li>{download_link(f'{name}.json', 'application/json', data, 'Download my report as data (JSON)')}"
            "</li></ul>"
        )
        self.chrome.say("Your report is ready to download.")
