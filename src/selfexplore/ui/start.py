"""The start page: what the workbook is, how answers are kept and who sees them, a new resume code or
resuming with one, joining a group session, and the student's own data (download, delete, sign out)."""

from __future__ import annotations

import json
from html import escape

import ipywidgets as widgets

from selfexplore.markup import download_link
from selfexplore.records import IdentityError
from selfexplore.ui.chrome import failure_message, link
from selfexplore.ui.page import PageContext, PageView
from selfexplore.ui.sharing import ShareControl
from selfexplore.workbook import PageSpec, Route

# What the workbook gives and how long it takes, then the way in: both on the first screen of a phone
# (walk review of 5 December 2026: the button was two screens down). How answers are kept comes after.
INTRO = """
<h1>Explore who you are before you choose</h1>
<p>About fifteen minutes of questions on the work that draws you and what matters to you around it. Then
the specialties and career paths that fit your answers, each with reasons you can check, and a plan to
bring to your Society advisor. Writing in your own words takes as long as you like.</p>
"""

ABOUT = """
<h2>How your answers are kept</h2>
<ul>
<li>Each answer is saved the moment you give it; you can stop at any time and come back.</li>
<li>You are known only by a resume code (or by your school sign-in when the workbook runs on the school's
server). The workbook never asks for your name or anything about who you are.</li>
<li>Nobody sees your answers unless you share them. A facilitator running a group session sees only counts
for the whole group, and nothing about groups smaller than five.</li>
<li>Your Society advisor sees only what you choose to share with them, below or on the My plan page, after
a preview of exactly what they will see, and only until you withdraw it or it expires.</li>
<li>What you write in your own words stays private unless you tick a box to share that one reflection; a
reflection marked for your advisor reaches them only once you share your reflections with them.</li>
<li>You can download everything the workbook holds about you, or delete it, from this page.</li>
</ul>
"""


SIGN_OUT_FAILED = (
    "You are still signed in: the sign-out could not be recorded just now. Try again in a minute. Until then, "
    "if this is a shared computer, close every window of this browser when you leave."
)


