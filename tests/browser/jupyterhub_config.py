# The hub of the hub tests: the school's config from deploy/jupyterhub, as a host copies it, with a test
# sign-in (JupyterHub's dummy authenticator, one shared password) and everything on 127.0.0.1.
import os
from pathlib import Path

load_subconfig(os.environ["SELFEXPLORE_DEPLOY_CONFIG"])  # noqa: F821 - provided by JupyterHub
c = get_config()  # noqa: F821

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ["SELFEXPLORE_TEST_HUB_PASSWORD"]
c.Authenticator.allow_all = True
c.Authenticator.admin_users = set()
c.JupyterHub.hub_bind_url = os.environ["SELFEXPLORE_TEST_HUB_API"]
c.ConfigurableHTTPProxy.command = [os.environ["SELFEXPLORE_TEST_CHP"]]
c.ConfigurableHTTPProxy.api_url = os.environ["SELFEXPLORE_TEST_PROXY_API"]
c.JupyterHub.cookie_secret_file = str(Path.cwd() / "jupyterhub_cookie_secret")
# A token for the tests and benchmarks to speak to the hub's API as an admin service (list servers, stop
# one, make a student a token).
c.JupyterHub.services.append({"name": "tests", "api_token": os.environ["SELFEXPLORE_TEST_HUB_TOKEN"]})
c.JupyterHub.load_roles.append(
    {
        "name": "tests",
        "scopes": ["admin:users", "admin:servers", "list:users", "read:users", "tokens"],
        "services": ["tests"],
    }
)
# Servers report their activity every 2 s instead of every minute, so the test need not wait.
c.Spawner.environment["SELFEXPLORE_ACTIVITY_INTERVAL"] = "2"
