"""selfexplore: a self-exploration workbook for medical students.

The domain (content, scoring, matching) is importable without ipywidgets; the views live in
`selfexplore.ui`. The names below are imported when first used, so that a process that needs only a small
part of the package (a hub server's Voila, its kernel manager) does not load pydantic, pandas and
SQLAlchemy for nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selfexplore.content import Content, load_content, validate_content
    from selfexplore.errors import ContentError, InputError, Problem, SelfexploreError
    from selfexplore.matching import Match, rank_fields, rank_paths, rank_specialties
    from selfexplore.profile import Profile, parse_profile
    from selfexplore.scoring import ScoredProfile, score_answers

_HOMES = {
    "Content": "content",
    "load_content": "content",
    "validate_content": "content",
    "ContentError": "errors",
    "InputError": "errors",
    "Problem": "errors",
    "SelfexploreError": "errors",
    "Match": "matching",
    "rank_fields": "matching",
    "rank_paths": "matching",
    "rank_specialties": "matching",
    "Profile": "profile",
    "parse_profile": "profile",
    "ScoredProfile": "scoring",
    "score_answers": "scoring",
}

__all__ = [
    "Content",
    "ContentError",
    "InputError",
    "Match",
    "Problem",
    "Profile",
    "ScoredProfile",
    "SelfexploreError",
    "load_content",
    "parse_profile",
    "rank_fields",
    "rank_paths",
    "rank_specialties",
    "score_answers",
    "validate_content",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'selfexplore' has no attribute {name!r}")
    return getattr(import_module(f"selfexplore.{home}"), name)
