"""What a hub server tells the hub of its activity, which idle culling (jupyterhub-idle-culler) reads.

Kept apart from the rest of the package: the server's Voila (selfexplore.hubvoila) imports this and no
other part of selfexplore.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

ACTIVITY_ENV = "SELFEXPLORE_ACTIVITY_INTERVAL"
DEFAULT_ACTIVITY_INTERVAL = 60


def activity_interval(environ: Mapping[str, str]) -> int:
    """Seconds between activity reports (SELFEXPLORE_ACTIVITY_INTERVAL, 60 by default)."""
    named = environ.get(ACTIVITY_ENV, "").strip()
    if not named:
        return DEFAULT_ACTIVITY_INTERVAL
    if not named.isdigit() or int(named) < 1:
        raise ValueError(f"{ACTIVITY_ENV} must be a whole number of seconds, got {named!r}")
    return int(named)


def activity_body(when: datetime, server_name: str) -> dict[str, Any]:
    """What the hub's activity API takes (POST /users/<name>/activity): the server's last activity."""
    stamp = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {"last_activity": stamp, "servers": {server_name: {"last_activity": stamp}}}
