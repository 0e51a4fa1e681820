"""Sharing with an adviser without a browser: a student previews, shares and withdraws on the plan page and
the start page; the adviser's page shows only what is shared with that adviser, escaped, with private notes.
Values "from the page" are set as a comm message sets them (`set_state`), so forged ones meet the real checks."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import date

import ipywidgets as widgets
import pytest

from selfexplore import settings
from selfexplore.content import Content
from selfexplore.errors import InputError
from selfexplore.services.adviser import AdviserService
from selfexplore.serving.identity import ADVISER_ROLE, signed_in_adviser
from selfexplore.store import Store
from selfexplore.ui.advisees import AdviseesView, service_for
from selfexplore.ui.balance import BalanceView
from selfexplore.ui.plan import PlanView
from selfexplore.ui.sharing import CODE, ShareControl
from selfexplore.ui.start import StartView
from tests.ui.widgets import Opened, downloaded, find, html_of, started

PROXY = {
    "SELFEXPLORE_TRUSTED_HEADER": "X-Remote-User",
    settings.ADVISERS.name: json.dumps({"lee": "Dr Lee (Society A)", "kim": "Dr Kim (Society B)"}),
}
LEE_PAGE = {settings.ROLE.name: ADVISER_ROLE, settings.ADVISER.name: "lee"}
KIM_PAGE = {settings.ROLE.name: ADVISER_ROLE, settings.ADVISER.name: "kim"}


def adviser_page(content: Content, store: Store, environ: dict[str, str]) -> AdviseesView:
    """The adviser page a server with `environ` shows, over the test's store."""
    return AdviseesView(content, service_for(content, environ, lambda c, a, d: AdviserService(c, store, a, d)))


def signed_in(content: Content, store: Store, name: str = "ann") -> Opened:
    return Opened(content, store, {**PROXY, "HTTP_X_REMOTE_USER": name})


def mark_a_reflection(opened: Opened, text: str) -> None:
    view = opened.go("page=balance")
    assert isinstance(view, BalanceView)
    reflection = view.reflections["balance_week"]
    reflection.text.set_state({"value": text})
    reflection.share_adviser.set_state({"value": True})
    assert "who sees it only once you share your reflections" in opened.status


def sharing_on_plan(opened: Opened) -> ShareControl:
    view = opened.go("page=plan")
    assert isinstance(view, PlanView) and view.sharing is not None
    return view.sharing


def shared_with_lee(opened: Opened, marked: str, *items: str) -> tuple[ShareControl, str]:
    """A reflection marked for the adviser, then `items` shared with Dr Lee on the plan page after a
    preview; the control, and the preview the student saw."""
    mark_a_reflection(opened, marked)
    control = sharing_on_plan(opened)
    choose(control, "lee")
    tick(control, *items)
    control.show_preview()
    previewed: str = control.preview.value
    control.confirm.click()
    return control, previewed


def choose(control: ShareControl, adviser: str) -> None:
    control.adviser.set_state({"index": [value for _, value in control.adviser.options].index(adviser)})


def tick(control: ShareControl, *items: str) -> None:
    for item in items:
        control.boxes[item].set_state({"value": True})  # type: ignore[index]


