# The hub of the Kubernetes hub tests: deploy/kubernetes/values.yaml turned into JupyterHub settings the way
# the Zero to JupyterHub chart turns them (its jupyterhub_config.py: hub.config passed through, the
# extraConfig snippets run, singleuser.cmd, defaultUrl and extraEnv given to the spawner, cull as the idle
# culler service), with a local process spawner in place of KubeSpawner. Only the values the workbook sets
# are translated; a value this file does not know of fails the hub's start, so none is silently skipped.
# Loaded by tests/browser/jupyterhub_config.py, which adds the test sign-in.
import os
import sys
from pathlib import Path

import yaml

c = get_config()  # noqa: F821 - JupyterHub provides get_config when it reads this file

VALUES = Path(os.environ["SELFEXPLORE_Z2JH_VALUES"])
values = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
# What a secretKeyRef names, as the tests provide it: the test store and a test identity key.
secrets = {
    "selfexplore-store": {
        "url": os.environ.pop("SELFEXPLORE_DB_URL"),
        "identity-key": os.environ.pop("SELFEXPLORE_IDENTITY_KEY"),
    }
}
# Translated below, or (image, uid, fsGid, storage, memory, cpu, networkPolicy, scheduling, prePuller)
# for a cluster alone, with nothing to do on one machine: tests/unit/test_deploy.py checks those.
KNOWN = {
    "hub": {"config", "extraConfig", "db"},
    "singleuser": {
        "cmd",
        "defaultUrl",
        "extraEnv",
        "startTimeout",
        "image",
        "uid",
        "fsGid",
        "storage",
        "memory",
        "cpu",
        "networkPolicy",
    },
    "cull": {"enabled", "timeout", "every"},
    "scheduling": None,
    "prePuller": None,
}
for section in values:
    if section not in KNOWN:
        raise ValueError(f"{VALUES.name}: {section}: not translated by the test hub")
    unknown = set(values[section]) - KNOWN[section] if KNOWN[section] is not None else set()
    if unknown:
        raise ValueError(f"{VALUES.name}: {section}: not translated by the test hub: {sorted(unknown)}")

# hub.config: passed through, as the chart does (the test config sets its own sign-in afterwards).
for class_name, settings in values["hub"]["config"].items():
    for trait, value in settings.items():
        setattr(c[class_name], trait, value)

# singleuser: the spawner's command, landing page, environment and start timeout.
single = values["singleuser"]
c.JupyterHub.spawner_class = "simple"
c.Spawner.cmd = single["cmd"]
c.Spawner.default_url = single["defaultUrl"]
c.Spawner.start_timeout = single["startTimeout"]
environment = {}
for name, entry in single["extraEnv"].items():
    if isinstance(entry, str):
        environment[name] = entry
    else:
        reference = entry["valueFrom"]["secretKeyRef"]
        environment[name] = secrets[reference["name"]][reference["key"]]
c.Spawner.environment = environment
c.SimpleLocalProcessSpawner.home_dir_template = str(Path(os.environ["SELFEXPLORE_HUB_HOME"]) / "{username}")

# cull: the chart runs jupyterhub-idle-culler as a service with this role.
c.JupyterHub.services = []
c.JupyterHub.load_roles = []
if values["cull"]["enabled"]:
    timeout, every = values["cull"]["timeout"], values["cull"]["every"]
    c.JupyterHub.services.append(
        {
            "name": "jupyterhub-idle-culler",
            "command": [
                sys.executable,
                "-m",
                "jupyterhub_idle_culler",
                f"--timeout={timeout}",
                f"--cull-every={every}",
            ],
        }
    )
    c.JupyterHub.load_roles.append(
        {
            "name": "jupyterhub-idle-culler",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["jupyterhub-idle-culler"],
        }
    )

# hub.extraConfig: run in order of their keys, with `c` in scope, as the chart does. The snippet sets
# KubeSpawner's hook; the local spawner takes the same one.
for _key, snippet in sorted(values["hub"]["extraConfig"].items()):
    exec(compile(snippet, f"{VALUES.name}: hub.extraConfig.{_key}", "exec"), {"c": c})  # noqa: S102
c.Spawner.pre_spawn_hook = c.KubeSpawner.pre_spawn_hook

# What the school sets (SET in the values): who facilitates, here the tests' facilitator.
c.JupyterHub.load_groups = {"facilitators": {"users": [os.environ["SELFEXPLORE_FACILITATORS"]]}}
c.JupyterHub.db_url = os.environ["SELFEXPLORE_HUB_DB_URL"]
c.JupyterHub.bind_url = os.environ["SELFEXPLORE_HUB_URL"]
