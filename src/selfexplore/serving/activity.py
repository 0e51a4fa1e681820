"""What a hub server tells the hub of its activity, which idle culling (jupyterhub-idle-culler) reads.

Kept apart from the rest of the package: the server's Voila (selfexplore.serving.hubvoila) imports this and,
through it, only selfexplore.settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from selfexplore import settings


def activity_interval(environ: Mapping[str, str]) -> int:
    """Seconds between activity reports (SELFEXPLORE_ACTIVITY_INTERVAL, 60 by default)."""
    return settings.ACTIVITY_INTERVAL.read(environ)


def activity_body(when: datetime, server_name: str) -> dict[str, Any]:
    """What the hub's activity API takes (POST /users/<name>/activity): the server's last activity."""
    stamp = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {"last_activity": stamp, "servers": {server_name: {"last_activity": stamp}}}
