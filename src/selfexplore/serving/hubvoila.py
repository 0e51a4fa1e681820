"""The workbook's Voila as a JupyterHub server: what `selfexplore hub-server` becomes once it has checked
the pack and the store (run as `python -m selfexplore.serving.hubvoila <Voila's settings>`, never by hand).

It is the workbook's Voila (selfexplore.serving.server: its caps on kernels, kernels bound to the browser of their
page, scrubbed logs) with JupyterHub's own sign-in for Jupyter servers (the identity provider and authorizer
that jupyterhub-singleuser uses): every page, API request and kernel websocket must come from a user the
hub signed in with access to this server, so a student reaches only her own server and a facilitator's
is closed to students. Two things are added:

- the hub's OAuth callback and logout are answered under the server's prefix (Voila adds an identity
  provider's pages at the root of its server, where the hub does not send anyone);
- the server's activity is reported to the hub (JUPYTERHUB_ACTIVITY_URL) every
  SELFEXPLORE_ACTIVITY_INTERVAL seconds when it has changed: the last message from any of its kernels,
  which every page load, click and keystroke of the student's causes. Idle culling
  (jupyterhub-idle-culler) reads it.

The config file that holds the server's hub token is removed as soon as Voila has read it.

Run as a hub service (`selfexplore hub-service`, `shared`), one such server is every student's: the hub's
OAuth signs each request in as a hub user with access to the service, and then

- the page request carries the user to the kernel (request.HUB_USER_HEADER, removed from what the browser
  sent and set from the sign-in): a student is the same student as on a server of their own;
- a kernel is bound to its page's browser and to the hub user it was started for: its websocket, its REST
  model and its shutdown are refused to any other user, in any browser, whatever kernel id they hold;
- one visitor, for the caps on kernels, is one hub user (behind the hub's proxy every request comes from
  the proxy's address, so an address would make the whole class one visitor).
"""

from __future__ import annotations

# First: it declines an import that would cost seconds at every start (see its opening lines).
# isort: off
from selfexplore.serving.server import GuardedVoila

# isort: on

import json
import os
import shutil
from datetime import datetime
from typing import Any

import jupyterhub
from jupyterhub.singleuser.extension import JupyterHubIdentityProvider
from jupyterhub.utils import url_path_join
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.ioloop import PeriodicCallback
from traitlets import Bool

# Of the package, only this small module: the checks are done, and only the kernels need the rest.
from selfexplore.serving.activity import activity_body, activity_interval
from selfexplore.serving.request import HUB_USER_HEADER


class HubIdentityProvider(JupyterHubIdentityProvider):  # type: ignore[misc]
    """JupyterHub's sign-in, with its pages under the server's prefix."""

    def __init__(self, **kwargs: Any) -> None:
        # Voila hands every identity provider a token of its own; here the hub's sign-in decides.
        kwargs.pop("token", None)
        super().__init__(**kwargs)

    def get_handlers(self) -> list[tuple[Any, ...]]:
        prefix = self.hub_auth.base_url  # JUPYTERHUB_SERVICE_PREFIX, /user/<name>/
        return [(url_path_join(prefix, path), *rest) for path, *rest in super().get_handlers()]


class HubVoila(GuardedVoila):
    """Voila under the hub: the config file is removed once read, and activity is reported."""

    name = "selfexplore-hub-server"

    shared = Bool(False, config=True, help="One server for every hub user with access to it (a hub service).")

    def initialize(self, argv: list[str] | None = None) -> None:
        super().initialize(argv)
        for folder in self.config_file_paths:
            shutil.rmtree(folder, ignore_errors=True)

    def init_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = super().init_settings()
        # The hub compares its version with its servers' and warns when they differ (an image built for
        # another hub release); a server that sends none is taken for a very old one.
        settings.setdefault("headers", {})["X-JupyterHub-Version"] = jupyterhub.__version__
        return settings

    def client_of(self, handler: web.RequestHandler) -> str:
        user = _hub_user(handler) if self.shared else None
        return f"user:{user}" if user else super().client_of(handler)

    def binding(self, handler: web.RequestHandler, token: str | None = None) -> str | None:
        browser = super().binding(handler, token)
        if not self.shared:
            return browser
        user = _hub_user(handler)
        return f"{browser}\n{user}" if browser and user else None

    def hand_on_identity(self, handler: web.RequestHandler) -> None:
        handler.request.headers.pop(HUB_USER_HEADER, None)
        user = _hub_user(handler) if self.shared else None
        if user:
            handler.request.headers[HUB_USER_HEADER] = user

    def listen(self) -> None:
        self._reported: datetime | None = None
        interval = activity_interval(os.environ)
        PeriodicCallback(self._report_activity, interval * 1000).start()
        super().listen()  # runs until the hub stops the server, then shuts the kernels down

    async def _report_activity(self) -> None:
        url = os.environ.get("JUPYTERHUB_ACTIVITY_URL", "")
        last: datetime | None = getattr(self.kernel_manager, "last_kernel_activity", None)
        if not url or last is None or (self._reported is not None and self._reported >= last):
            return
        request = HTTPRequest(
            url,
            method="POST",
            headers={
                "Authorization": f"token {self.identity_provider.hub_auth.api_token}",
                "Content-Type": "application/json",
            },
            body=json.dumps(activity_body(last, os.environ.get("JUPYTERHUB_SERVER_NAME", ""))),
            request_timeout=20,
        )
        try:
            await AsyncHTTPClient().fetch(request)
        except (HTTPClientError, OSError) as error:
            self.log.warning("could not report activity to the hub: %s", error)
            return
        self._reported = last


def _hub_user(handler: web.RequestHandler) -> str | None:
    """The hub user the hub's sign-in found for this request (a JupyterHubUser), or None, also where the
    request has not been signed in yet (Jupyter Server does that in its handlers' `prepare`)."""
    if not hasattr(handler, "_jupyter_current_user"):
        return None
    user = handler.current_user
    name = getattr(user, "username", None)
    return name if isinstance(name, str) and name else None


def main() -> None:
    HubVoila.launch_instance()


if __name__ == "__main__":
    main()
