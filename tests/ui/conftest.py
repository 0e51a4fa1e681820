"""Views are tested against a real store: a fresh SQLite file per test; widgets are closed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import pytest

from selfexplore.content import Content
from selfexplore.store import Store


@pytest.fixture
def store(tmp_path: Path, content: Content) -> Iterator[Store]:
    opened = Store.open(content, f"sqlite:///{tmp_path / 'ui.sqlite3'}")
    yield opened
    opened.close()
    widgets.Widget.close_all()