class TestTheStudentShares:
    def test_nothing_is_shared_before_a_preview_and_a_confirmation(self, content: Content, store: Store) -> None:
        opened = signed_in(content, store)
        mark_a_reflection(opened, "<img src=x onerror=alert(1)> evenings")
        control = sharing_on_plan(opened)
        tick(control, "reflections")
        assert control.confirm.disabled
        control.share()  # a forged click before any preview
        assert store.advisees("lee") == [] and store.advisees("kim") == []
        control.show_preview()  # nobody is picked for the student
        assert "Choose who to share with first" in control.preview.value and control.confirm.disabled
        choose(control, "kim")
        control.show_preview()
        assert "&lt;img src=x" in control.preview.value and "<img src=x" not in control.preview.value
        assert "Dr Kim (Society B)" in control.preview.value
        assert "<strong>ann</strong>, your school sign-in name" in control.preview.value
        assert not control.confirm.disabled

    def test_a_choice_changed_after_the_preview_needs_a_new_preview(self, content: Content, store: Store) -> None:
        opened = signed_in(content, store)
        control = sharing_on_plan(opened)
        choose(control, "kim")
        tick(control, "plan")
        control.show_preview()
        tick(control, "matches")
        assert control.confirm.disabled and control.preview.value == ""
        control.share()
        assert store.advisees("kim") == []
        assert "Preview what your advisor will see first" in opened.status

    def test_the_adviser_sees_what_the_preview_showed_and_nothing_once_withdrawn(
        self, content: Content, store: Store
    ) -> None:
        opened = signed_in(content, store)
        control, previewed = shared_with_lee(opened, "I want <em>evenings</em> free", "reflections", "plan")
        assert "Shared with Dr Lee (Society A) until" in opened.status and "Nobody else sees it" in opened.status
        assert "Dr Lee (Society A) sees the reflections you marked for them and your plan" in html_of(control.current)

        adviser = adviser_page(content, store, LEE_PAGE)
        assert "<strong>ann</strong> shares" in html_of(adviser.listing)
        assert "New: not opened yet" in html_of(adviser.listing)
        find(adviser.listing, widgets.Button, "Open: ann").click()
        shown = html_of(adviser.detail)
        body = previewed.split('<div class="se-shared">', 1)[1].rsplit("</div></section>", 1)[0]
        assert body and body in shown  # exactly what the student saw
        assert "I want &lt;em&gt;evenings&lt;/em&gt; free" in shown
        assert "data:" not in shown  # no copy in the page until the adviser asks for one
        find(adviser.detail, widgets.Button, "Prepare a download (HTML, to print or keep)").click()
        made = html_of(adviser.detail)
        kept = downloaded(made, next(w for w in made.split('"') if w.startswith("selfexplore-shared-")))
        assert kept.startswith("<!DOCTYPE html>") and "<h2>My reflections</h2>" in kept
        assert "I want &lt;em&gt;evenings&lt;/em&gt; free" in kept
        assert "No change since you last looked" in html_of(adviser.listing)
        assert adviser_page(content, store, KIM_PAGE).listing.children[0].value.startswith("<p>No student")

        find(control.current, widgets.Button, "Withdraw: Dr Lee (Society A)").click()
        assert "Withdrawn: Dr Lee (Society A) no longer sees" in opened.status
        # Hosting review of 5 December 2026, F1: the open page follows the withdrawal by itself, download too.
        adviser.start_live(interval=0.05)
        try:
            deadline = time.monotonic() + 20
            while "no longer shares" not in html_of(adviser.detail) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            adviser.stop()
        assert "no longer shares anything with you" in html_of(adviser.detail)
        assert "No student shares anything with you now" in html_of(adviser.listing)
        assert "no longer shares anything with you" in html_of(adviser.detail)
        assert "evenings" not in html_of(adviser.widget)
        assert "evenings" not in html_of(adviser_page(content, store, LEE_PAGE).widget)

    def test_a_download_asked_for_after_the_student_withdrew_holds_nothing(
        self, content: Content, store: Store
    ) -> None:
        opened = signed_in(content, store)
        control, _previewed = shared_with_lee(opened, "my secret plans", "reflections")
        adviser = adviser_page(content, store, LEE_PAGE)
        find(adviser.listing, widgets.Button, "Open: ann").click()
        assert "my secret plans" in html_of(adviser.detail)
        find(control.current, widgets.Button, "Withdraw: Dr Lee (Society A)").click()
        adviser.prepare_download()  # pressed before the page's next read
        assert "no longer shares anything with you" in html_of(adviser.detail)
        assert "my secret plans" not in html_of(adviser.widget) and "data:" not in html_of(adviser.widget)

    def test_a_forged_adviser_or_duration_is_refused(self, content: Content, store: Store) -> None:
        opened = signed_in(content, store)
        visit = opened.app.visit
        for adviser, days in (("mallory", 30), ("lee", 3650)):
            try:
                visit.preview_share(["plan"], adviser, days, date.today())
            except Exception as error:
                assert "advisor" in str(error) or "days" in str(error)
            else:
                raise AssertionError("a forged choice was accepted")
        assert store.advisees("mallory") == [] and store.advisees("lee") == []

    def test_only_the_last_preview_with_the_answers_unchanged_is_shared(self, content: Content, store: Store) -> None:
        opened = signed_in(content, store)
        visit = opened.app.visit
        with pytest.raises(InputError, match="Preview what your advisor will see first"):
            visit.share(None)
        first = visit.preview_share(["plan"], "lee", 30, date.today())
        second = visit.preview_share(["plan", "matches"], "kim", 7, date.today())
        with pytest.raises(InputError, match="Preview what your advisor will see first"):
            visit.share(first)  # an older preview than the one on screen
        visit.save_answer("i01", 5)  # the answers changed under the preview shown
        with pytest.raises(InputError, match="Preview what your advisor will see first"):
            visit.share(second)
        assert store.advisees("lee") == [] and store.advisees("kim") == []
        made, code = visit.share(visit.preview_share(["plan"], "kim", 7, date.today()))
        assert code is None and made.adviser_name == "kim" and made.items == ("plan",)
        with pytest.raises(InputError, match="Preview what your advisor will see first"):
            visit.share(second)  # a preview shares once

    def test_a_standalone_student_makes_an_adviser_code(self, content: Content, store: Store) -> None:
        opened = started(content, store)
        mark_a_reflection(opened, "my own words")
        control = sharing_on_plan(opened)
        assert [value for _, value in control.adviser.options] == [CODE]  # no advisers named: a code only
        tick(control, "reflections")
        control.show_preview()
        assert "carries no name" in control.preview.value
        control.confirm.click()
        assert "se-code" in control.outcome.value and "Advisor code made" in opened.status
        code = control.outcome.value.split('class="se-code"', 1)[1].split(">", 1)[1].split("<", 1)[0]
        assert "not entered by any advisor yet" in html_of(control.current)

        lee, kim = adviser_page(content, store, LEE_PAGE), adviser_page(content, store, KIM_PAGE)
        lee.code.set_state({"value": code})
        lee.redeem()
        assert "my own words" in html_of(lee.detail)
        assert "Student " in html_of(lee.listing) and "shared with an advisor code" in html_of(lee.listing)
        kim.code.set_state({"value": code})
        kim.redeem()
        assert "opens nothing" in kim.status.value and "my own words" not in html_of(kim.widget)
        control.refresh()
        assert "lee (through your advisor code) sees" in html_of(control.current)

    def test_the_start_page_shares_and_withdraws_too(self, content: Content, store: Store) -> None:
        opened = signed_in(content, store)
        view = opened.view
        assert isinstance(view, StartView) and view.sharing is not None
        assert "Your Society advisor sees only what you choose to share" in view.about.value
        tick(view.sharing, "matches")
        choose(view.sharing, "kim")
        view.sharing.show_preview()
        view.sharing.confirm.click()
        assert len(store.advisees("kim")) == 1
        # The plan page shows the same share, and withdraws it.
        plan = sharing_on_plan(opened)
        find(plan.current, widgets.Button, "Withdraw: Dr Kim (Society B)").click()
        assert store.advisees("kim") == []


