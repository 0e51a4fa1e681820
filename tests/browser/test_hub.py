"""The workbook hosted for a class: a real JupyterHub (from PyPI) with configurable-http-proxy (from npm),
the school's config from deploy/jupyterhub as a host copies it, a PostgreSQL store, and people signing in
through the hub's login page in Chromium (the hub itself: tests/browser/hub.py).

Under CI a missing hub, proxy or database fails the run; elsewhere these tests skip with a message.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

import selfexplore
from selfexplore.content import load_content
from selfexplore.store import Store
from tests.browser.conftest import PageGuard, _missing, new_context, screenshots
from tests.browser.hub import (
    ADVISER,
    ADVISER_DISPLAY,
    CHP,
    DEPLOY_CONFIG,
    FACILITATOR,
    PASSWORD,
    SHARED_WORKBOOK,
    TEST_IDENTITY_KEY,
    Z2JH_CONFIG,
    Hub,
    processes_of,
    running_hub,
    sign_in_page,
)
from tests.browser.workbook import go_to, kernel_id, saved, shown
from tests.helpers import in_a_thread
from tests.store.postgres import PostgresUnavailable, postgres_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _hub(home: Path, deploy: Path, layout: str = "per-student") -> Iterator[Hub]:
    if not CHP.exists():
        _missing("configurable-http-proxy is not installed (npm ci installs it from package.json)")
    if shutil.which("jupyterhub", path=str(Path(sys.executable).parent)) is None:
        _missing("jupyterhub is not installed (pip install -e '.[test]')")
    try:
        database = postgres_server()
        db_url = database.__enter__()
    except PostgresUnavailable as error:
        _missing(str(error))
    try:
        with running_hub(home, db_url, deploy, layout) as running:
            yield running
    finally:
        database.__exit__(None, None, None)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """The hub of deploy/jupyterhub, the one-machine config, in its per-student layout."""
    yield from _hub(tmp_path_factory.mktemp("hub"), DEPLOY_CONFIG)


@pytest.fixture(scope="module")
def shared_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """The hub of deploy/jupyterhub in its default layout: one workbook service every student shares."""
    yield from _hub(tmp_path_factory.mktemp("shared-hub"), DEPLOY_CONFIG, "shared")


@pytest.fixture(scope="module")
def kubernetes_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A hub run from deploy/kubernetes/values.yaml, translated as the chart translates it."""
    yield from _hub(tmp_path_factory.mktemp("k8s-hub"), Z2JH_CONFIG)


def sign_in(browser: Browser, hub: Hub, user: str, lands: str | None = None) -> tuple[BrowserContext, PageGuard, Page]:
    """Sign in at the hub's login page, as a student does, and wait to land in what the hub serves them."""
    context = new_context(browser)
    guard = PageGuard.install(context)
    return context, guard, sign_in_page(context, hub, user, lands)


def signed_in_to_workbook(
    browser: Browser, hub: Hub, user: str, lands: str | None = None
) -> tuple[BrowserContext, PageGuard, Page]:
    context, guard, page = sign_in(browser, hub, user, lands)
    expect(page.locator(".se-app .se-view").first).to_be_visible()
    return context, guard, page


def assert_refused_the_facilitators_server(browser: Browser, hub: Hub, student: str) -> None:
    """A student signed in to the hub opens the facilitator's server and is refused it."""
    context, _, page = signed_in_to_workbook(browser, hub, student)
    response = page.goto(f"{hub.url}/user/{FACILITATOR}/")
    assert response is not None
    assert response.status in (403, 404), response.status
    assert page.locator(".se-dashboard").count() == 0
    context.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _without_redirects(url: str) -> tuple[int, str]:
    """The status of a GET and where it redirects to, without following it."""
    try:
        with urllib.request.build_opener(_NoRedirect()).open(url, timeout=30) as response:
            return int(response.status), ""
    except urllib.error.HTTPError as error:
        return int(error.code), error.headers.get("Location", "")


def running_commands(hub: Hub) -> list[tuple[psutil.Process, str]]:
    """Every process of this hub with its command line (those that end while being read left out)."""
    found = []
    for process in hub.processes():
        try:
            found.append((process, " ".join(process.cmdline())))
        except psutil.Error:
            continue
    return found


