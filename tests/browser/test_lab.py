"""The same notebook in a real JupyterLab: run all, then use it, and get the same workbook.

A student (or an adviser trying the workbook) opens notebooks/workbook.ipynb in JupyterLab, runs every
cell, starts a workbook, moves to the questions inside the notebook's output, and answers one: it is
saved, and the status line says so, as in the served app. No address is involved: the kernel stays.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from selfexplore.content import load_content
from selfexplore.store import Store
from selfexplore.workbook import APP_NOTEBOOK
from tests.browser.conftest import running, screenshot
from tests.helpers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("guard")]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "student" / APP_NOTEBOOK
LAB_TOKEN = "browser-test-lab-token"  # noqa: S105 - a throwaway test server's token


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real JupyterLab over a folder holding a copy of the app's notebook; its base URL and its store."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(NOTEBOOK, root / APP_NOTEBOOK)
    settings = root / "settings"
    # No news and no update checks: nothing from the notebook's server or page asks another host.
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    database = f"sqlite:///{root / 'lab.sqlite3'}"
    port = free_port()
    command = [
        *[sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1"],
        *[f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={LAB_TOKEN}", "--ServerApp.allow_root=True"],
        *["--ServerApp.port_retries=0", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        f"--LabApp.user_settings_dir={settings}",
    ]
    env = {**os.environ, "SELFEXPLORE_DB_URL": database, "JUPYTER_CONFIG_DIR": str(root / "config")}
    with running(command, f"http://127.0.0.1:{port}", root / "lab.log", env) as base:
        yield base, database


class TestJupyterLab:
    def test_run_all_then_start_a_workbook_and_answer_a_question(self, page: Page, lab: tuple[str, str]) -> None:
        base, database = lab
        page.goto(f"{base}/lab/tree/{APP_NOTEBOOK}?token={LAB_TOKEN}")
        expect(page.locator(".jp-Notebook")).to_be_visible()
        # Run all once the kernel is up, as a person would wait for "Idle" in the status bar.
        expect(page.get_by_role("button", name=re.compile(r"\| Idle$"))).to_be_visible()
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

        output = page.locator(".jp-OutputArea .se-app")
        expect(output).to_be_visible()
        output.get_by_role("button", name="Start a new workbook").click()
        code = output.locator(".se-code").inner_text()
        assert code.count("-") == 4
        # The link moves to the questions inside the same output, the same kernel.
        output.get_by_role("link", name="Continue to the questions").click()
        questions = output.locator(".se-view-interests")
        expect(questions).to_be_visible()
        # The app's own script runs here too: the radios are a labelled group, the status line answers.
        first = questions.get_by_role("radiogroup").first
        first.get_by_role("radio", name="Agree", exact=True).check()
        expect(output.locator(".se-status")).to_contain_text("Saved statement 1 (Agree)")
        # The status line stays in view while the notebook scrolls through the app, as in the served app (walk
        # review: it sat at the end of the app, 3,814 px down).
        page.locator(".jp-WindowedPanel-outer").evaluate("el => el.scrollBy(0, 3000)")
        expect(output.locator(".se-status-line")).to_be_in_viewport()
        questions.get_by_role("radiogroup").nth(20).get_by_role("radio", name="Disagree", exact=True).check()
        expect(output.locator(".se-status")).to_contain_text("Saved statement 21 (Disagree)")
        expect(output.locator(".se-status-line")).to_be_in_viewport()
        screenshot(page, "lab-interests")

        with Store.open(load_content(), database) as store:
            visit_answers = store.answers(store.latest_attempt(store.resume(code)))
        assert visit_answers == {"i01": 4, load_content().questionnaire.items[20].id: 2}
