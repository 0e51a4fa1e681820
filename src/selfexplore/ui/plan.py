"""My plan: suggested next steps, each kept or set aside by the student, with a note and a target month;
and the report, downloadable as HTML and JSON."""

from __future__ import annotations

import base64
import json
from datetime import date
from html import escape

import ipywidgets as widgets

from selfexplore.plan import Step, merge, month_choices, suggest
from selfexplore.report import render_report_html, report_for, report_json
from selfexplore.results import build_results
from selfexplore.store import NOTE_LIMIT
from selfexplore.ui.chrome import Chrome, frame, mark, not_signed_in, page_heading
from selfexplore.ui.session import Session

_CHOICES = (("Keep this step", "accepted"), ("Not now", "dismissed"))
NO_MONTH = "none"


class StepControl:
    """One step: keep it or not, a note of the student's own, and a month to aim for; saved on each change."""

    def __init__(self, session: Session, step: Step, months: tuple[tuple[str, str], ...], chrome: Chrome) -> None:
        self.session = session
        self.step = step
        self.chrome = chrome
        self._loading = True
        suggestion = step.suggestion
        self.info = widgets.HTML(
            f'<p class="se-step-why">{escape(suggestion.why)}</p>'
            + (f'<p class="se-step-how"><em>How:</em> {escape(suggestion.how)}</p>' if suggestion.how else "")
        )
        self.choice = widgets.RadioButtons(
            options=list(_CHOICES),
            value=step.status if step.status in ("accepted", "dismissed") else ("accepted" if step.kept else None),
            description=suggestion.title,
            orientation="horizontal",
            layout=widgets.Layout(width="100%"),
        )
        self.choice.add_class("se-question")
        self.note = widgets.Text(
            value=step.note,
            description="My note",
            placeholder="for example who to email first",
            continuous_update=False,
        )
        options = [("No month yet", NO_MONTH), *months]
        if step.target_month and step.target_month not in dict(months).values():
            options.append((step.target_month, step.target_month))  # a month saved earlier stays visible
        self.month = widgets.Dropdown(options=options, value=step.target_month or NO_MONTH, description="Aim for")
        for control in (self.choice, self.note, self.month):
            mark(control, suggestion.id)
            control.observe(self._save, names="value")
        self.widget = widgets.VBox([self.choice, self.info, self.note, self.month], layout=widgets.Layout(width="100%"))
        self.widget.add_class("se-plan-step")
        self._loading = False

    def _save(self, _change: object = None) -> None:
        if self._loading or self.session.attempt is None:
            return
        status = self.choice.value
        note = self.note.value if isinstance(self.note.value, str) else ""
        if status not in ("accepted", "dismissed"):
            status = "edited" if note.strip() else "suggested"
        elif status == "accepted" and note.strip():
            status = "edited"
        month = self.month.value if self.month.value != NO_MONTH else None
        if len(note) > NOTE_LIMIT:
            self.chrome.say(f"A note can hold {NOTE_LIMIT} characters; shorten it to save it.", self.step.suggestion.id)
            return
        try:
            self.session.store.save_plan_step(self.session.attempt, self.step.suggestion.id, status, note, month)
        except Exception as error:
            self.chrome.failed(error, self.step.suggestion.id)
            return
        words = {"accepted": "kept", "edited": "kept, with your note", "dismissed": "set aside", "suggested": "noted"}
        self.chrome.saved(f"the step “{self.step.suggestion.title}” ({words[status]})", self.step.suggestion.id)


class PlanView:
    def __init__(self, session: Session, chrome: Chrome | None = None, today: date | None = None) -> None:
        self.session = session
        self.today = today or date.today()
        self.chrome = chrome if chrome is not None else Chrome(session, "plan")
        heading = page_heading(
            "My plan",
            "Next steps drawn from your matches, your closest career path and the challenges you ticked. Keep the "
            "ones you want, set the others aside, add a note and a month to aim for. Bring the plan to your "
            "Society advisor: download it as a report below.",
        )
        self.steps: list[StepControl] = []
        self.report_links = widgets.HTML()
        self.prepare = widgets.Button(description="Prepare my report", button_style="primary")
        self.prepare.on_click(lambda _b: self.prepare_report())
        if not session.known or session.attempt is None:
            self.widget = frame(self.chrome, heading, not_signed_in(session))
            return
        answers = session.answers()
        results = build_results(session.content, answers)
        challenges = answers.get("challenges", ())
        saved = {s.step_id: (s.status, s.note, s.target_month) for s in session.store.plan(session.attempt)}
        plan = merge(suggest(session.content, results, challenges if isinstance(challenges, tuple) else ()), saved)
        months = month_choices(self.today)
        self.steps = [StepControl(session, step, months, self.chrome) for step in plan]
        notice = widgets.HTML(
            ""
            if results.trustworthy
            else '<div class="se-notice" role="note"><p>Steps for particular specialties and paths appear once '
            "you have answered more of the questions on the Interests and Values pages.</p></div>"
        )
        self.widget = frame(
            self.chrome,
            heading,
            notice,
            *[control.widget for control in self.steps],
            widgets.HTML(
                "<h2>My report</h2><p>One page with your matches and their reasons, the steps you kept and the "
                "reflections you ticked for the report; nothing that names you. It prints cleanly.</p>"
            ),
            self.prepare,
            self.report_links,
        )

    def prepare_report(self) -> None:
        if self.session.student is None:
            return
        try:
            report = report_for(self.session.store, self.session.student, self.today)
        except Exception as error:
            self.chrome.failed(error)
            return
        html = base64.b64encode(render_report_html(self.session.content, report).encode()).decode()
        data = json.dumps(report_json(self.session.content, report), indent=2, ensure_ascii=False)
        encoded = base64.b64encode(data.encode()).decode()
        name = f"selfexplore-report-attempt-{report.attempt}"
        self.report_links.value = (
            f'<ul><li><a download="{name}.html" href="data:text/html;base64,{html}">Download my report (HTML, '
            f'prints cleanly)</a></li><li><a download="{name}.json" href="data:application/json;base64,{encoded}">'
            "Download my report as data (JSON)</a></li></ul>"
        )
        self.chrome.say("Your report is ready to download.")
