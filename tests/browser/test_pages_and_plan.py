"""Specialty pages, comparison, the plan, the report and retakes, as a student uses them in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_workbook import SAVE_TIMEOUT, groups, open_page, saved, start_new_workbook

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("guard")]


def answer_interests(page: Page, pick: int) -> None:
    """Answer every interests statement with the same answer (1-5), by mouse."""
    expect(groups(page).first).to_be_visible(timeout=60_000)
    count = groups(page).count()
    for index in range(count):
        groups(page).nth(index).get_by_role("radio").nth(pick - 1 if index % 2 == 0 else 5 - pick).check()
    saved(page, f"statement {count} (")


class TestPagesPlanAndReport:
    def test_from_a_match_to_its_page_a_comparison_a_plan_and_the_report(
        self, page: Page, server: str, tmp_path: Path
    ) -> None:
        _, questions = start_new_workbook(page, server)
        query = questions.split("?", 1)[1]
        open_page(page, f"{server}/voila/render/{questions}")
        answer_interests(page, 5)
        open_page(page, f"{server}/voila/render/balance.ipynb?{query}")
        first_prompt = page.get_by_role("textbox").first
        first_prompt.fill("<img src=x onerror=alert(1)> weekends outdoors")
        page.get_by_role("checkbox", name="Include this in my report").first.check()
        saved(page, "your reflection")
        page.get_by_role("textbox").nth(1).fill("never in the report")
        saved(page, "your reflection")

        # A specialty page opened from a match: the page, the student's profile beside it, ways to explore.
        open_page(page, f"{server}/voila/render/matches.ipynb?{query}")
        top = page.locator(".se-match h3 a").first
        name = top.inner_text()
        top.click()
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible(timeout=60_000)
        expect(page.get_by_role("heading", name="This page beside your own profile")).to_be_visible()
        expect(page.get_by_role("heading", name=re.compile("^How to explore it at"))).to_be_visible()

        # Compare it with another specialty.
        page.get_by_role("link", name=re.compile(f"^Compare {re.escape(name)}")).click()
        expect(page.get_by_label("First")).to_be_visible(timeout=60_000)
        other = "Pediatrics" if name != "Pediatrics" else "Psychiatry"
        page.get_by_label("Second").select_option(label=f"{other} (specialty)")
        table = page.locator("table.se-compare")
        expect(table.get_by_role("columnheader", name=name, exact=True)).to_be_visible()
        expect(table.get_by_role("columnheader", name=other, exact=True)).to_be_visible()

        # Build a plan: keep the first step with a note and a month, set the last one aside.
        open_page(page, f"{server}/voila/render/plan.ipynb?{query}")
        first_step = groups(page).first
        expect(first_step).to_be_visible(timeout=60_000)
        step_title = first_step.get_attribute("aria-labelledby")
        assert step_title is not None
        first_step.get_by_role("radio", name="Keep this step").check()
        saved(page, "(kept)")
        page.get_by_label("My note").first.fill("ask about <b>research</b> years")
        page.get_by_label("My note").first.press("Tab")
        saved(page, "kept, with your note")
        page.get_by_label("Aim for").first.select_option(index=2)
        saved(page, "kept, with your note")
        groups(page).last.get_by_role("radio", name="Not now").check()
        saved(page, "(set aside)")

        # The plan is still there when the page is opened again.
        open_page(page, f"{server}/voila/render/plan.ipynb?{query}")
        expect(groups(page).first.get_by_role("radio", name="Keep this step")).to_be_checked(timeout=60_000)
        expect(page.get_by_label("My note").first).to_have_value("ask about <b>research</b> years")

        # Download the report and read it.
        page.get_by_role("button", name="Prepare my report").click()
        link = page.get_by_role("link", name=re.compile("^Download my report \\(HTML"))
        with page.expect_download(timeout=SAVE_TIMEOUT) as download:
            link.click()
        target = tmp_path / "report.html"
        download.value.save_as(target)
        report = target.read_text(encoding="utf-8")
        assert name in report
        assert "ask about &lt;b&gt;research&lt;/b&gt; years" in report
        assert "&lt;img src=x onerror=alert(1)&gt; weekends outdoors" in report
        assert "never in the report" not in report
        assert "<script" not in report and "<img" not in report

    def test_taking_the_workbook_twice_shows_what_moved(self, page: Page, server: str) -> None:
        _, questions = start_new_workbook(page, server)
        query = questions.split("?", 1)[1]
        open_page(page, f"{server}/voila/render/{questions}")
        answer_interests(page, 5)
        open_page(page, f"{server}/voila/render/start.ipynb?{query}")
        page.get_by_role("button", name="Take the workbook again (a new attempt)").click()
        expect(page.get_by_text("Attempt 2 has started")).to_be_visible(timeout=SAVE_TIMEOUT)
        open_page(page, f"{server}/voila/render/{questions}")
        expect(groups(page).first).to_be_visible(timeout=60_000)
        expect(page.locator(".se-progress")).to_contain_text(" 0 of ")
        answer_interests(page, 1)
        open_page(page, f"{server}/voila/render/matches.ipynb?{query}")
        movement = page.get_by_role("heading", name="How your answers moved since attempt 1")
        expect(movement).to_be_visible(timeout=60_000)
        expect(page.locator("#se-movement + p")).to_contain_text("attempt 2")
