"""Helpers the tests share: answers that lean a known way, the tags of an HTML string, a free port."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine, Set
from html.parser import HTMLParser
from typing import Any, TypeVar

from selfexplore.content import Content
from selfexplore.scoring import Answer

T = TypeVar("T")


def answers_leaning(content: Content, high: Set[str], low: Set[str] = frozenset()) -> dict[str, Answer]:
    """Answer every statement: agree fully with items keyed to `high`, disagree with `low`, else neutral.
    On an importance scale neutral is "Not important to me" (no preference), and so is low: the scale has
    no way to ask for the opposite."""
    answers: dict[str, Answer] = {}
    questionnaire = content.questionnaire
    for item in questionnaire.items:
        if item.kind != "scale":
            continue
        key = item.keys[0]
        if questionnaire.scale_of(item).one_sided:
            answers[item.id] = 5 if key.dimension in high else 1
        elif key.dimension in high:
            answers[item.id] = 1 if key.reverse else 5
        elif key.dimension in low:
            answers[item.id] = 5 if key.reverse else 1
        else:
            answers[item.id] = 3
    return answers


class _Parser(HTMLParser):
    """Fails on nothing, but records every tag, so that tests can assert no <script> got through."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)


def tags(html: str) -> list[str]:
    parser = _Parser()
    parser.feed(html)
    return parser.tags


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def in_a_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on an event loop of its own, in a thread: the browser tests' driver may hold the main
    thread's event loop for the whole session."""
    results: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(asyncio.run(coroutine))
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]
