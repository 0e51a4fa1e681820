# JupyterHub for a class on one machine. In the shared layout (the default) every student who signs in
# opens the one workbook server the hub runs as a service (selfexplore hub-service: the workbook's Voila
# behind the hub's sign-in, a kernel per student's page); in the per-student layout each student gets a
# server of their own (selfexplore hub-server). Facilitators and advisers get a server of their own in both.
# Copy this file next to the hub, set the values marked SET, and start the hub with
#   jupyterhub -f jupyterhub_config.py
# docs/hosting.md walks through it from a fresh machine.
import json
import os
import pwd
import shutil
import sys
from pathlib import Path

from tornado import web

c = get_config()  # noqa: F821 - JupyterHub provides get_config when it reads this file

# SET: the store. PostgreSQL for a class (SQLite is for one laptop). Keep the URL with its password in a
# file only the hub's user can read, and hand it to the hub in its environment: it reaches the students'
# servers through the spawner's environment below, and nothing else.
# Taken out of the hub's own environment here, so that the processes the hub starts with that environment
# (its proxy, its services) never see it.
STORE_URL = os.environ.pop("SELFEXPLORE_DB_URL")
# SET: the identity key every student's server shares (hub user names are stored as an HMAC with it, so the
# database alone links no row to a name). Make it once and keep it as long as the store, beside its URL:
#   python3 -c 'import secrets; print(secrets.token_urlsafe(32))'
IDENTITY_KEY = os.environ.pop("SELFEXPLORE_IDENTITY_KEY")
# SET: who facilitates group sessions (hub user names). Members of this hub group get the dashboard; the
# hub's roles, not a token, decide who reaches it.
FACILITATORS_GROUP = os.environ.get("SELFEXPLORE_FACILITATOR_GROUP", "facilitators")
FACILITATORS = [name for name in os.environ.get("SELFEXPLORE_FACILITATORS", "").split(",") if name.strip()]
# SET: the Society advisors (hub user names), and the names students see them by (a JSON object of user
# name: display name). Members of this hub group get their adviser page, where they read what their students
# share with them; students pick them by these names when they share. The group's `display_names` property
# holds the names, so an admin can change them through the hub's API too.
ADVISERS_GROUP = os.environ.get("SELFEXPLORE_ADVISER_GROUP", "advisers")
ADVISERS = [name for name in os.environ.get("SELFEXPLORE_ADVISER_USERS", "").split(",") if name.strip()]
ADVISER_NAMES = json.loads(os.environ.get("SELFEXPLORE_ADVISER_NAMES", "{}"))
# How long a student's server may sit without a request before the idle culler stops it (every answer is
# saved the moment it is given, so nothing is lost; signing in again starts it afresh).
IDLE_TIMEOUT = int(os.environ.get("SELFEXPLORE_IDLE_TIMEOUT", "3600"))
SELFEXPLORE = shutil.which("selfexplore") or str(Path(sys.executable).with_name("selfexplore"))
# SET: the layout. "shared": one workbook server for every student, about a third of the memory and CPU per
# student of a server each (docs/hosting.md has the figures); "per-student": a server for each student.
LAYOUT = os.environ.get("SELFEXPLORE_HUB_LAYOUT", "shared")
if LAYOUT not in ("shared", "per-student"):
    raise ValueError(f"SELFEXPLORE_HUB_LAYOUT is 'shared' or 'per-student', not {LAYOUT!r}")
# Where the shared workbook listens, on this machine only (the hub's proxy reaches it; students never do).
WORKBOOK_SERVICE = "workbook"
WORKBOOK_PORT = int(os.environ.get("SELFEXPLORE_HUB_WORKBOOK_PORT", "8890"))
# SET (shared layout, recommended): a Unix user of its own for the shared workbook, and so for every student's
# kernel, so that they cannot read the hub's folder (its cookie secret, its database) or write the installed
# code. Make it once:
#   useradd --system --create-home --home-dir /var/lib/selfexplore-workbook selfexplore-workbook
# A hub run as root starts the workbook as that user itself; a hub run as a user of its own (docs/hosting.md)
# starts it through sudo, with this line in /etc/sudoers.d/selfexplore:
#   selfexplore ALL=(selfexplore-workbook) NOPASSWD:SETENV: /opt/selfexplore/venv/bin/selfexplore hub-service
# Unset: the workbook runs as the hub's own user.
WORKBOOK_USER = os.environ.get("SELFEXPLORE_HUB_WORKBOOK_USER", "").strip()
# SET (shared layout): how many kernels the workbook keeps ready for students arriving at once (0: none).
WORKBOOK_POOL = os.environ.get("SELFEXPLORE_HUB_WORKBOOK_POOL", "8").strip()

