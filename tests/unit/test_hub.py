"""`selfexplore hub-server` without a hub: what reaches the user's Voila and kernels, what the hub is told of
activity, and how the prefix the hub gives becomes Voila's settings. The whole server, behind a real hub,
is in tests/browser/test_hub.py."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from tornado.httputil import HTTPHeaders

from selfexplore import settings
from selfexplore.serving.activity import activity_body, activity_interval
from selfexplore.serving.hub import (
    DEFAULT_HUB_POOL,
    SERVICE_VARIABLES,
    check_home,
    hub_pool_size,
    hub_service_settings,
    hub_voila_settings,
    listen_address,
    missing_hub_variables,
    service_child_environment,
    voila_child_environment,
)
from selfexplore.serving.hubvoila import HubVoila
from selfexplore.serving.identity import FACILITATOR_ROLE
from selfexplore.serving.request import HUB_USER_HEADER
from selfexplore.serving.serve import HostingError, normalise_base_url, page_config, voila_arguments, voila_config

HUB_ENV = {
    "JUPYTERHUB_USER": "ann",
    "JUPYTERHUB_API_URL": "http://127.0.0.1:8081/hub/api",
    "JUPYTERHUB_API_TOKEN": "secret-token",
    "JPY_API_TOKEN": "secret-token",
    "JUPYTERHUB_SERVICE_PREFIX": "/user/ann/",
    "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:41234/user/ann/",
    "SELFEXPLORE_DB_URL": "postgresql+psycopg://store",
}

# What the hub gives the service it runs for the shared workbook (deploy/jupyterhub, the shared layout).
SERVICE_ENV = {
    "JUPYTERHUB_SERVICE_NAME": "workbook",
    "JUPYTERHUB_API_URL": "http://127.0.0.1:8081/hub/api",
    "JUPYTERHUB_API_TOKEN": "service-token",
    "JUPYTERHUB_CLIENT_ID": "service-workbook",
    "JUPYTERHUB_SERVICE_PREFIX": "/services/workbook/",
    "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:8890",
    "SELFEXPLORE_DB_URL": "postgresql+psycopg://store",
}


class TestHubEnvironment:
    def test_a_hubs_server_has_everything_it_needs(self) -> None:
        assert missing_hub_variables(HUB_ENV) == []

    def test_what_is_missing_is_named(self) -> None:
        assert missing_hub_variables({"JUPYTERHUB_USER": "ann", "JUPYTERHUB_API_TOKEN": " "}) == [
            "JUPYTERHUB_API_URL",
            "JUPYTERHUB_API_TOKEN",
            "JUPYTERHUB_SERVICE_PREFIX",
            "JUPYTERHUB_SERVICE_URL",
        ]

    def test_a_home_folder_that_is_missing_or_not_writable_is_refused_in_one_line(self, tmp_path: Path) -> None:
        """Hosting review of 5 December 2026, F3: a missing users' folder left the student a bare 500."""
        assert check_home({"HOME": str(tmp_path)}) == tmp_path
        for home in ("", str(tmp_path / "users" / "nia")):
            with pytest.raises(HostingError, match=r"home folder .* does not exist or cannot be written"):
                check_home({"HOME": home})
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        if os.geteuid() != 0:  # root writes anywhere
            with pytest.raises(HostingError, match="the users' folder its config names"):
                check_home({"HOME": str(locked)})

    def test_a_students_kernels_never_get_the_hubs_token(self) -> None:
        child = voila_child_environment({**HUB_ENV, settings.FACILITATOR_GROUP.name: "facilitators"}, role="")
        assert "JUPYTERHUB_API_TOKEN" not in child
        assert "JPY_API_TOKEN" not in child  # the same token, under the name older servers read
        assert settings.FACILITATOR_GROUP.name not in child
        assert settings.ROLE.name not in child
        # Who the student is and where the store is still reach them.
        assert child["JUPYTERHUB_USER"] == "ann"
        assert child["SELFEXPLORE_DB_URL"] == HUB_ENV["SELFEXPLORE_DB_URL"]

    def test_a_facilitators_kernels_may_ask_the_hub_for_their_groups(self) -> None:
        child = voila_child_environment(
            {**HUB_ENV, settings.FACILITATOR_GROUP.name: "facilitators"}, role=FACILITATOR_ROLE
        )
        assert child["JUPYTERHUB_API_TOKEN"] == HUB_ENV["JUPYTERHUB_API_TOKEN"]
        assert child[settings.FACILITATOR_GROUP.name] == "facilitators"
        assert child[settings.ROLE.name] == "facilitator"


