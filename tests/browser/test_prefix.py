"""The workbook under a path prefix (`serve --base-url /workbook/`), as a web server in front of it passes
the prefix on: every page, script and websocket stays under the prefix, and the sign-in cookie with it."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import running
from tests.browser.workbook import at, go_to, saved, shown
from tests.helpers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("guard")]
PREFIX = "/workbook/"


@pytest.fixture(scope="module")
def prefixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    home = tmp_path_factory.mktemp("prefixed")
    command = [
        *[sys.executable, "-m", "selfexplore", "--db", f"sqlite:///{home / 'store.sqlite3'}"],
        *["serve", "--port", str(port), "--pool", "1", "--base-url", PREFIX],
    ]
    ready = f"{PREFIX}voila/templates/selfexplore/static/selfexplore.css"
    with running(command, f"http://127.0.0.1:{port}", home / "serve.log", ready=ready) as base:
        yield base


def test_the_app_works_under_its_prefix_and_keeps_the_student_signed_in(prefixed: str, page: Page) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{prefixed}{PREFIX}")
    page.get_by_role("button", name="Start a new workbook").click()
    expect(page.get_by_role("link", name="Continue to the questions")).to_be_visible()
    interests = go_to(page, "interests")
    at(page, "page=interests")
    assert page.url.startswith(f"{prefixed}{PREFIX}")
    interests.get_by_role("radiogroup").nth(0).get_by_role("radio").nth(2).check()
    saved(page, "statement 1 (")
    page.reload()
    back = shown(page, "interests")
    expect(back.get_by_role("radiogroup").nth(0).get_by_role("radio").nth(2)).to_be_checked()
    # Nothing was asked of the server outside the prefix.
    outside = [url for url in requests if url.startswith(prefixed) and not url.startswith(f"{prefixed}{PREFIX}")]
    assert outside == []


def test_nothing_is_served_outside_the_prefix(prefixed: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{prefixed}/", timeout=30)
    assert refused.value.code == 404