def answered(page: Page) -> str:
    return page.locator("#se-progress-label").first.inner_text()


class TestHostedClass:
    def test_two_students_sign_in_and_each_sees_only_their_own_answers(self, hub: Hub, browser: Browser) -> None:
        ann, ann_guard, ann_page = signed_in_to_workbook(browser, hub, "ann")
        # Signed in by the hub: no resume code is offered or asked for.
        expect(ann_page.get_by_role("button", name="Start a new workbook")).to_have_count(0)
        expect(ann_page.get_by_label("Resume code")).to_have_count(0)
        expect(ann_page.get_by_role("button", name="Sign out")).to_have_count(0)
        screenshots(ann_page, "hub-start")
        interests = go_to(ann_page, "interests")
        interests.get_by_role("radiogroup").nth(0).get_by_role("radio").nth(4).check()
        interests.get_by_role("radiogroup").nth(1).get_by_role("radio").nth(3).check()
        saved(ann_page, "statement 2 (")

        bob, bob_guard, bob_page = signed_in_to_workbook(browser, hub, "bob")
        expect(bob_page.get_by_role("button", name="Start a new workbook")).to_have_count(0)
        bob_interests = go_to(bob_page, "interests")
        radios = bob_interests.get_by_role("radiogroup").nth(0).get_by_role("radio")
        for index in range(5):
            expect(radios.nth(index)).not_to_be_checked()
        assert "0 of" in answered(bob_page)
        radios.nth(0).check()
        saved(bob_page, "statement 1 (")

        # Ann's page still holds her own answers only.
        ann_page.reload()
        shown(ann_page, "interests")
        expect(ann_page.locator("#se-progress-label").first).to_contain_text("2 of")
        for guard in (ann_guard, bob_guard):
            guard.check()
        ann.close()
        bob.close()

    def test_a_student_who_signs_in_again_later_finds_her_answers(self, hub: Hub, browser: Browser) -> None:
        first, guard, page = signed_in_to_workbook(browser, hub, "cora")
        values = go_to(page, "values")
        values.get_by_role("radiogroup").nth(0).get_by_role("radio").nth(1).check()
        saved(page, "statement 1 (")
        first.close()
        hub.stop("cora")

        later, later_guard, again = signed_in_to_workbook(browser, hub, "cora")
        expect(again.get_by_label("Resume code")).to_have_count(0)
        expect(again.locator("#se-progress-label").first).to_contain_text("1 of")
        back = go_to(again, "values")
        expect(back.get_by_role("radiogroup").nth(0).get_by_role("radio").nth(1)).to_be_checked()
        guard.check()
        later_guard.check()
        # On a shared computer she signs out from the workbook, through the hub (hosting review, F5).
        again.locator(".se-sign-out").get_by_role("link", name="Sign out").click()
        expect(again).to_have_url(re.compile(r"/hub/login"))
        later.close()

    def test_a_student_cannot_reach_another_students_server(self, hub: Hub, browser: Browser) -> None:
        owner, _, _ = signed_in_to_workbook(browser, hub, "dina")
        owner.close()
        context = new_context(browser)
        page = context.new_page()
        page.goto(f"{hub.url}/hub/login")
        page.get_by_label("Username").fill("eli")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{hub.url}/user/eli/")
        response = page.goto(f"{hub.url}/user/dina/")
        assert response is not None
        assert response.status in (403, 404), response.status
        assert page.locator(".se-app").count() == 0
        context.close()

    def test_a_student_shares_with_their_adviser_who_reads_it_until_it_is_withdrawn(
        self, hub: Hub, browser: Browser
    ) -> None:
        context, guard, page = signed_in_to_workbook(browser, hub, "nia")
        balance = go_to(page, "balance")
        balance.get_by_role("textbox").first.fill("Hub <i>words</i> for my advisor")
        saved(page, "(private)")
        balance.get_by_role("checkbox", name="Mark this for my Society advisor").first.check()
        saved(page, "sees it only once you share your reflections")
        plan = go_to(page, "plan")
        plan.get_by_role("checkbox", name="The reflections I marked for my Society advisor").check()
        # The advisers are the hub group's members, by the names the group gives them.
        plan.get_by_label("Share with", exact=True).select_option(label=ADVISER_DISPLAY)
        plan.get_by_role("button", name="Preview what my advisor will see").click()
        expect(plan.locator(".se-preview")).to_contain_text("They will see it as from nia")
        plan.get_by_role("button", name="Share it").click()
        saved(page, f"Shared with {ADVISER_DISPLAY} until")

        # The adviser signs in to the hub and lands on their page, where the student is, by name.
        adviser, adviser_guard, reading = sign_in(browser, hub, ADVISER)
        expect(reading.locator(".se-advisees")).to_be_visible()
        reading.get_by_role("button", name="Open: nia").click()
        expect(reading.locator(".se-shared-with-me")).to_contain_text("Hub <i>words</i> for my advisor")
        screenshots(reading, "hub-adviser-page")

        # The student withdraws; the adviser's next load shows nothing of hers.
        plan.get_by_role("button", name=f"Withdraw: {ADVISER_DISPLAY}").click()
        saved(page, f"Withdrawn: {ADVISER_DISPLAY} no longer sees")
        reading.reload()
        expect(reading.get_by_text("No student shares anything with you now.")).to_be_visible()
        expect(reading.locator("body")).not_to_contain_text("Hub <i>words</i>")
        adviser_guard.check()
        adviser.close()

        guard.check()
        # A student signed in to the hub is refused the adviser's server (the hub's refusal is logged in the
        # console, so the page's guard has been checked before).
        response = page.goto(f"{hub.url}/user/{ADVISER}/")
        assert response is not None
        assert response.status in (403, 404), response.status
        assert page.locator(".se-advisees").count() == 0
        context.close()

    def test_a_facilitator_sees_the_session_and_a_student_or_visitor_gets_nothing(
        self, hub: Hub, browser: Browser
    ) -> None:
        store = Store.open(load_content(), hub.db_url, identity_key=TEST_IDENTITY_KEY.encode())
        try:
            group = store.create_session("PDW hub test")
            # Three of the room joined earlier; two join now through the hub, five in all: enough for figures.
            for name in ("kai", "lea", "max"):
                store.join_session(store.student_for("hub", name), group.code)
        finally:
            store.close()
        for student in ("gia", "hal"):
            context, guard, page = signed_in_to_workbook(browser, hub, student)
            page.get_by_label("Group session code").fill(group.code)
            page.get_by_role("button", name="Join the session").click()
            expect(page.get_by_text("You joined the group session")).to_be_visible()
            guard.check()
            context.close()

        # The facilitator signs in and lands on the dashboard.
        context, guard, page = sign_in(browser, hub, FACILITATOR)
        page.get_by_label("Session").select_option(label=f"PDW hub test ({group.code})")
        expect(page.get_by_role("heading", name="5 joined")).to_be_visible()
        expect(page.get_by_text("Prompts for discussion")).to_be_visible()
        screenshots(page, "hub-dashboard")
        guard.check()
        context.close()

        # A student signed in to the hub is refused the facilitator's server.
        assert_refused_the_facilitators_server(browser, hub, "gia")
        # Someone not signed in is sent to the hub's login page.
        visitor = new_context(browser)
        visitor_page = visitor.new_page()
        visitor_page.goto(f"{hub.url}/user/{FACILITATOR}/")
        expect(visitor_page).to_have_url(re.compile(re.escape(f"{hub.url}/hub/login")))
        expect(visitor_page.get_by_label("Password")).to_be_visible()
        assert visitor_page.locator(".se-dashboard").count() == 0
        visitor.close()

    def test_the_server_reports_activity_to_the_hub(self, hub: Hub, browser: Browser) -> None:
        context, guard, page = signed_in_to_workbook(browser, hub, "ivo")
        before = datetime.fromisoformat(hub.server("ivo")["last_activity"])  # type: ignore[index]
        time.sleep(3)
        go_to(page, "values").get_by_role("radiogroup").nth(0).get_by_role("radio").nth(2).check()
        saved(page, "statement 1 (")
        deadline = time.monotonic() + 30
        later = before
        while later <= before and time.monotonic() < deadline:
            time.sleep(0.5)
            later = datetime.fromisoformat(hub.server("ivo")["last_activity"])  # type: ignore[index]
        assert later > before, "the hub never heard of the student's activity"
        guard.check()
        context.close()

    def test_stopping_a_students_server_leaves_no_process_behind(self, hub: Hub, browser: Browser) -> None:
        context, _, _ = signed_in_to_workbook(browser, hub, "jon")
        running = processes_of(hub, "jon")
        commands = [" ".join(process.cmdline()) for process in running]
        # One server process (hub-server, become the workbook's Voila) and the page's kernel.
        assert any("selfexplore.serving.hubvoila" in command for command in commands), commands
        assert any("ipykernel" in command for command in commands), commands
        # Straight to its port, past the hub's proxy, without the hub's sign-in: nothing.
        voila = next(command for command in commands if "selfexplore.serving.hubvoila" in command)
        port = re.search(r"--port=(\d+)", voila).group(1)  # type: ignore[union-attr]
        for path in ("/user/jon/", "/user/jon/api/kernels", "/"):
            status, location = _without_redirects(f"http://127.0.0.1:{port}{path}")
            assert status in (302, 401, 403, 404), (path, status)
            assert status != 302 or "/hub/" in location, (path, location)
        context.close()
        hub.stop("jon")
        deadline = time.monotonic() + 30
        while processes_of(hub, "jon") and time.monotonic() < deadline:
            time.sleep(0.25)
        left = [" ".join(process.cmdline()) for process in processes_of(hub, "jon")]
        assert not left, f"left running after the hub stopped the server: {left}"


