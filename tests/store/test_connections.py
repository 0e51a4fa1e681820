"""A class on one PostgreSQL server: more open workbooks (one store each, as each page's kernel has) than the
server has connections, idle and then saving all at once. Nothing is refused and nothing is lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from selfexplore.content import Content
from selfexplore.records import StoreError
from selfexplore.store import Store
from selfexplore.store.engine import kept_connections
from tests.store.postgres import postgres_for_tests

# A small server, so that the test needs few processes: far more open pages than it has connections.
LIMIT = 20
PAGES = 3 * LIMIT


@pytest.fixture(scope="module")
def small_server() -> Iterator[str]:
    with postgres_for_tests(max_connections=LIMIT, own=True) as url:
        yield url


def _connections(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = (
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return int(connection.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


def test_more_open_pages_than_the_server_has_connections(small_server: str, content: Content) -> None:
    item = next(item.id for item in content.questionnaire.items if item.kind == "scale")
    stores = [Store.open(content, small_server) for _ in range(PAGES)]
    try:
        attempts = []
        for store in stores:  # each page starts a workbook and answers, one after another
            student = store.create_student().student
            attempt = store.latest_attempt(student)
            store.save_answer(attempt, item, 2)
            attempts.append(attempt)
        # Idle pages hold no connection.
        assert _connections(small_server) == 0

        # Then every page saves at the same moment: some wait for a free connection; none is refused.
        failures: list[BaseException] = []
        start = threading.Barrier(PAGES)

        def save(store: Store, index: int) -> None:
            start.wait()
            try:
                store.save_answer(attempts[index], item, 4)
            except BaseException as error:
                failures.append(error)

        threads = [threading.Thread(target=save, args=(store, index)) for index, store in enumerate(stores)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert failures == []
        assert all(store.answers(attempts[index])[item] == 4 for index, store in enumerate(stores))
    finally:
        for store in stores:
            store.close()


def test_a_host_may_keep_connections_open_and_a_bad_setting_is_refused() -> None:
    assert kept_connections({}) == 0
    assert kept_connections({"SELFEXPLORE_DB_POOL": "2"}) == 2
    with pytest.raises(StoreError, match="SELFEXPLORE_DB_POOL must be a whole number"):
        kept_connections({"SELFEXPLORE_DB_POOL": "lots"})