class TestActivity:
    def test_the_hub_is_told_the_servers_last_activity_in_utc(self) -> None:
        when = datetime(2026, 12, 2, 9, 30, 15, tzinfo=timezone(timedelta(hours=1)))
        assert activity_body(when, "") == {
            "last_activity": "2026-12-02T08:30:15Z",
            "servers": {"": {"last_activity": "2026-12-02T08:30:15Z"}},
        }

    def test_a_named_server_is_reported_under_its_name(self) -> None:
        body = activity_body(datetime(2026, 1, 1, tzinfo=UTC), "workbook")
        assert list(body["servers"]) == ["workbook"]

    def test_the_interval_defaults_and_can_be_set(self) -> None:
        assert activity_interval({}) == settings.ACTIVITY_INTERVAL.default
        assert activity_interval({"SELFEXPLORE_ACTIVITY_INTERVAL": "5"}) == 5

    @pytest.mark.parametrize("named", ["0", "-1", "soon", "1.5"])
    def test_an_interval_that_is_not_a_whole_number_of_seconds_is_refused(self, named: str) -> None:
        with pytest.raises(settings.SettingError, match=r"^SELFEXPLORE_ACTIVITY_INTERVAL must be a whole number"):
            activity_interval({"SELFEXPLORE_ACTIVITY_INTERVAL": named})


class TestHubVoila:
    def test_a_students_server_keeps_no_kernels_waiting(self) -> None:
        assert hub_pool_size({}) == DEFAULT_HUB_POOL == 0
        assert hub_pool_size({"SELFEXPLORE_POOL": "0"}) == 0
        # Kernels waiting for one student are memory nobody else can use.
        for named in ("1", "8", "many"):
            with pytest.raises(
                HostingError, match="SELFEXPLORE_POOL must be 0 or unset for a hub's server of one user"
            ):
                hub_pool_size({"SELFEXPLORE_POOL": named})

    def test_voila_answers_at_the_hubs_prefix_and_address_with_the_hubs_sign_in(self) -> None:
        arguments, config = hub_voila_settings(HUB_ENV, role="")
        assert arguments[0].endswith("workbook.ipynb")
        assert "--Voila.base_url=/user/ann/" in arguments
        assert "--Voila.server_url=/user/ann/" in arguments
        assert "--Voila.ip=127.0.0.1" in arguments
        assert "--port=41234" in arguments
        assert config["Voila"]["identity_provider_class"] == "selfexplore.serving.hubvoila.HubIdentityProvider"
        assert config["Voila"]["authorizer_class"].endswith("JupyterHubAuthorizer")
        # The token goes to the config file (0600), never to a command line other users could read.
        assert config["HubOAuth"]["api_token"] == HUB_ENV["JUPYTERHUB_API_TOKEN"]
        assert not any("secret-token" in argument for argument in arguments)

    def test_in_a_pod_it_listens_where_the_spawner_says(self) -> None:
        environ = {**HUB_ENV, "JUPYTERHUB_SERVICE_URL": "http://0.0.0.0:8888/user/ann/"}
        arguments, _config = hub_voila_settings(environ, role="")
        assert "--Voila.ip=0.0.0.0" in arguments
        assert "--port=8888" in arguments

    @pytest.mark.parametrize("url", ["", "127.0.0.1:8888", "http://127.0.0.1/user/ann/", "ftp://h:1/", "http://h:x/"])
    def test_a_service_url_without_a_host_and_port_is_refused_in_one_line(self, url: str) -> None:
        with pytest.raises(HostingError, match="JUPYTERHUB_SERVICE_URL"):
            listen_address(url)

    def test_a_bad_prefix_is_refused_in_one_line(self) -> None:
        with pytest.raises(HostingError, match="JUPYTERHUB_SERVICE_PREFIX"):
            hub_voila_settings({**HUB_ENV, "JUPYTERHUB_SERVICE_PREFIX": "/a b/"}, role="")

    def test_behind_a_proxy_that_removes_the_prefix_voila_answers_at_its_root(self) -> None:
        arguments = voila_arguments("{port}", pool=0, base_url="/user/ann/", server_url="/")
        assert "--Voila.base_url=/user/ann/" in arguments
        assert "--Voila.server_url=/" in arguments

    def test_on_its_own_the_prefix_is_both_where_it_answers_and_what_its_pages_use(self) -> None:
        arguments = voila_arguments(8866, base_url="/workbook/")
        assert "--Voila.base_url=/workbook/" in arguments
        assert "--Voila.server_url=/workbook/" in arguments

    def test_a_facilitators_hub_server_serves_the_dashboard_at_its_root(self) -> None:
        arguments, config = hub_voila_settings(
            {**HUB_ENV, "JUPYTERHUB_SERVICE_PREFIX": "/user/fran/"}, role=FACILITATOR_ROLE
        )
        assert arguments[0].endswith("dashboard.ipynb")
        assert "--Voila.base_url=/user/fran/" in arguments
        assert config["Voila"]["identity_provider_class"] == "selfexplore.serving.hubvoila.HubIdentityProvider"

    def test_under_a_hub_kernels_are_given_no_cookies(self) -> None:
        # The hub signs the student in; its sign-in cookie is no business of the kernel's.
        assert voila_config(pool=0, cookies=False)["VoilaConfiguration"]["http_header_envs"] == []

    def test_kernels_are_reached_through_unix_sockets_not_local_ports(self) -> None:
        # No other local user can connect, and two servers starting kernels at once never pick one port.
        assert page_config()["KernelManager"] == {"transport": "ipc"}
        assert voila_config(pool=0, cookies=False)["KernelManager"] == {"transport": "ipc"}

    def test_pages_load_only_the_extensions_the_widgets_need(self) -> None:
        allowed = page_config()["VoilaConfiguration"]["extension_allowlist"]
        assert set(allowed) == {
            "@voila-dashboards/widgets-manager8",
            "@jupyter-widgets/jupyterlab-manager",
            "anywidget",
        }
        assert "@jupyter-widgets/jupyterlab-manager" in allowed