def test_the_stores_address_reaches_the_students_servers_and_nothing_else_the_hub_runs(
    hub: Hub, browser: Browser
) -> None:
    context, _, _ = signed_in_to_workbook(browser, hub, "kim")
    workbook = [
        process
        for process in processes_of(hub, "kim")
        if any(part in " ".join(process.cmdline()) for part in ("selfexplore.serving.hubvoila", "ipykernel"))
    ]
    assert len(workbook) >= 2
    assert all(process.environ().get("SELFEXPLORE_DB_URL") == hub.db_url for process in workbook)
    others = [
        process
        for process, command in running_commands(hub)
        if any(name in command for name in ("configurable-http-proxy", "jupyterhub_idle_culler"))
    ]
    assert len(others) >= 2, [" ".join(process.cmdline()) for process in others]
    assert all(process.environ().get("SELFEXPLORE_IDENTITY_KEY") == TEST_IDENTITY_KEY for process in workbook)
    for process in others:
        assert process.environ().get("SELFEXPLORE_DB_URL") != hub.db_url, process.cmdline()
        assert "SELFEXPLORE_IDENTITY_KEY" not in process.environ(), process.cmdline()
    context.close()


def _open_kernel_socket(hub: Hub, user: str, kernel: str, cookies: list[dict[str, Any]], prefix: str = "") -> int:
    """Open the websocket of a user's kernel through the hub, with these browser cookies: 101 when it
    opens, else the HTTP status it was refused with. The kernel is on the user's server, or under `prefix`."""
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    header = "; ".join(f"{cookie['name']}={cookie['value']}" for cookie in cookies)
    url = f"{hub.url.replace('http', 'ws', 1)}{prefix or f'/user/{user}/'}api/kernels/{kernel}/channels"
    request = HTTPRequest(url, headers={"Cookie": header} if header else {}, request_timeout=60)

    async def attempt() -> int:
        try:
            connection = await websocket_connect(request)
        except HTTPClientError as error:
            return int(error.code)
        connection.close()
        return 101

    return in_a_thread(attempt())


