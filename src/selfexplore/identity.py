"""Who the student is, decided in a fixed order without ever asking for a name.

1. Under JupyterHub, the hub's user (JUPYTERHUB_USER, set by the hub in every single-user server).
2. A user-name header set by a trusted proxy, and only when that header is named explicitly in
   SELFEXPLORE_TRUSTED_HEADER: otherwise any browser could send the header and claim to be anyone. A
   proxy in front of a hub service may forward the hub's user model as JSON (name, admin flag, groups):
   only its name is read, so that joining a group or being made an admin never makes a new student.
3. Otherwise nobody is known, and the workbook gives the student a resume code (or takes one back).
The store keeps only a hash of a hub or proxy user name.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

HUB_ENV = "JUPYTERHUB_USER"
TRUSTED_HEADER_ENV = "SELFEXPLORE_TRUSTED_HEADER"
# Set only in the facilitator server's kernels: the dashboard refuses to show anything without it.
ROLE_ENV = "SELFEXPLORE_ROLE"
FACILITATOR_ROLE = "facilitator"


@dataclass(frozen=True)
class SignedIn:
    kind: Literal["hub", "proxy"]
    name: str


def resolve_identity(environ: Mapping[str, str], headers: Mapping[str, str] | None = None) -> SignedIn | None:
    """The signed-in user, or None when the student is to be known by a resume code."""
    hub_user = environ.get(HUB_ENV, "").strip()
    if hub_user:
        return SignedIn("hub", hub_user)
    header = environ.get(TRUSTED_HEADER_ENV, "").strip().lower()
    if header and headers:
        lowered = {key.lower(): value for key, value in headers.items()}
        name = user_name_from_header(lowered.get(header, ""))
        if name:
            return SignedIn("proxy", name)
    return None


def signs_students_in(environ: Mapping[str, str]) -> bool:
    """True where the hosting signs students in (JupyterHub, or a trusted proxy's header is configured)."""
    return bool(environ.get(HUB_ENV, "").strip() or environ.get(TRUSTED_HEADER_ENV, "").strip())


def user_name_from_header(value: str) -> str | None:
    """The user name a trusted header carries: the value itself, or the `name` of a JSON user model. A JSON
    value without a usable name gives None rather than the whole value, which changes with every group."""
    value = value.strip()
    if not value.startswith("{"):
        return value or None
    try:
        model = json.loads(value)
    except ValueError:
        return None
    name = model.get("name") if isinstance(model, dict) else None
    return name.strip() or None if isinstance(name, str) else None


FACILITATOR_GROUP_ENV = "SELFEXPLORE_FACILITATOR_GROUP"


def hub_groups(environ: Mapping[str, str], fetch: Callable[[urllib.request.Request], bytes] | None = None) -> set[str]:
    """The JupyterHub groups of the signed-in hub user, asked of the hub's API with the server's own token."""
    api = environ.get("JUPYTERHUB_API_URL", "").rstrip("/")
    token = environ.get("JUPYTERHUB_API_TOKEN", "")
    if not api.startswith(("http://", "https://")) or not token:
        return set()
    request = urllib.request.Request(f"{api}/user", headers={"Authorization": f"token {token}"})  # noqa: S310
    read = fetch or (lambda r: urllib.request.urlopen(r, timeout=10).read())  # noqa: S310 - the hub's own URL
    try:
        user = json.loads(read(request))
    except (OSError, ValueError):
        return set()
    groups = user.get("groups", []) if isinstance(user, dict) else []
    return {str(group) for group in groups}


def may_facilitate(environ: Mapping[str, str], fetch: Callable[[urllib.request.Request], bytes] | None = None) -> bool:
    """Under JupyterHub, with SELFEXPLORE_FACILITATOR_GROUP set, only members of that hub group may see a
    dashboard; elsewhere the facilitator server's token is the guard."""
    group = environ.get(FACILITATOR_GROUP_ENV, "").strip()
    if not environ.get(HUB_ENV, "").strip() or not group:
        return True
    return group in hub_groups(environ, fetch)


# Advisers. Where the school signs students in, the hosting names the advisers a student may pick from in
# SELFEXPLORE_ADVISERS, a JSON object of user name: display name (the hub config fills it from the advisers
# group). An adviser's own server sets the adviser role, and names the adviser: the hub's user under a hub
# (who must be in SELFEXPLORE_ADVISER_GROUP there), else SELFEXPLORE_ADVISER (`selfexplore advise --adviser`).
ADVISER_ROLE = "adviser"
ADVISERS_ENV = "SELFEXPLORE_ADVISERS"
ADVISER_ENV = "SELFEXPLORE_ADVISER"
ADVISER_GROUP_ENV = "SELFEXPLORE_ADVISER_GROUP"
ADVISER_NAME_LIMIT = 256


def known_advisers(environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The advisers the hosting names, as (user name, display name), in display-name order. A value that is
    not a JSON object of names gives none (the student can still make an adviser code)."""
    named = environ.get(ADVISERS_ENV, "").strip()
    if not named:
        return ()
    try:
        roster = json.loads(named)
    except ValueError:
        return ()
    if not isinstance(roster, dict):
        return ()
    found = {
        name.strip(): (display.strip() if isinstance(display, str) and display.strip() else name.strip())[:200]
        for name, display in roster.items()
        if isinstance(name, str) and name.strip() and len(name.strip()) <= ADVISER_NAME_LIMIT
    }
    return tuple(sorted(found.items(), key=lambda pair: (pair[1].lower(), pair[0])))


def signed_in_adviser(
    environ: Mapping[str, str], fetch: Callable[[urllib.request.Request], bytes] | None = None
) -> str | None:
    """The adviser an adviser page is for, or None where the page must show nothing: the role is not set,
    or, under a hub, the user is not in the advisers group (asked of the hub)."""
    if environ.get(ROLE_ENV) != ADVISER_ROLE:
        return None
    hub_user = environ.get(HUB_ENV, "").strip()
    if hub_user:
        group = environ.get(ADVISER_GROUP_ENV, "").strip()
        if not group or group not in hub_groups(environ, fetch):
            return None
        return hub_user
    name = environ.get(ADVISER_ENV, "").strip()
    return name if name and len(name) <= ADVISER_NAME_LIMIT else None
