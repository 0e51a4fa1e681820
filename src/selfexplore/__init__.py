"""selfexplore: a self-exploration workbook for medical students.

The domain (content, scoring, matching) is importable without ipywidgets; the views live in
`selfexplore.ui`.
"""

from selfexplore.content import Content, load_content, validate_content
from selfexplore.errors import ContentError, InputError, Problem, SelfexploreError
from selfexplore.matching import Match, rank_pages, rank_paths, rank_specialties
from selfexplore.profile import Profile, parse_profile
from selfexplore.scoring import ScoredProfile, score_answers

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
    "rank_pages",
    "rank_paths",
    "rank_specialties",
    "score_answers",
    "validate_content",
]

__version__ = "0.1.0"