# SET: the school's sign-in, one of (each its own package, installed beside JupyterHub):
#   OAuth (Microsoft Entra ID, Google, Okta, any OpenID Connect), package oauthenticator:
#     c.JupyterHub.authenticator_class = "generic-oauth"   # then its client id, secret and URLs
#   LTI 1.3, from the school's learning platform (Canvas, Moodle), package jupyterhub-ltiauthenticator:
#     c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.authenticator.LTI13Authenticator"
#   LDAP or Active Directory, package jupyterhub-ldapauthenticator:
#     c.JupyterHub.authenticator_class = "ldapauthenticator.LDAPAuthenticator"   # then server_address
# Whoever the authenticator lets in gets a workbook; restrict it (allowed_users, allow_all, or the
# authenticator's own group settings) as the authenticator's documentation says.

# Each user's server: the workbook, never a Jupyter server that runs code. The servers run as the hub's
# own Unix user (students have no accounts on this machine); they run no student code (Voila refuses to
# execute anything but the workbook), and the hub's sign-in in front of each server lets in only its owner.
c.JupyterHub.spawner_class = "simple"
c.Spawner.cmd = [SELFEXPLORE, "hub-server"]
c.Spawner.args = []
c.Spawner.default_url = "/"
c.Spawner.environment = {"SELFEXPLORE_DB_URL": STORE_URL, "SELFEXPLORE_IDENTITY_KEY": IDENTITY_KEY}
# How long the hub waits for a server to start and answer. One server starts in a few seconds, but when a
# room signs in at once they share the cores: 30 at once on 2 cores took minutes (docs/hosting.md).
c.Spawner.http_timeout = 300
c.Spawner.start_timeout = 300
# A local spawner sets no memory limit (Spawner.mem_limit is for spawners that enforce one); what a
# student's server holds, measured, is in docs/hosting.md, to size the machine by.
c.SimpleLocalProcessSpawner.home_dir_template = str(
    Path(os.environ.get("SELFEXPLORE_HUB_HOME", "/srv/selfexplore/users")) / "{username}"
)

# A student who signs in lands in the workbook: the hub starts their server and sends them to it.
c.JupyterHub.redirect_to_server = True
c.JupyterHub.implicit_spawn_seconds = 0.01


def _advisers(spawner):
    """The advisers group's members, each with the name students see (its `display_names` property)."""
    from jupyterhub import orm

    group = spawner.user.db.query(orm.Group).filter_by(name=ADVISERS_GROUP).one_or_none()
    if group is None:
        return {}
    names = (group.properties or {}).get("display_names", {})
    return {user.name: str(names.get(user.name) or user.name) for user in group.users}


def _role_server(spawner):
    """Asked of the hub's groups at every start: facilitators get the dashboard, advisers their adviser
    page, and a student's workbook is told who the advisers are, to pick from when sharing."""
    groups = {group.name for group in spawner.user.groups}
    if FACILITATORS_GROUP in groups:
        spawner.cmd = [SELFEXPLORE, "hub-server", "--facilitator"]
        spawner.environment = {**spawner.environment, "SELFEXPLORE_FACILITATOR_GROUP": FACILITATORS_GROUP}
    elif ADVISERS_GROUP in groups:
        spawner.cmd = [SELFEXPLORE, "hub-server", "--adviser"]
        spawner.environment = {
            **spawner.environment,
            "SELFEXPLORE_ADVISER_GROUP": ADVISERS_GROUP,
            # the adviser's own display name, for the students who give them an adviser code
            "SELFEXPLORE_ADVISERS": json.dumps(_advisers(spawner)),
        }
    elif LAYOUT == "shared":
        # A student's workbook is the shared service: a student who asks for a server of their own (the hub's
        # home page offers one) is told where the workbook is instead, on the hub's error page (which shows an
        # HTTPError's jupyterhub_message, and jupyterhub_html_message as HTML).
        workbook = f"{spawner.user.base_url.rsplit('/user/', 1)[0]}/services/{WORKBOOK_SERVICE}/"
        refusal = web.HTTPError(403, "students open the shared workbook")
        refusal.jupyterhub_message = f"Your workbook is at {workbook}: students have no server of their own here."
        refusal.jupyterhub_html_message = (
            f'Your workbook is <a href="{workbook}">here</a> ({workbook}): students have no server of their own here.'
        )
        raise refusal
    else:
        spawner.environment = {**spawner.environment, "SELFEXPLORE_ADVISERS": json.dumps(_advisers(spawner))}