class TestBaseUrl:
    @pytest.mark.parametrize(
        ("given", "wanted"),
        [
            ("/", "/"),
            ("/workbook", "/workbook/"),
            ("/user/ann/", "/user/ann/"),
            ("//a//b", "/a/b/"),
            # JupyterHub's prefixes for user names it escapes: an e-mail address, a space.
            ("/user/ann@school.org/", "/user/ann@school.org/"),
            ("/user/ann%20lee/", "/user/ann%20lee/"),
        ],
    )
    def test_a_path_prefix_gets_one_slash_each_side(self, given: str, wanted: str) -> None:
        assert normalise_base_url(given) == wanted

    @pytest.mark.parametrize("given", ["", "workbook/", "http://host/", "/a/../b", "/a?b", "/a b", "/ä/", "/a%zz/"])
    def test_anything_but_a_plain_path_is_refused(self, given: str) -> None:
        with pytest.raises(ValueError, match="a base URL is a path"):
            normalise_base_url(given)


class TestHubService:
    """`selfexplore hub-service`: the one workbook server a hub's students share."""

    def test_a_hubs_service_has_everything_it_needs_and_what_is_missing_is_named(self) -> None:
        assert missing_hub_variables(SERVICE_ENV, SERVICE_VARIABLES) == []
        # A student's server's variables are not a service's: no service name, no client id.
        assert missing_hub_variables(HUB_ENV, SERVICE_VARIABLES) == ["JUPYTERHUB_SERVICE_NAME", "JUPYTERHUB_CLIENT_ID"]

    def test_voila_answers_at_the_services_prefix_shared_by_every_signed_in_student(self) -> None:
        arguments, config = hub_service_settings(SERVICE_ENV)
        assert arguments[0].endswith("workbook.ipynb")
        assert "--Voila.base_url=/services/workbook/" in arguments
        assert "--Voila.ip=127.0.0.1" in arguments
        assert "--port=8890" in arguments
        assert config["HubVoila"] == {"shared": True}
        assert config["Voila"]["identity_provider_class"] == "selfexplore.serving.hubvoila.HubIdentityProvider"
        assert config["Voila"]["authorizer_class"].endswith("JupyterHubAuthorizer")
        # The kernel learns the signed-in user from the server, and nothing of the browser's cookies.
        headers = config["VoilaConfiguration"]["http_header_envs"]
        assert HUB_USER_HEADER in headers and "Cookie" not in headers
        # Kernels kept ready for the class, as `serve` keeps them (8 unless SELFEXPLORE_POOL says otherwise).
        assert "--VoilaConfiguration.preheat_kernel=True" in arguments
        assert list(config["VoilaKernelManager"]["kernel_pools_config"].values()) == [{"pool_size": 8}]
        none = hub_service_settings({**SERVICE_ENV, "SELFEXPLORE_POOL": "0"})
        assert not any("preheat_kernel" in argument for argument in none[0]) and "VoilaKernelManager" not in none[1]
        assert config["HubOAuth"]["api_token"] == SERVICE_ENV["JUPYTERHUB_API_TOKEN"]
        assert not any("service-token" in argument for argument in arguments)

    def test_a_bad_prefix_or_address_is_refused_in_one_line(self) -> None:
        with pytest.raises(HostingError, match="JUPYTERHUB_SERVICE_PREFIX"):
            hub_service_settings({**SERVICE_ENV, "JUPYTERHUB_SERVICE_PREFIX": "/a b/"})
        with pytest.raises(HostingError, match="JUPYTERHUB_SERVICE_URL"):
            hub_service_settings({**SERVICE_ENV, "JUPYTERHUB_SERVICE_URL": "127.0.0.1"})

    def test_its_kernels_never_get_the_services_token_or_the_unix_user_it_runs_as(self) -> None:
        child = service_child_environment({**SERVICE_ENV, "JUPYTERHUB_USER": "selfexplore-workbook"})
        assert "JUPYTERHUB_API_TOKEN" not in child
        assert "JUPYTERHUB_USER" not in child
        assert child["JUPYTERHUB_SERVICE_NAME"] == "workbook"
        assert child["SELFEXPLORE_DB_URL"] == SERVICE_ENV["SELFEXPLORE_DB_URL"]


