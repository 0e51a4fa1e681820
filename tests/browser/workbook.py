"""What the browser tests do as a student: open the app, start a workbook, move between its pages, answer,
and wait for the status line. Every wait uses the one timeout the conftest sets."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import psutil
from playwright.sync_api import Locator, Page, expect


def open_app(page: Page, server: str, query: str = "") -> None:
    """Load the app (a new visit) at the page the query names, and wait until it is on screen."""
    page.goto(f"{server}/{'?' + query if query else ''}")
    expect(page.locator(".se-app .se-view").first).to_be_visible()


def start_new_workbook(page: Page, server: str) -> str:
    """Open the app and start a workbook with the mouse; return the resume code."""
    open_app(page, server)
    page.get_by_role("button", name="Start a new workbook").click()
    code = page.locator(".se-code").inner_text()
    expect(page.get_by_role("link", name="Continue to the questions")).to_be_visible()
    return code


def status(page: Page) -> Locator:
    return page.locator(".se-status")


def saved(page: Page, text: str) -> None:
    expect(status(page)).to_contain_text(text)


def groups(page: Page) -> Locator:
    return page.get_by_role("radiogroup")


def shown(page: Page, page_id: str) -> Locator:
    """The view of one page of the app, once it is the one on screen."""
    view = page.locator(f".se-body .se-view-{page_id}")
    expect(view).to_be_visible()
    return view


def follow(page: Page, link: str, page_id: str) -> Locator:
    """Follow an in-app link by its name and wait for the page it leads to."""
    page.get_by_role("link", name=link, exact=True).first.click()
    return shown(page, page_id)


def go_to(page: Page, page_id: str) -> Locator:
    """Move to a page from the steps or the links at the top, as a student would."""
    page.locator(".se-header").get_by_role("link", name=_TITLES[page_id], exact=True).click()
    return shown(page, page_id)


_TITLES = {
    "start": "Start",
    "interests": "Interests",
    "values": "Values",
    "balance": "Balance and challenges",
    "matches": "My matches",
    "plan": "My plan",
    "specialties": "Specialty pages",
    "paths": "Career paths",
    "compare": "Compare",
    "advising": "Who can help",
}


def resume(page: Page, server: str, code: str) -> None:
    open_app(page, server)
    page.get_by_label("Resume code").fill(code)
    page.get_by_role("button", name="Resume").click()
    expect(page.get_by_role("link", name="Continue to the questions")).to_be_visible()


def answer_interests(page: Page, pick: int) -> int:
    """Answer every interests statement (alternating `pick` and its mirror), by mouse; returns how many."""
    view = shown(page, "interests")
    count = view.get_by_role("radiogroup").count()
    for index in range(count):
        view.get_by_role("radiogroup").nth(index).get_by_role("radio").nth(
            pick - 1 if index % 2 == 0 else 5 - pick
        ).check()
    saved(page, f"statement {count} (")
    return count


def kernel_id(page: Page) -> str:
    found: str = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    return found


def kernel_process(page: Page) -> psutil.Process:
    """The kernel process serving this page, found by the kernel id the page was given."""
    wanted = kernel_id(page)
    for process in psutil.process_iter(["cmdline"]):
        if any(f"kernel-{wanted}.json" in part for part in process.info["cmdline"] or []):
            return process
    raise AssertionError(f"no kernel process for kernel {wanted}")


def address(page: Page) -> str:
    """The query string in the browser's address bar, without the question mark."""
    return re.sub(r"^[^?]*\??", "", page.url)


def at(page: Page, query: str) -> None:
    """Wait until the address bar shows this page (the app keeps it in step just after the page shows)."""
    expect(page).to_have_url(re.compile(r"^[^?]*" + (re.escape("?" + query) if query else "") + "$"))


def eventually(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Whether `condition` becomes true within `timeout` seconds (for what the page does out of sight, such
    as forgetting a cookie)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
