"""A student's profile: a value from 0 to 1 per dimension (0.5 = no preference) and chosen body systems."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from selfexplore.content import Content
from selfexplore.errors import InputError

NEUTRAL = 0.5

# Keys that `selfexplore score --json` writes next to a profile; a profile file may carry them so that the
# output of `score` can be given straight to `match`.
_SCORE_KEYS = frozenset({"completeness", "unanswered"})


@dataclass(frozen=True)
class Profile:
    """Dimension values (a missing dimension is neutral) and the body systems the student chose."""

    dimensions: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    systems: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Freeze the mapping so that a profile cannot change after it was matched.
        object.__setattr__(self, "dimensions", MappingProxyType(dict(self.dimensions)))

    def value(self, dimension: str) -> float:
        return self.dimensions.get(dimension, NEUTRAL)

    def to_json(self) -> dict[str, Any]:
        return {"dimensions": dict(sorted(self.dimensions.items())), "systems": list(self.systems)}


def parse_profile(data: object, content: Content) -> Profile:
    """Check a decoded profile document against the content pack and build a Profile.

    Raises InputError naming the first problem: an unknown key or system, a value outside 0-1, a wrong type.
    """
    if not isinstance(data, dict):
        raise InputError("a profile must be a JSON object with 'dimensions' and 'systems'")
    unknown = sorted(set(data) - {"dimensions", "systems"} - _SCORE_KEYS)
    if unknown:
        raise InputError(f"unknown profile field {unknown[0]!r} (expected 'dimensions' and 'systems')")
    raw_dimensions = data.get("dimensions", {})
    if not isinstance(raw_dimensions, dict):
        raise InputError("'dimensions' must be an object of dimension: value")
    known = set(content.dimension_ids)
    dimensions: dict[str, float] = {}
    for key, value in raw_dimensions.items():
        if key not in known:
            raise InputError(f"unknown dimension {key!r}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InputError(f"dimension {key!r} must be a number from 0 to 1, got {value!r}")
        if not 0.0 <= value <= 1.0:
            raise InputError(f"dimension {key!r} must be between 0 and 1, got {value}")
        dimensions[key] = float(value)
    raw_systems = data.get("systems", [])
    if not isinstance(raw_systems, list):
        raise InputError("'systems' must be a list of body-system ids")
    systems: list[str] = []
    for system in raw_systems:
        if not isinstance(system, str) or system not in content.systems_by_id:
            raise InputError(f"unknown body system {system!r}")
        if system not in systems:
            systems.append(system)
    return Profile(dimensions, tuple(systems))
