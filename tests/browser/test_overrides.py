"""The address cannot switch the page's template or theme (security review finding 8): another template
would drop the project's protections (its page script, its landmarks, no request to any other host)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import PageGuard
from tests.browser.workbook import open_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("query", ["template=lab", "template=classic&theme=dark", "theme=dark"])
def test_a_template_or_theme_in_the_address_is_ignored(page: Page, guard: PageGuard, server: str, query: str) -> None:
    open_app(page, server, query)
    html = page.content()
    assert "voila/templates/selfexplore/static/selfexplore.js" in html
    assert "voila/templates/lab/" not in html
    assert "voila/templates/classic/" not in html
    assert "theme-dark" not in html
    assert page.locator("main").count() == 1
    guard.check()