def _page_request(user: str | None, *, signed_in: bool = True, cookie: str | None = "browser-1") -> SimpleNamespace:
    """A request as the hub's sign-in leaves it: Jupyter Server sets _jupyter_current_user in `prepare`."""
    handler = SimpleNamespace(
        request=SimpleNamespace(headers=HTTPHeaders({HUB_USER_HEADER: "forged"}), remote_ip="127.0.0.1"),
        get_cookie=lambda name: cookie,
        current_user=SimpleNamespace(username=user) if user else None,
    )
    if signed_in:
        handler._jupyter_current_user = handler.current_user
    return handler


class TestSharedHubVoila:
    """What the shared server decides of a request: the kernel's binding, the visitor, the kernel's user."""

    def test_a_kernel_is_bound_to_the_browser_and_the_hub_user(self) -> None:
        app = HubVoila(shared=True)
        assert app.binding(_page_request("ann")) == "browser-1\nann"
        assert app.binding(_page_request("ann"), "browser-2") == "browser-2\nann"
        # Another student in the same browser holds another binding.
        assert app.binding(_page_request("bob")) != app.binding(_page_request("ann"))

    def test_without_a_sign_in_or_a_browser_there_is_nothing_to_bind_to(self) -> None:
        app = HubVoila(shared=True)
        assert app.binding(_page_request(None)) is None
        assert app.binding(_page_request("ann", signed_in=False)) is None
        assert app.binding(_page_request("ann", cookie=None)) is None

    def test_the_kernel_is_told_the_signed_in_user_never_what_the_browser_sent(self) -> None:
        app = HubVoila(shared=True)
        request = _page_request("ann")
        app.hand_on_identity(request)
        assert request.request.headers.get_list(HUB_USER_HEADER) == ["ann"]
        nobody = _page_request(None)
        app.hand_on_identity(nobody)
        assert HUB_USER_HEADER not in nobody.request.headers

    def test_one_visitor_is_one_hub_user_not_the_hubs_proxy_address(self) -> None:
        app = HubVoila(shared=True)
        assert app.client_of(_page_request("ann")) == "user:ann"
        assert app.client_of(_page_request("ann")) != app.client_of(_page_request("bob"))

    def test_a_students_own_server_binds_to_the_browser_alone_and_drops_the_header(self) -> None:
        app = HubVoila()
        assert app.binding(_page_request("ann")) == "browser-1"
        request = _page_request("ann")
        app.hand_on_identity(request)
        assert HUB_USER_HEADER not in request.request.headers