def test_a_kernels_websocket_opens_only_for_its_own_student(hub: Hub, browser: Browser) -> None:
    owner, _, page = signed_in_to_workbook(browser, hub, "lou")
    kernel = kernel_id(page)
    other, _, _ = signed_in_to_workbook(browser, hub, "mia")
    try:
        assert _open_kernel_socket(hub, "lou", kernel, []) in (302, 401, 403)
        assert _open_kernel_socket(hub, "lou", kernel, other.cookies()) in (302, 401, 403)
        # The same request with the student's own cookies opens: the refusals above are the sign-in's.
        assert _open_kernel_socket(hub, "lou", kernel, owner.cookies()) == 101
    finally:
        owner.close()
        other.close()


class TestSharedLayout:
    """deploy/jupyterhub's default: one workbook server, run by the hub as a service, that every student
    shares, each signed in by the hub's OAuth and each page's kernel bound to its student."""

    def test_two_students_each_see_only_their_own_answers(self, shared_hub: Hub, browser: Browser) -> None:
        ann, ann_guard, ann_page = signed_in_to_workbook(browser, shared_hub, "sal", SHARED_WORKBOOK)
        expect(ann_page.get_by_label("Resume code")).to_have_count(0)
        expect(ann_page.locator(".se-sign-out").get_by_role("link", name="Sign out")).to_be_visible()
        screenshots(ann_page, "hub-shared-start")
        interests = go_to(ann_page, "interests")
        interests.get_by_role("radiogroup").nth(0).get_by_role("radio").nth(4).check()
        saved(ann_page, "statement 1 (")
        bob, bob_guard, bob_page = signed_in_to_workbook(browser, shared_hub, "tom", SHARED_WORKBOOK)
        assert " 0 of " in answered(bob_page), answered(bob_page)
        ann_page.reload()
        expect(ann_page.locator(".se-app .se-view").first).to_be_visible()
        assert " 1 of " in answered(ann_page), answered(ann_page)
        # No server of their own was started for either: the service is their workbook.
        assert shared_hub.server("sal") is None and shared_hub.server("tom") is None
        # Each is the same student as on a server of their own: the store knows them by their hub name.
        with Store.open(load_content(), shared_hub.db_url, identity_key=TEST_IDENTITY_KEY.encode()) as store:
            sal = store.answers(store.latest_attempt(store.student_for("hub", "sal")))
            tom = store.answers(store.latest_attempt(store.student_for("hub", "tom")))
        assert len(sal) == 1 and not tom, (sal, tom)
        ann_guard.check()
        bob_guard.check()
        ann.close()
        bob.close()

    def test_on_a_shared_computer_the_next_student_after_sign_out_gets_their_own_workbook(
        self, shared_hub: Hub, browser: Browser
    ) -> None:
        context, guard, page = signed_in_to_workbook(browser, shared_hub, "xia", SHARED_WORKBOOK)
        values = go_to(page, "values")
        values.get_by_role("radiogroup").nth(0).get_by_role("radio").nth(1).check()
        saved(page, "statement 1 (")
        page.locator(".se-sign-out").get_by_role("link", name="Sign out").click()
        expect(page).to_have_url(re.compile(r"/hub/login"))
        # Signed out, the workbook's address asks for a sign-in again: the service's own cookie went too.
        page.goto(f"{shared_hub.url}{SHARED_WORKBOOK}")
        expect(page).to_have_url(re.compile(r"/hub/login"))
        assert page.locator(".se-app").count() == 0
        # The next student in the same browser finds their own, empty, workbook.
        after = sign_in_page(context, shared_hub, "yan", SHARED_WORKBOOK)
        expect(after.locator(".se-app .se-view").first).to_be_visible()
        assert " 0 of " in answered(after), answered(after)
        guard.check()
        context.close()

    def test_a_kernel_is_refused_to_any_other_student_whatever_browser_they_use(
        self, shared_hub: Hub, browser: Browser
    ) -> None:
        owner, _, page = signed_in_to_workbook(browser, shared_hub, "uma", SHARED_WORKBOOK)
        kernel = kernel_id(page)
        other, _, _ = signed_in_to_workbook(browser, shared_hub, "val", SHARED_WORKBOOK)
        try:
            mine, theirs = owner.cookies(), other.cookies()
            # Another student's browser and sign-in, with the kernel's id.
            assert _open_kernel_socket(shared_hub, "", kernel, theirs, SHARED_WORKBOOK) == 403
            # Another student signed in from the owner's own browser (a shared computer): the owner's
            # browser cookie with the other student's sign-in.
            browser_cookie = [cookie for cookie in mine if cookie["name"] == "selfexplore_browser"]
            signed_in_as_other = [cookie for cookie in theirs if cookie["name"] != "selfexplore_browser"]
            assert browser_cookie
            assert (
                _open_kernel_socket(shared_hub, "", kernel, browser_cookie + signed_in_as_other, SHARED_WORKBOOK) == 403
            )
            # Nobody signed in: the hub's sign-in answers first.
            assert _open_kernel_socket(shared_hub, "", kernel, browser_cookie, SHARED_WORKBOOK) in (302, 401, 403)
            # The owner's own cookies open it: the refusals above are the binding's and the sign-in's.
            assert _open_kernel_socket(shared_hub, "", kernel, mine, SHARED_WORKBOOK) == 101
        finally:
            owner.close()
            other.close()

    def test_a_stranger_gets_the_hubs_sign_in(self, shared_hub: Hub, browser: Browser) -> None:
        status, location = _without_redirects(f"{shared_hub.url}{SHARED_WORKBOOK}")
        assert status == 302 and "/hub/api/oauth2/authorize" in location, (status, location)
        context = new_context(browser)
        page = context.new_page()
        page.goto(f"{shared_hub.url}{SHARED_WORKBOOK}")
        expect(page).to_have_url(re.compile(r"/hub/login"))
        expect(page.get_by_label("Username")).to_be_visible()
        assert page.locator(".se-app").count() == 0
        context.close()

    def test_a_facilitator_still_gets_a_server_with_the_dashboard(self, shared_hub: Hub, browser: Browser) -> None:
        context, guard, page = sign_in(browser, shared_hub, FACILITATOR)
        expect(page.locator(".se-dashboard").first).to_be_visible()
        guard.check()
        context.close()

    def test_a_student_who_asks_for_a_server_is_told_where_the_workbook_is(
        self, shared_hub: Hub, browser: Browser
    ) -> None:
        context, _, page = signed_in_to_workbook(browser, shared_hub, "wes", SHARED_WORKBOOK)
        page.goto(f"{shared_hub.url}/hub/spawn")
        expect(page.get_by_text("/services/workbook/").first).to_be_visible(timeout=60_000)
        assert shared_hub.server("wes") is None
        context.close()


