"""Identity is resolved in the order hub user, trusted proxy header, resume code."""

from __future__ import annotations

import json

from selfexplore.serving.identity import SignedIn, resolve_identity


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
