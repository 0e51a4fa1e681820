"""Identity is resolved in the order hub user, trusted proxy header, resume code."""

from __future__ import annotations

import json

from selfexplore.serving.identity import SignedIn, hub_sign_out_url, resolve_identity, signs_students_in, under_a_hub
from selfexplore.serving.request import HUB_USER_HEADER

SERVICE = {"JUPYTERHUB_SERVICE_NAME": "workbook", "JUPYTERHUB_BASE_URL": "/pdw/"}


class TestResolveIdentity:
    def test_the_hub_user_comes_first(self) -> None:
        environ = {"JUPYTERHUB_USER": "s042", "SELFEXPLORE_TRUSTED_HEADER": "X-Remote-User"}
        assert resolve_identity(environ, {"X-Remote-User": "other"}) == SignedIn("hub", "s042")

    def test_a_proxy_header_counts_only_when_configured(self) -> None:
        headers = {"X-Remote-User": "s042"}
        assert resolve_identity({}, headers) is None
        configured = {"SELFEXPLORE_TRUSTED_HEADER": "x-remote-user"}
        assert resolve_identity(configured, headers) == SignedIn("proxy", "s042")

    def test_an_empty_header_or_no_headers_means_a_resume_code(self) -> None:
        configured = {"SELFEXPLORE_TRUSTED_HEADER": "X-Remote-User"}
        assert resolve_identity(configured, {"X-Remote-User": "  "}) is None
        assert resolve_identity(configured, None) is None

    def test_nothing_known_means_a_resume_code(self) -> None:
        assert resolve_identity({}) is None

    def test_a_forwarded_user_model_is_known_by_its_name_alone(self) -> None:
        configured = {"SELFEXPLORE_TRUSTED_HEADER": "X-Hub-User"}
        before = {"X-Hub-User": json.dumps({"name": "s042", "admin": False, "groups": []})}
        after = {"X-Hub-User": json.dumps({"name": "s042", "admin": True, "groups": ["pdw-room-3"]})}
        assert resolve_identity(configured, before) == SignedIn("proxy", "s042")
        assert resolve_identity(configured, after) == resolve_identity(configured, before)

    def test_a_user_model_without_a_name_signs_nobody_in(self) -> None:
        configured = {"SELFEXPLORE_TRUSTED_HEADER": "X-Hub-User"}
        for value in ('{"groups": ["a"]}', '{"name": 42}', '{"name": "  "}', "{not json", '{"name": null}'):
            assert resolve_identity(configured, {"X-Hub-User": value}) is None, value


class TestSharedHubService:
    """The one workbook server a hub's students share: its server names the signed-in hub user to the kernel."""

    def test_the_user_the_server_signed_in_is_the_same_hub_student_as_on_a_server_of_their_own(self) -> None:
        assert resolve_identity(SERVICE, {HUB_USER_HEADER: "s042"}) == SignedIn("hub", "s042")
        assert resolve_identity(SERVICE, {HUB_USER_HEADER.lower(): " s042 "}) == resolve_identity(
            {"JUPYTERHUB_USER": "s042"}
        )

    def test_the_unix_user_a_hub_starts_the_service_as_is_nobodys_identity(self) -> None:
        # A hub that starts the service as a user of its own sets JUPYTERHUB_USER to that user's name.
        started_as = {**SERVICE, "JUPYTERHUB_USER": "selfexplore-workbook"}
        assert resolve_identity(started_as, {HUB_USER_HEADER: "s042"}) == SignedIn("hub", "s042")
        assert resolve_identity(started_as, {}) is None

    def test_without_the_servers_header_nobody_is_signed_in(self) -> None:
        assert resolve_identity(SERVICE, {}) is None
        assert resolve_identity(SERVICE, {HUB_USER_HEADER: "  "}) is None
        # A trusted proxy's header is not a way round it in a hub service.
        configured = {**SERVICE, "SELFEXPLORE_TRUSTED_HEADER": "X-Remote-User"}
        assert resolve_identity(configured, {"X-Remote-User": "s042"}) is None

    def test_the_header_means_nothing_outside_a_hub_service(self) -> None:
        assert resolve_identity({}, {HUB_USER_HEADER: "s042"}) is None
        configured = {"SELFEXPLORE_TRUSTED_HEADER": "X-Remote-User"}
        assert resolve_identity(configured, {HUB_USER_HEADER: "s042"}) is None
        # On a student's own server the hub's user is who it is, whatever the header says.
        assert resolve_identity({"JUPYTERHUB_USER": "ann"}, {HUB_USER_HEADER: "bob"}) == SignedIn("hub", "ann")

    def test_a_hub_service_is_under_the_hub_and_signs_out_through_it(self) -> None:
        assert under_a_hub(SERVICE) and under_a_hub({"JUPYTERHUB_USER": "ann"})
        assert not under_a_hub({}) and not under_a_hub({"JUPYTERHUB_SERVICE_NAME": " "})
        assert signs_students_in(SERVICE)
        assert hub_sign_out_url(SERVICE) == "/pdw/hub/logout"
        assert hub_sign_out_url({}) is None
