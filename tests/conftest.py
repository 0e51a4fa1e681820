"""Fixtures shared by every test: the shipped content pack, loaded once."""

from __future__ import annotations

import pytest

from selfexplore.content import Content, load_content


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()