c.Spawner.pre_spawn_hook = _role_server
c.JupyterHub.load_groups = {
    FACILITATORS_GROUP: {"users": FACILITATORS},
    ADVISERS_GROUP: {"users": ADVISERS, "properties": {"display_names": ADVISER_NAMES}},
}
# A server's own token may read which groups its user is in: the dashboard asks the hub at each refresh, and
# the adviser page when it opens.
c.Spawner.server_token_scopes = [
    "access:servers!server",
    "users:activity!user",
    "read:users:name!user",
    "read:users:groups!user",
]

# Idle culling: the workbook's server reports its last request to the hub; the culler stops servers
# idle longer than IDLE_TIMEOUT.
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE_TIMEOUT}", "--cull-every=300"],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]

if LAYOUT == "shared":
    # The shared workbook: a service the hub starts, stops and restarts with itself, signing each student in
    # with the hub's OAuth (no page to confirm it). Students are told the advisers as the hub starts; an
    # adviser added to the group later appears to them after the hub's next restart.
    workbook = {
        "name": WORKBOOK_SERVICE,
        "url": f"http://127.0.0.1:{WORKBOOK_PORT}",
        "command": [SELFEXPLORE, "hub-service"],
        "environment": {
            "SELFEXPLORE_DB_URL": STORE_URL,
            "SELFEXPLORE_IDENTITY_KEY": IDENTITY_KEY,
            "SELFEXPLORE_ADVISERS": json.dumps({name: str(ADVISER_NAMES.get(name) or name) for name in ADVISERS}),
            # Kernels that have run the workbook before students arrive (about 72 MiB each while they wait):
            # a student who arrives takes one, and the pool refills one at a time behind them.
            "SELFEXPLORE_POOL": WORKBOOK_POOL,
        },
        "oauth_no_confirm": True,
    }
    if WORKBOOK_USER:
        try:
            pwd.getpwnam(WORKBOOK_USER)
        except KeyError:
            raise ValueError(f"SELFEXPLORE_HUB_WORKBOOK_USER: no Unix user {WORKBOOK_USER!r} on this machine") from None
        # Started in a folder every user may enter: the hub's own is closed to the workbook's user.
        workbook["cwd"] = "/"
        if os.geteuid() == 0:
            workbook["user"] = WORKBOOK_USER
        else:
            # sudo keeps what the hub hands the service (--preserve-env, allowed by SETENV in sudoers) and sets
            # HOME to the workbook user's own; it passes the hub's SIGTERM on when the hub stops.
            workbook["command"] = [
                "sudo",
                "--non-interactive",
                "--preserve-env",
                "--set-home",
                f"--user={WORKBOOK_USER}",
                "--",
                SELFEXPLORE,
                "hub-service",
            ]
    c.JupyterHub.services.append(workbook)
    # Every signed-in user may open it (the hub's default role gives a user only their own things).
    c.JupyterHub.load_roles.append({"name": "user", "scopes": ["self", f"access:services!service={WORKBOOK_SERVICE}"]})

    def _landing(handler):
        """Where a user lands after signing in: a student in the shared workbook; a facilitator or an
        adviser (empty: the hub's own rule) in their server."""
        user = handler.current_user
        groups = {group.name for group in user.groups} if user is not None else set()
        if groups & {FACILITATORS_GROUP, ADVISERS_GROUP}:
            return ""
        return f"{handler.base_url}services/{WORKBOOK_SERVICE}/"

    c.JupyterHub.default_url = _landing

# The hub's own state (users, tokens), not the students' answers: SQLite next to the hub is enough.
c.JupyterHub.db_url = os.environ.get("SELFEXPLORE_HUB_DB_URL", "sqlite:///jupyterhub.sqlite")
# SET: the address students open. Put TLS in front (the school's web server), or set ssl_cert/ssl_key.
c.JupyterHub.bind_url = os.environ.get("SELFEXPLORE_HUB_URL", "http://127.0.0.1:8000")