class TestTheAdviserPage:
    def test_without_the_adviser_role_nothing_is_read_or_shown(self, content: Content, store: Store) -> None:
        for environ in (
            {},
            {settings.ADVISER.name: "lee"},
            {settings.ROLE.name: "facilitator", settings.ADVISER.name: "lee"},
        ):
            assert service_for(content, environ, lambda *_: pytest.fail("a service was made")) is None
        view = AdviseesView(content, None)
        assert "This page is for advisors" in html_of(view.widget)

    def test_under_a_hub_only_members_of_the_advisers_group_see_it(self) -> None:
        environ = {
            settings.ROLE.name: ADVISER_ROLE,
            "JUPYTERHUB_USER": "lee",
            "JUPYTERHUB_API_URL": "http://127.0.0.1:8081/hub/api",
            "JUPYTERHUB_API_TOKEN": "t",
            settings.ADVISER_GROUP.name: "advisers",
        }

        def hub(groups: list[str]) -> object:
            def fetch(_request: urllib.request.Request) -> bytes:
                return json.dumps({"name": "lee", "groups": groups}).encode()

            return fetch

        assert signed_in_adviser(environ, hub(["advisers"])) == "lee"  # type: ignore[arg-type]
        assert signed_in_adviser(environ, hub(["students"])) is None  # type: ignore[arg-type]
        assert signed_in_adviser({**environ, settings.ADVISER_GROUP.name: ""}, hub(["advisers"])) is None  # type: ignore[arg-type]
        # Under a hub the name is the hub's user, never a name set beside it.
        assert signed_in_adviser({**environ, settings.ADVISER.name: "kim"}, hub(["advisers"])) == "lee"  # type: ignore[arg-type]

    def test_notes_are_saved_for_this_adviser_only(self, content: Content, store: Store) -> None:
        student = store.create_student().student
        with_lee, _ = store.share_with_adviser(student, ["plan"], 30, adviser=("lee", "Dr Lee"))
        with_kim, _ = store.share_with_adviser(student, ["plan"], 30, adviser=("kim", "Dr Kim"))
        lee = adviser_page(content, store, LEE_PAGE)
        lee.open(with_lee.id)
        lee.note.set_state({"value": "<script>x</script> talked about surgery"})
        assert "Note saved" in lee.note_status.value
        assert store.adviser_note("lee", with_lee.id) == "<script>x</script> talked about surgery"
        kim = adviser_page(content, store, KIM_PAGE)
        kim.open(with_kim.id)
        assert kim.note.value == ""
        kim.open(with_lee.id)  # a forged open of another adviser's share
        assert "no longer shares" in html_of(kim.detail) and "surgery" not in html_of(kim.widget)

    def test_a_note_typed_after_the_student_withdrew_is_not_kept(self, content: Content, store: Store) -> None:
        student = store.create_student().student
        share, _ = store.share_with_adviser(student, ["plan"], 30, adviser=("lee", "Dr Lee"))
        lee = adviser_page(content, store, LEE_PAGE)
        lee.open(share.id)
        store.withdraw_share(student, share.id)
        lee.note.set_state({"value": "too late"})
        assert "Your note was not saved" in html_of(lee.detail)

    def test_a_code_redeemed_shows_the_student_the_advisers_display_name(self, content: Content, store: Store) -> None:
        student = store.create_student().student
        share, code = store.share_with_adviser(student, ["plan"], 7)
        assert code is not None
        lee = adviser_page(content, store, {**LEE_PAGE, settings.ADVISERS.name: PROXY[settings.ADVISERS.name]})
        lee.code.set_state({"value": code})
        lee.redeem()
        (shared,) = store.adviser_shares_of(student)
        assert shared.id == share.id and shared.adviser_words == "Dr Lee (Society A)"
