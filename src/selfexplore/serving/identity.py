"""Who the student is, decided in a fixed order without ever asking for a name.

1. Under JupyterHub, the hub's user: JUPYTERHUB_USER, set by the hub in every single-user server; or, on
   the one server the hub's users share (a hub service, JUPYTERHUB_SERVICE_NAME), the user that server
   signed the page request in as (request.HUB_USER_HEADER, set by the server alone).
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

from selfexplore import settings
from selfexplore.serving.request import HUB_USER_HEADER, PASS_COOKIE, VISITOR_HEADER, PageRequest

HUB_ENV = "JUPYTERHUB_USER"
HUB_SERVICE_ENV = "JUPYTERHUB_SERVICE_NAME"  # set by the hub in the services it runs, and so in their kernels
# Set only in the facilitator's and the advisers' servers' kernels: their pages show nothing without it.
FACILITATOR_ROLE = "facilitator"


@dataclass(frozen=True)
class SignedIn:
    kind: Literal["hub", "proxy"]
    name: str


@dataclass(frozen=True)
class Arrival:
    """Who a page request says the visitor is, as the hosting tells it: the hub's or a trusted proxy's user,
    else the page pass in the browser's cookie, else nobody yet. Read from Voila's environment by `arrival`;
    the student's service (selfexplore.services.visit) takes it as it is, and never reads an environment."""

    signed_in: SignedIn | None = None
    page_pass: str | None = None
    school_signs_in: bool = False  # the hosting signs students in: only they may join a session
    advisers: tuple[tuple[str, str], ...] = ()  # the advisers the hosting names (user name, display name)
    visitor: str | None = None  # who the server took the visitor to be (request.VISITOR_HEADER), if it says
    sign_out_url: str | None = None  # where the hosting signs the student out (the hub's logout page)


def arrival(environ: Mapping[str, str]) -> Arrival:
    """The Arrival of the page request described by `environ` (a kernel's environment once it holds the
    request: see selfexplore.serving.request)."""
    request = PageRequest.from_environ(environ)
    school = signs_students_in(environ)
    return Arrival(
        resolve_identity(environ, request.headers),
        request.cookies.get(PASS_COOKIE) or None,
        school,
        known_advisers(environ) if school else (),
        request.headers.get(VISITOR_HEADER.lower()) or None,
        hub_sign_out_url(environ),
    )


def hub_sign_out_url(environ: Mapping[str, str]) -> str | None:
    """The hub's logout page, under a hub (hosting review of 5 December 2026, F5: a student on a shared
    computer had no way to sign out without knowing the hub's address for it)."""
    if not under_a_hub(environ):
        return None
    base = environ.get("JUPYTERHUB_BASE_URL", "/").strip() or "/"
    return base.rstrip("/") + "/hub/logout"


def resolve_identity(environ: Mapping[str, str], headers: Mapping[str, str] | None = None) -> SignedIn | None:
    """The signed-in user, or None when the student is to be known by a resume code."""
    lowered = {key.lower(): value for key, value in (headers or {}).items()}
    if environ.get(HUB_SERVICE_ENV, "").strip():
        # A shared hub service: its server signed the request in. A student is one hub user whichever
        # layout the hub runs, so the same "hub" identity as on a server of their own. First: a hub that
        # starts the service as a Unix user of its own sets JUPYTERHUB_USER to that user's name, which is
        # nobody's answers.
        shared_user = lowered.get(HUB_USER_HEADER.lower(), "").strip()
        return SignedIn("hub", shared_user) if shared_user else None
    hub_user = environ.get(HUB_ENV, "").strip()
    if hub_user:
        return SignedIn("hub", hub_user)
    header = settings.TRUSTED_HEADER.read(environ).lower()
    if header and headers:
        name = user_name_from_header(lowered.get(header, ""))
        if name:
            return SignedIn("proxy", name)
    return None


def under_a_hub(environ: Mapping[str, str]) -> bool:
    """True in a hub user's own server and in the server the hub's users share, and in their kernels."""
    return bool(environ.get(HUB_ENV, "").strip() or environ.get(HUB_SERVICE_ENV, "").strip())


def signs_students_in(environ: Mapping[str, str]) -> bool:
    """True where the hosting signs students in (JupyterHub, or a trusted proxy's header is configured)."""
    return under_a_hub(environ) or settings.TRUSTED_HEADER.given(environ)


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
    group = settings.FACILITATOR_GROUP.read(environ)
    if not environ.get(HUB_ENV, "").strip() or not group:
        return True
    return group in hub_groups(environ, fetch)


# Advisers. Where the school signs students in, the hosting names the advisers a student may pick from in
# SELFEXPLORE_ADVISERS, a JSON object of user name: display name (the hub config fills it from the advisers
# group). An adviser's own server sets the adviser role, and names the adviser: the hub's user under a hub
# (who must be in SELFEXPLORE_ADVISER_GROUP there), else SELFEXPLORE_ADVISER (`selfexplore advise --adviser`).
ADVISER_ROLE = "adviser"
ADVISER_NAME_LIMIT = settings.ADVISER_NAME_LIMIT


def may_facilitate_here(environ: Mapping[str, str]) -> bool:
    """The facilitator dashboard may show figures: the server set the facilitator role, and under a hub the
    user is in the facilitators group (may_facilitate)."""
    return settings.ROLE.read(environ) == FACILITATOR_ROLE and may_facilitate(environ)


def known_advisers(environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The advisers the hosting names, as (user name, display name), in display-name order (the servers
    refuse, at their start, a value that is not a JSON object of names: selfexplore.settings.ADVISERS)."""
    found = {
        name: display[:200]
        for name, display in settings.ADVISERS.read(environ).items()
        if len(name) <= ADVISER_NAME_LIMIT
    }
    return tuple(sorted(found.items(), key=lambda pair: (pair[1].lower(), pair[0])))


def signed_in_adviser(
    environ: Mapping[str, str], fetch: Callable[[urllib.request.Request], bytes] | None = None
) -> str | None:
    """The adviser an adviser page is for, or None where the page must show nothing: the role is not set,
    or, under a hub, the user is not in the advisers group (asked of the hub)."""
    if settings.ROLE.read(environ) != ADVISER_ROLE:
        return None
    hub_user = environ.get(HUB_ENV, "").strip()
    if hub_user:
        group = settings.ADVISER_GROUP.read(environ)
        if not group or group not in hub_groups(environ, fetch):
            return None
        return hub_user
    return settings.ADVISER.read(environ) or None