WORKBOOK_USER = "selfexplore-test-workbook"


@contextlib.contextmanager
def a_unix_user_of_its_own(name: str) -> Iterator[int]:
    """A system user `name` with a home of its own that can run this project's interpreter and code (the
    folders above them made enterable by others for the while, as a host's /opt is), removed afterwards."""
    if os.geteuid() != 0:
        _missing("running the workbook as a Unix user of its own needs root (to make the user)")
    home = Path(tempfile.mkdtemp(prefix="selfexplore-workbook-home-"))
    # Left by a run that was stopped before it could remove it: this test's user, made afresh.
    subprocess.run(["userdel", name], check=False, capture_output=True)
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--home-dir", str(home), "--shell", "/usr/sbin/nologin", name],
        check=True,
    )
    opened: dict[Path, int] = {}
    try:
        account = pwd.getpwnam(name)
        os.chown(home, account.pw_uid, account.pw_gid)
        needed = [Path(os.path.realpath(sys.executable)), Path(sys.executable), Path(__file__).resolve()]
        for path in needed:
            for folder in path.parents:
                mode = folder.stat().st_mode
                if not mode & stat.S_IXOTH and folder not in opened:
                    opened[folder] = mode
                    folder.chmod(mode | stat.S_IXOTH)
        yield account.pw_uid
    finally:
        for folder, mode in opened.items():
            folder.chmod(mode)
        subprocess.run(["userdel", name], check=False)
        shutil.rmtree(home, ignore_errors=True)


