"""Errors the domain raises, each with a message a student or a staff member can act on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class SelfexploreError(Exception):
    """Base of every error the package raises on purpose; its message is one readable sentence."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a content pack: which file, which field, and what is wrong."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


class ContentError(SelfexploreError):
    """The content pack is invalid; `problems` lists every problem found, not only the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        head = str(self.problems[0]) if self.problems else "unknown problem"
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"the content pack is invalid: {head}{more}")


class InputError(SelfexploreError):
    """An answers or profile document is malformed; the message names the key and the problem."""
