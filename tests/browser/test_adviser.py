"""Sharing with an adviser in Chromium, on a standalone server: a student marks a reflection, previews and
shares it with an adviser code; the adviser, on their own server, enters the code and reads it; the student
withdraws, and the adviser's next load shows nothing. The student server never serves the adviser's page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    ADVISER_TOKEN,
    PageGuard,
    assert_no_serious_axe_violations,
    new_context,
    screenshots,
)
from tests.browser.test_dashboard import status_of
from tests.browser.workbook import go_to, saved, start_new_workbook

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("guard")]

MARKED = "<b>Evenings</b> free matter more to me than I said"


def adviser_page(adviser: str) -> str:
    return f"{adviser}/voila/render/advisees.ipynb?token={ADVISER_TOKEN}"


def test_the_student_server_never_serves_the_advisers_page(server: str) -> None:
    for path in ("voila/render/advisees.ipynb", "advisees.ipynb", "voila/files/advisees.ipynb"):
        assert status_of(f"{server}/{path}") in (302, 403, 404)
        assert status_of(f"{server}/{path}?token={ADVISER_TOKEN}") in (302, 403, 404)
    for path in ("voila/render/advisees.ipynb", "advisees.ipynb", "voila/files/advisees.ipynb"):
        assert status_of(f"{server}/{path}") == 404


def test_a_wrong_or_missing_token_gets_nothing(adviser: str, page: Page) -> None:
    for query in ("", "?token=wrong"):
        assert status_of(f"{adviser}/voila/render/advisees.ipynb{query}") in (302, 403)
        page.goto(f"{adviser}/voila/render/advisees.ipynb{query}")
        assert page.locator(".se-advisees").count() == 0


def test_a_student_shares_the_adviser_reads_the_student_withdraws(
    server: str, adviser: str, browser: Browser, page: Page
) -> None:
    context = new_context(browser)
    guard = PageGuard.install(context)
    student = context.new_page()
    start_new_workbook(student, server)
    balance = go_to(student, "balance")
    balance.get_by_role("textbox").first.fill(MARKED)
    saved(student, "(private)")
    balance.get_by_role("checkbox", name="Mark this for my Society advisor").first.check()
    saved(student, "sees it only once you share your reflections")

    plan = go_to(student, "plan")
    plan.get_by_role("checkbox", name="The reflections I marked for my Society advisor").check()
    plan.get_by_role("checkbox", name="My matches and profile").check()
    plan.get_by_label("How long").select_option(label="one week")
    plan.get_by_role("button", name="Preview what my advisor will see").click()
    preview = plan.locator(".se-preview")
    expect(preview).to_contain_text(MARKED)  # shown as text, never as markup
    expect(preview).to_contain_text("It carries no name")
    expect(preview.get_by_role("heading", name="My profile")).to_be_visible()
    screenshots(student, "share-preview")
    plan.get_by_role("button", name="Share it").click()
    code = plan.locator(".se-share .se-code").inner_text()
    saved(student, "Advisor code made: whoever enters it first sees the reflections you marked for them")
    expect(plan.get_by_text("not entered by any advisor yet")).to_be_visible()
    screenshots(student, "share-code")

    # The adviser, on their own server, enters the code and reads what was shared.
    page.goto(adviser_page(adviser))
    expect(page.locator(".se-advisees")).to_be_visible()
    expect(page.get_by_text("No student shares anything with you now.")).to_be_visible()
    page.get_by_label("Advisor code").fill(code)
    page.get_by_role("button", name="Add the student").click()
    shared = page.locator(".se-shared-with-me")
    expect(shared).to_contain_text(MARKED)
    expect(shared.get_by_role("heading", name="Specialties that fit me best")).to_be_visible()
    assert page.locator(".se-shared-with-me b").count() == 0
    page.get_by_label("My notes (only I see them)").fill("Talked about <i>lifestyle</i>; meet again in March")
    page.get_by_label("My notes (only I see them)").blur()
    expect(page.get_by_text("Note saved at")).to_be_visible()
    page.get_by_role("button", name="Prepare a download (HTML, to print or keep)").click()
    expect(page.get_by_role("link", name="Download it (HTML)")).to_be_visible()
    assert_no_serious_axe_violations(page)
    screenshots(page, "adviser-page")

    # The student sees who has it now, and withdraws.
    student.reload()
    plan = go_to(student, "plan")
    expect(plan.get_by_text("lee (through your advisor code) sees")).to_be_visible()
    plan.get_by_role("button", name="Withdraw: lee").click()
    saved(student, "Withdrawn: lee no longer sees the reflections you marked for them")
    expect(plan.get_by_text("Nothing: no advisor sees anything of yours.")).to_be_visible()
    guard.check()
    context.close()

    # The adviser's open page follows by itself, its download gone too (hosting review, F1).
    expect(page.get_by_text("This student no longer shares anything with you.")).to_be_visible(timeout=30_000)
    expect(page.locator(".se-shared-with-me")).to_have_count(0)
    expect(page.get_by_role("link", name="Download it (HTML)")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Evenings")

    # The adviser's next load shows nothing of the student.
    page.goto(adviser_page(adviser))
    expect(page.get_by_text("No student shares anything with you now.")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Evenings")
    expect(page.locator("body")).not_to_contain_text("lifestyle")
    assert_no_serious_axe_violations(page)
