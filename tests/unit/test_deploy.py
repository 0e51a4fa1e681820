"""The Kubernetes deployment as a school copies it: deploy/kubernetes/values.yaml (Zero to JupyterHub) and
the image's Dockerfile. The values run in a real hub in tests/browser/test_hub.py (TestKubernetesValues);
here, what only a cluster would act on: the image, memory, the network policy, where the store's address
comes from."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from jupyterhub.app import JupyterHub
from jupyterhub.spawner import Spawner
from tornado.web import HTTPError
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
# Measured per signed-in student (docs/hosting.md, "What was measured"): Voila and its kernel, USS.
MEASURED_MIB = 192


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((KUBERNETES / "values.yaml").read_text(encoding="utf-8"))
    return loaded


def _bytes(quantity: str) -> int:
    """A Kubernetes memory quantity (256M, 1Gi) in bytes."""
    number, unit = re.fullmatch(r"(\d+)([KMGT]i?)", quantity).groups()  # type: ignore[union-attr]
    powers = {"K": 1, "M": 2, "G": 3, "T": 4}
    return int(number) * (1024 if unit.endswith("i") else 1000) ** powers[unit[0]]


class TestValues:
    def test_each_users_server_is_the_workbook(self, values: dict[str, Any]) -> None:
        single = values["singleuser"]
        assert single["cmd"] == ["selfexplore", "hub-server"]
        assert single["defaultUrl"] == "/"
        assert values["hub"]["config"]["JupyterHub"]["redirect_to_server"] is True

    def test_the_stores_address_comes_from_a_secret_in_the_students_environment(self, values: dict[str, Any]) -> None:
        entry = values["singleuser"]["extraEnv"]["SELFEXPLORE_DB_URL"]
        assert entry == {"valueFrom": {"secretKeyRef": {"name": "selfexplore-store", "key": "url"}}}
        # An environment under hub.config would replace extraEnv: the store's address would be lost.
        for section in ("Spawner", "KubeSpawner"):
            assert "environment" not in values["hub"]["config"].get(section, {})

    def test_memory_is_sized_from_the_measured_figure_not_the_charts_default(self, values: dict[str, Any]) -> None:
        memory = values["singleuser"]["memory"]
        guarantee, limit = _bytes(memory["guarantee"]), _bytes(memory["limit"])
        assert memory["guarantee"] != "1G"
        assert MEASURED_MIB * 1024**2 < guarantee < limit
        # Room for a second tab's kernel (about 70 MiB) within the limit.
        assert limit - MEASURED_MIB * 1024**2 > 2 * 70 * 1024**2

    def test_a_students_pod_reaches_the_database_and_nothing_else(self, values: dict[str, Any]) -> None:
        policy = values["singleuser"]["networkPolicy"]
        assert policy["enabled"] is True
        allowed = {rule for rule, on in policy["egressAllowRules"].items() if on}
        assert allowed == {"dnsPortsKubeSystemNamespace"}
        ports = [port for rule in policy["egress"] for port in rule["ports"]]
        assert ports == [{"port": 5432, "protocol": "TCP"}]

    def test_idle_servers_are_culled(self, values: dict[str, Any]) -> None:
        assert values["cull"]["enabled"] is True
        assert values["cull"]["timeout"] == 3600

    def test_the_hub_settings_are_real_jupyterhub_settings(self, values: dict[str, Any]) -> None:
        # A misspelt setting under hub.config is ignored by the hub without a word: check each one.
        classes = {"JupyterHub": JupyterHub, "Spawner": Spawner}
        for section, settings in values["hub"]["config"].items():
            assert section in classes, section
            for trait in settings:
                assert classes[section].class_traits(config=True).get(trait) is not None, f"{section}.{trait}"

    def test_the_hook_gives_facilitators_and_advisers_their_pages_and_students_the_advisers(
        self, values: dict[str, Any]
    ) -> None:
        c = Config()
        for key, snippet in values["hub"]["extraConfig"].items():
            exec(compile(snippet, key, "exec"), {"c": c})  # noqa: S102 - the values file's own snippet
        hook = c.KubeSpawner.pre_spawn_hook
        advisers = SimpleNamespace(
            users=[SimpleNamespace(name="lee"), SimpleNamespace(name="kim")],
            properties={"display_names": {"lee": "Dr Lee (Society A)"}},
        )

        class Query:
            def __init__(self, found: object) -> None:
                self.found = found

            def filter_by(self, name: str) -> Query:
                return Query(self.found if name == "advisers" else None)

            def one_or_none(self) -> object:
                return self.found

        db = SimpleNamespace(query=lambda _table: Query(advisers))

        def spawner(*groups: str) -> SimpleNamespace:
            user = SimpleNamespace(groups=[SimpleNamespace(name=name) for name in groups], db=db)
            return SimpleNamespace(user=user, cmd=["selfexplore", "hub-server"], environment={"A": "1"})

        facilitator = spawner("facilitators", "pdw-2027")
        hook(facilitator)
        assert facilitator.cmd == ["selfexplore", "hub-server", "--facilitator"]
        assert facilitator.environment == {"A": "1", "SELFEXPLORE_FACILITATOR_GROUP": "facilitators"}
        adviser = spawner("advisers")
        hook(adviser)
        assert adviser.cmd == ["selfexplore", "hub-server", "--adviser"]
        assert json.loads(adviser.environment.pop("SELFEXPLORE_ADVISERS"))["lee"] == "Dr Lee (Society A)"
        assert adviser.environment == {"A": "1", "SELFEXPLORE_ADVISER_GROUP": "advisers"}
        student = spawner("pdw-2027")
        hook(student)
        assert student.cmd == ["selfexplore", "hub-server"]
        assert json.loads(student.environment.pop("SELFEXPLORE_ADVISERS")) == {
            "lee": "Dr Lee (Society A)",
            "kim": "kim",
        }
        assert student.environment == {"A": "1"}
        advisers.properties = None
        hook(student)
        assert json.loads(student.environment["SELFEXPLORE_ADVISERS"]) == {"lee": "lee", "kim": "kim"}


@pytest.fixture(scope="module")
def stages() -> list[list[str]]:
    """The Dockerfile's instructions, one list per stage (continuation lines joined)."""
    text = (KUBERNETES / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("FROM "):
            found.append([])
        if line and not line.startswith("#") and found:
            found[-1].append(line)
    return found


class TestImage:
    def test_it_is_built_in_one_stage_and_run_from_another(self, stages: list[list[str]]) -> None:
        assert len(stages) == 2
        assert stages[0][0].endswith(" AS build")

    def test_the_final_image_runs_as_the_charts_user_not_root(self, stages: list[list[str]]) -> None:
        users = [line for line in stages[1] if line.startswith("USER ")]
        assert users == ["USER 1000:100"]
        assert stages[1][-1] == 'CMD ["selfexplore", "hub-server"]'

    def test_no_build_tool_reaches_the_final_image(self, stages: list[list[str]]) -> None:
        final = " ".join(stages[1])
        assert "pip install" not in final
        assert not re.search(r"apt-get|gcc|build-essential", final)
        # The build stage removes the installer from the environment it hands over.
        assert "pip uninstall -y pip setuptools wheel" in " ".join(stages[0])

    def test_only_the_package_goes_into_the_build(self) -> None:
        ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        kept = {line[1:] for line in ignored if line.startswith("!")}
        assert ignored[ignored.index("*")] == "*"
        assert kept == {"pyproject.toml", "README.md", "src", "data", "notebooks"}


ONE_MACHINE = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"


def _one_machine(monkeypatch: pytest.MonkeyPatch, **environ: str) -> Config:
    """deploy/jupyterhub's config as the hub reads it, with the hub's environment as `environ` gives it."""
    for name in ("SELFEXPLORE_HUB_LAYOUT", "SELFEXPLORE_HUB_WORKBOOK_USER", "SELFEXPLORE_HUB_WORKBOOK_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SELFEXPLORE_DB_URL", "postgresql+psycopg://store")
    monkeypatch.setenv("SELFEXPLORE_IDENTITY_KEY", "k" * 43)
    monkeypatch.setenv("SELFEXPLORE_ADVISER_USERS", "lee")
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    config = Config()
    exec(compile(ONE_MACHINE.read_text(encoding="utf-8"), str(ONE_MACHINE), "exec"), {"get_config": lambda: config})  # noqa: S102 - the project's own config
    return config


def _workbook(config: Config) -> dict[str, Any]:
    found = [service for service in config.JupyterHub.services if service["name"] == "workbook"]
    assert len(found) == 1, config.JupyterHub.services
    return found[0]


class TestOneMachine:
    """deploy/jupyterhub/jupyterhub_config.py: its two layouts and the shared workbook's own Unix user. The
    config runs in a real hub in tests/browser/test_hub.py."""

    def test_the_shared_workbook_is_the_default_with_the_store_and_no_other_user(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        config = _one_machine(monkeypatch)
        workbook = _workbook(config)
        assert workbook["command"][1:] == ["hub-service"]
        assert workbook["url"] == "http://127.0.0.1:8890"
        assert workbook["environment"]["SELFEXPLORE_DB_URL"] == "postgresql+psycopg://store"
        assert json.loads(workbook["environment"]["SELFEXPLORE_ADVISERS"]) == {"lee": "lee"}
        assert workbook["environment"]["SELFEXPLORE_POOL"] == "8"  # kernels ready for a room arriving at once
        assert "user" not in workbook and "cwd" not in workbook
        roles = {role["name"]: role for role in config.JupyterHub.load_roles}
        assert "access:services!service=workbook" in roles["user"]["scopes"]

    def test_the_per_student_layout_has_no_shared_workbook(self, monkeypatch: pytest.MonkeyPatch) -> None:
        config = _one_machine(monkeypatch, SELFEXPLORE_HUB_LAYOUT="per-student")
        assert [service["name"] for service in config.JupyterHub.services] == ["idle-culler"]

    def test_an_unknown_layout_or_workbook_user_is_refused_naming_the_setting(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with pytest.raises(ValueError, match="SELFEXPLORE_HUB_LAYOUT is 'shared' or 'per-student'"):
            _one_machine(monkeypatch, SELFEXPLORE_HUB_LAYOUT="shard")
        with pytest.raises(ValueError, match="SELFEXPLORE_HUB_WORKBOOK_USER: no Unix user 'no-such-user-here'"):
            _one_machine(monkeypatch, SELFEXPLORE_HUB_WORKBOOK_USER="no-such-user-here")

    def test_a_hub_run_as_root_starts_the_workbook_as_its_own_user(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(os, "geteuid", lambda: 0)
        workbook = _workbook(_one_machine(monkeypatch, SELFEXPLORE_HUB_WORKBOOK_USER="nobody"))
        assert workbook["user"] == "nobody"
        assert workbook["cwd"] == "/"
        assert workbook["command"][1:] == ["hub-service"]

    def test_a_hub_run_as_its_own_user_starts_the_workbook_through_sudo(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(os, "geteuid", lambda: 998)
        workbook = _workbook(_one_machine(monkeypatch, SELFEXPLORE_HUB_WORKBOOK_USER="nobody"))
        assert "user" not in workbook
        command = workbook["command"]
        assert command[0] == "sudo" and command[-2:] == [command[-2], "hub-service"]
        assert command[-2].endswith("selfexplore")
        # Non-interactive (no password prompt to hang on), the hub's environment kept, the user's own home.
        assert {"--non-interactive", "--preserve-env", "--set-home", "--user=nobody"} <= set(command)
        # The sudoers line in the config's comment allows exactly this command.
        sudoers = next(
            line for line in ONE_MACHINE.read_text(encoding="utf-8").splitlines() if "NOPASSWD:SETENV:" in line
        )
        assert sudoers.rstrip().endswith("selfexplore hub-service")

    def test_a_student_who_asks_for_a_server_of_their_own_is_told_where_the_workbook_is(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        config = _one_machine(monkeypatch)
        user = SimpleNamespace(groups=[], base_url="/pdw/user/ann/", name="ann")
        with pytest.raises(HTTPError) as refused:
            config.Spawner.pre_spawn_hook(SimpleNamespace(user=user, environment={}))
        assert refused.value.status_code == 403
        assert "/pdw/services/workbook/" in refused.value.jupyterhub_message  # type: ignore[attr-defined]
