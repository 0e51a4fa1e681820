"""Specialty pages, comparison, the plan, the report and retakes, as a student uses them in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshots
from tests.browser.workbook import answer_interests, follow, go_to, groups, saved, shown, start_new_workbook

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("guard")]


class TestPagesPlanAndReport:
    def test_from_a_match_to_its_page_a_comparison_a_plan_and_the_report(
        self, page: Page, server: str, tmp_path: Path
    ) -> None:
        start_new_workbook(page, server)
        follow(page, "Continue to the questions", "interests")
        answer_interests(page, 5)
        balance = go_to(page, "balance")
        balance.get_by_role("textbox").first.fill("<img src=x onerror=alert(1)> weekends outdoors")
        balance.get_by_role("checkbox", name="Include this in my report").first.check()
        saved(page, "your reflection")
        balance.get_by_role("textbox").nth(1).fill("never in the report")
        saved(page, "your reflection")

        # A specialty page opened from a match: the page, the student's profile beside it, ways to explore.
        matches = go_to(page, "matches")
        top = matches.locator(".se-match h3 a").first
        name = top.inner_text()
        top.click()
        shown(page, "specialties")
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="This page beside your own profile")).to_be_visible()
        expect(page.get_by_role("heading", name=re.compile("^How to explore it at"))).to_be_visible()

        # Compare it with another specialty.
        follow(page, f"Compare {name} with other pages", "compare")
        other = "Pediatrics" if name != "Pediatrics" else "Psychiatry"
        page.get_by_label("Second").select_option(label=f"{other} (specialty)")
        table = page.locator("table.se-compare")
        expect(table.get_by_role("columnheader", name=name, exact=True)).to_be_visible()
        expect(table.get_by_role("columnheader", name=other, exact=True)).to_be_visible()
        # On a phone the rows stack as cards, each cell headed by its field (walk review 7); the layout check
        # runs at both widths.
        screenshots(page, "compare-two")

        # Build a plan: keep the first step with a note and a month, set the last one aside.
        plan = go_to(page, "plan")
        first_step = plan.get_by_role("radiogroup").first
        first_step.get_by_role("radio", name="Keep this step").check()
        saved(page, "(kept)")
        plan.get_by_label("My note").first.fill("ask about <b>research</b> years")
        plan.get_by_label("My note").first.press("Tab")
        saved(page, "kept, with your note")
        plan.get_by_label("Aim for").first.select_option(index=2)
        saved(page, "kept, with your note")
        plan.get_by_role("radiogroup").last.get_by_role("radio", name="Not now").check()
        saved(page, "(set aside)")

        # The plan is still there when the app is opened again in the same browser.
        page.reload()
        plan = shown(page, "plan")
        expect(groups(page).first.get_by_role("radio", name="Keep this step")).to_be_checked()
        expect(plan.get_by_label("My note").first).to_have_value("ask about <b>research</b> years")

        # Download the report and read it.
        page.get_by_role("button", name="Prepare my report").click()
        link = page.get_by_role("link", name=re.compile("^Download my report \\(HTML"))
        with page.expect_download() as download:
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
        start_new_workbook(page, server)
        follow(page, "Continue to the questions", "interests")
        answer_interests(page, 5)
        go_to(page, "start")
        page.get_by_role("button", name="Take the workbook again (a new attempt)").click()
        expect(page.get_by_text("Attempt 2 has started")).to_be_visible()
        interests = go_to(page, "interests")
        expect(page.locator(".se-progress")).to_contain_text(" 0 of ")
        expect(interests.get_by_role("radio", checked=True)).to_have_count(0)
        answer_interests(page, 1)
        go_to(page, "matches")
        expect(page.get_by_role("heading", name="How your answers moved since attempt 1")).to_be_visible()
        expect(page.locator("#se-movement + p")).to_contain_text("attempt 2")
