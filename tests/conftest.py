"""Fixtures shared by every test: the shipped content pack, loaded once."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from selfexplore.content import Content, load_content


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture(scope="session", autouse=True)
def _own_data_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The tests' own data folder (XDG_DATA_HOME): what the store keeps beside itself for PostgreSQL (its
    identity key), and the default store, are never the user's own."""
    previous = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("data-home"))
    yield
    if previous is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = previous