class StartView(PageView):
    def __init__(self, context: PageContext, spec: PageSpec) -> None:
        super().__init__(context, spec)
        self.intro = widgets.HTML(INTRO)
        self.about = widgets.HTML(ABOUT)
        self.message = widgets.HTML()
        # Not signed in yet: a new workbook, or resume with a code.
        self.new = widgets.Button(description="Start a new workbook", button_style="primary")
        self.code = widgets.Text(description="Resume code", placeholder="for example 7KQD-9M2X-4TRB-HZ8P-N")
        self.resume = widgets.Button(description="Resume")
        self.new.on_click(lambda _b: self.start_new())
        self.resume.on_click(lambda _b: self.resume_with_code())
        self.entry = widgets.VBox(
            [
                widgets.HTML("<h2>New here?</h2>"),
                self.new,
                widgets.HTML("<h2>Coming back?</h2><p>Type the resume code you were given.</p>"),
                self.code,
                self.resume,
            ]
        )
        # Signed in: go on, join a group, share with an adviser, your data.
        self.welcome = widgets.HTML()
        self.sharing_box = widgets.VBox()
        self.sharing: ShareControl | None = None
        self._sharing_for = -1  # the visit's generation the control was built for
        self.join_code = widgets.Text(description="Group session code", placeholder="for example K7Q-D9M")
        self.join = widgets.Button(description="Join the session")
        self.join.on_click(lambda _b: self.join_session())
        self.download = widgets.Button(description="Prepare a download of my data")
        self.download_link = widgets.HTML()
        self.download.on_click(lambda _b: self.prepare_download())
        self.confirm = widgets.Checkbox(
            value=False, description="I understand that deleting removes all my answers for good", indent=False
        )
        self.delete = widgets.Button(description="Delete all my data", button_style="danger")
        self.delete.on_click(lambda _b: self.delete_everything())
        self.retake = widgets.Button(description="Take the workbook again (a new attempt)")
        self.retake.on_click(lambda _b: self.take_again())
        self.sign_out = widgets.Button(description="Sign out everywhere")
        self.sign_out.on_click(lambda _b: self.leave())
        self.hosted_sign_out = widgets.HTML()  # under a hub: its sign-out, which is the hub's to do
        deleting = widgets.VBox(
            [
                widgets.HTML(
                    "<h3>Delete everything</h3><p>Your answers, reflections, plan and shares are deleted. A group "
                    "session you joined keeps only when you answered, never what, so that its totals do not "
                    "change in a way that shows what someone else answered.</p>"
                ),
                self.confirm,
                self.delete,
            ]
        )
        deleting.add_class("se-group")
        self.account = widgets.VBox(
            [
                self.welcome,
                widgets.HTML(
                    "<h2>Joining a group session (optional)</h2><p>If a facilitator gave your group a code, "
                    "type it here. The session sees only anonymous totals, and the reflections you choose to share "
                    "while you are in it.</p>"
                ),
                self.join_code,
                self.join,
                self.sharing_box,
                widgets.HTML(
                    "<h2>Taking it again</h2><p>Interests change, often more than once before the Match. A new "
                    "attempt starts with empty answers; your earlier attempts are kept, and the matches page "
                    "shows how your answers moved.</p>"
                ),
                self.retake,
                widgets.HTML("<h2>Your data</h2>"),
                self.download,
                self.download_link,
                deleting,
                self.sign_out,
                self.hosted_sign_out,
            ]
        )
        self.body = widgets.VBox()
        self.show(self.intro, self.message, self.body, self.about)
        self.draw()

    def shown(self, route: Route) -> None:
        self.draw()

    # --- what is shown ---------------------------------------------------------------------------

    def draw(self) -> None:
        visit = self.visit
        # The introduction is for a student who has not begun: once signed in, their resume code, or the way
        # on, is the first thing under the steps.
        self.intro.layout.display = "none" if visit.known else None
        if visit.known:
            self.body.children = [self.account]
            self.welcome.value = self._welcome()
            if self.sharing is None or self._sharing_for != visit.generation:
                # This page stays on screen while the student signs in and out: a new student gets a new
                # control, with nothing of the one before ticked or previewed.
                self.sharing = ShareControl(visit, self.chrome)
                self._sharing_for = visit.generation
                self.sharing_box.children = (self.sharing.widget,)
            self.sharing.refresh()
            # A hub or proxy sign-in is not ours to end: the hub's own page ends it, where the hub says.
            self.sign_out.layout.display = "none" if visit.hosted else None
            self.hosted_sign_out.value = sign_out_paragraph(visit.sign_out_url) if visit.hosted else ""
        else:
            self.body.children = [self.entry]
            if visit.problem:
                self.message.value = f'<p class="se-alert" role="alert">{escape(visit.problem)}</p>'

    def _welcome(self) -> str:
        number = self.visit.attempt.number if self.visit.attempt is not None else 1
        attempt = f" This is attempt {number}." if number > 1 else ""
        return (
            f'<div class="se-notice"><p>Your workbook is open. Answers are saved as you go.{attempt}</p>'
            f"<p>{link(Route('interests'), 'Continue to the questions', 'se-button se-next')}</p></div>"
        )

    def _say(self, text: str, alert: bool = False) -> None:
        role = ' role="alert" class="se-alert"' if alert else ""
        self.message.value = f"<p{role}>{escape(text)}</p>"

    def _signed_in_or_out(self) -> None:
        self.context.identity_changed()
        self.draw()

    # --- events ----------------------------------------------------------------------------------

    def start_new(self) -> None:
        if self.visit.known:
            return
        try:
            code = self.visit.start_new()
        except Exception as error:
            self._say(f"The workbook could not be started. {failure_message(error)}", alert=True)
            return
        self.message.value = (
            '<div class="se-notice"><h2>Your resume code</h2>'
            f'<p class="se-code se-resume-code" aria-label="Your resume code is {escape(" ".join(code), quote=True)}">'
            f"{escape(code)}</p><p>Write it down or keep it somewhere safe now. It is the only way back to your "
            "answers from another browser or another day, and it cannot be shown again: the workbook keeps only "
            "a scrambled form of it.</p></div>"
        )
        self._signed_in_or_out()

    def resume_with_code(self) -> None:
        if self.visit.known:
            return
        try:
            self.visit.resume(self.code.value)
        except IdentityError as error:
            self._say(str(error), alert=True)
            return
        except Exception as error:
            self._say(failure_message(error), alert=True)
            return
        self.code.value = ""
        self._say("Welcome back: your answers are all here.")
        self._signed_in_or_out()

    def join_session(self) -> None:
        if not self.visit.known:
            return
        try:
            joined = self.visit.join(self.join_code.value)
        except Exception as error:
            self._say(failure_message(error), alert=True)
            return
        self.join_code.value = ""
        self._say(f"You joined the group session “{joined.name}”.")

    def take_again(self) -> None:
        if not self.visit.known:
            return
        try:
            attempt = self.visit.new_attempt()
        except Exception as error:
            self._say(failure_message(error), alert=True)
            return
        self._say(f"Attempt {attempt.number} has started with empty answers; your earlier attempts are kept.")
        self._signed_in_or_out()

    def prepare_download(self) -> None:
        if not self.visit.known:
            return
        try:
            exported = self.visit.export()
        except Exception as error:
            self._say(failure_message(error), alert=True)
            return
        data = json.dumps(exported, indent=2, ensure_ascii=False)
        self.download_link.value = (
            f"<p>{download_link('selfexplore-my-data.json', 'application/json', data, 'Download my data (JSON)')}</p>"
        )

    def delete_everything(self) -> None:
        if not self.visit.known:
            return
        if self.confirm.value is not True:
            self._say("Tick the box above first, to confirm that you want to delete everything.", alert=True)
            return
        hosted = self.visit.hosted
        try:
            self.visit.delete()
        except Exception as error:
            self._say(f"Nothing was deleted. {failure_message(error)}", alert=True)
            return
        self.confirm.value = False
        self.download_link.value = ""
        self.context.identity_changed()
        if hosted:
            # Signed in by the school's server: a fresh, empty workbook begins at the next page load.
            self.body.children = []
            self._say("Everything the workbook held about you has been deleted. Reload the page to begin again.")
            return
        self._say("Everything the workbook held about you has been deleted.")
        self.draw()

    def leave(self) -> None:
        if self.visit.hosted:  # the hub's or proxy's sign-in is not ours to end
            return
        try:
            self.visit.sign_out()
        except Exception:
            self._say(SIGN_OUT_FAILED, alert=True)
            return
        self._say("You are signed out on every device and browser. Your answers stay saved under your resume code.")
        self._signed_in_or_out()


def sign_out_paragraph(url: str | None) -> str:
    """The hosting's sign-out, on the start page (nothing where the hosting names none)."""
    if not url:
        return ""
    return (
        f'<p><a class="se-button" href="{escape(url, quote=True)}">Sign out</a> of the school\'s workbook server '
        "in this browser (on a shared computer, before you leave it). Your answers stay saved.</p>"
    )