class TestSharedWorkbookUser:
    """The shared workbook run as a Unix user of its own (SELFEXPLORE_HUB_WORKBOOK_USER), as a hub run as root
    starts it: the students' server and kernels cannot read the hub's secrets or write the installed code."""

    def test_the_workbook_runs_as_its_own_user_who_cannot_reach_the_hubs_secrets(
        self, tmp_path_factory: pytest.TempPathFactory, browser: Browser, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with a_unix_user_of_its_own(WORKBOOK_USER) as uid:
            monkeypatch.setenv("SELFEXPLORE_HUB_WORKBOOK_USER", WORKBOOK_USER)
            home = tmp_path_factory.mktemp("separate-hub")
            for hub in _hub(home, DEPLOY_CONFIG, "shared"):
                context, guard, page = signed_in_to_workbook(browser, hub, "zed", SHARED_WORKBOOK)
                interests = go_to(page, "interests")
                interests.get_by_role("radiogroup").nth(0).get_by_role("radio").nth(3).check()
                saved(page, "statement 1 (")
                workbook = [
                    process
                    for process in hub.processes()
                    if process.environ().get("JUPYTERHUB_SERVICE_NAME") == "workbook"
                ]
                # The service's Voila and the student's kernel, both as the workbook's user.
                assert len(workbook) >= 2 and {process.uids().real for process in workbook} == {uid}, workbook
                # The answer reaches the store (the page's status line may run ahead of the database's commit).
                with Store.open(load_content(), hub.db_url, identity_key=TEST_IDENTITY_KEY.encode()) as store:
                    for _ in range(100):
                        if store.answers(store.latest_attempt(store.student_for("hub", "zed"))):
                            break
                        time.sleep(0.1)
                    assert len(store.answers(store.latest_attempt(store.student_for("hub", "zed")))) == 1

                def as_workbook(*command: str) -> int:
                    return subprocess.run(["runuser", "-u", WORKBOOK_USER, "--", *command], check=False).returncode

                # What the hub keeps in its folder (the cookie secret forges any hub session), and the code.
                assert (home / "jupyterhub_cookie_secret").exists()
                assert as_workbook("cat", str(home / "jupyterhub_cookie_secret")) != 0
                assert as_workbook("cat", str(home / "jupyterhub.sqlite")) != 0
                package = Path(selfexplore.__file__).parent
                assert as_workbook("test", "-r", str(package / "__init__.py")) == 0  # it runs the code...
                assert as_workbook("test", "-w", str(package / "__init__.py")) != 0  # ...and cannot change it
                guard.check()
                context.close()
            # The hub stopped it with itself: nothing of the workbook's user is left running.
            left = []
            for process in psutil.process_iter():
                with contextlib.suppress(psutil.Error):
                    if process.uids().real == uid:
                        left.append(process)
            assert not left, left


class TestKubernetesValues:
    """deploy/kubernetes/values.yaml in a real hub: what the chart would make of it, on one machine."""

    def test_a_student_lands_in_the_workbook_with_the_store_from_the_secret(
        self, kubernetes_hub: Hub, browser: Browser
    ) -> None:
        context, guard, page = signed_in_to_workbook(browser, kubernetes_hub, "noa")
        expect(page.get_by_label("Resume code")).to_have_count(0)
        go_to(page, "values").get_by_role("radiogroup").nth(0).get_by_role("radio").nth(3).check()
        saved(page, "statement 1 (")
        kernels = [
            process for process in processes_of(kubernetes_hub, "noa") if "ipykernel" in " ".join(process.cmdline())
        ]
        assert kernels
        assert all(process.environ().get("SELFEXPLORE_DB_URL") == kubernetes_hub.db_url for process in kernels)
        assert all("JUPYTERHUB_API_TOKEN" not in process.environ() for process in kernels)
        guard.check()
        context.close()

    def test_a_facilitator_gets_the_dashboard_and_a_student_does_not(
        self, kubernetes_hub: Hub, browser: Browser
    ) -> None:
        context, guard, page = sign_in(browser, kubernetes_hub, FACILITATOR)
        expect(page.locator(".se-dashboard").first).to_be_visible()
        expect(page.get_by_label("Session")).to_be_visible()
        guard.check()
        context.close()
        assert_refused_the_facilitators_server(browser, kubernetes_hub, "oli")

    def test_the_idle_culler_runs_with_the_values_timeout(self, kubernetes_hub: Hub) -> None:
        culler = [command for _, command in running_commands(kubernetes_hub) if "jupyterhub_idle_culler" in command]
        assert any("--timeout=3600" in command and "--cull-every=300" in command for command in culler), culler
