"""The one place that knows how Voila runs, and how a kernel reads the page request."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

from selfexplore.identity import resolve_identity
from selfexplore.serve import PREHEATED, TEMPLATE, notebooks_dir, share_dir, voila_arguments, voila_environment
from selfexplore.ui.request import forwarded_headers, query_parameter, request_environ


class TestVoilaSettings:
    def test_production_settings_are_all_there(self) -> None:
        arguments = voila_arguments(9999)
        for expected in (
            "--Voila.port_retries=0",
            "--VoilaConfiguration.strip_sources=True",
            "--VoilaConfiguration.show_tracebacks=False",
            f"--template={TEMPLATE}",
            "--VoilaConfiguration.preheat_kernel=True",
            "--Voila.ip=127.0.0.1",
            "--port=9999",
        ):
            assert expected in arguments
        assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in arguments)

    def test_every_student_notebook_is_preheated_and_exists(self) -> None:
        pools = next(a for a in voila_arguments(1) if a.startswith("--VoilaKernelManager.kernel_pools_config="))
        config = json.loads(pools.split("=", 1)[1])
        assert set(PREHEATED) <= set(config)
        assert config["default"]["pool_size"] == 0
        for name in PREHEATED:
            assert (notebooks_dir() / name).is_file()

    def test_preheating_can_be_turned_off_for_the_benchmark(self) -> None:
        assert not any("preheat" in a for a in voila_arguments(1, preheat=False))

    def test_a_trusted_header_is_the_only_one_passed_to_kernels(self) -> None:
        assert '--VoilaConfiguration.http_header_envs=["X-Remote-User"]' in voila_arguments(
            1, trusted_header="X-Remote-User"
        )
        assert not any("http_header_envs" in a for a in voila_arguments(1))

    def test_the_template_is_found_first_on_the_jupyter_path(self) -> None:
        env = voila_environment({"JUPYTER_PATH": "/elsewhere"})
        assert env["JUPYTER_PATH"].split(":") == [str(share_dir()), "/elsewhere"]
        template = Path(share_dir()) / "voila" / "templates" / TEMPLATE
        assert json.loads((template / "conf.json").read_text())["base_template"] == "lab"
        assert (template / "static" / "selfexplore.css").is_file()


class TestPageRequest:
    def test_query_parameters_are_read_from_the_request(self) -> None:
        environ = {"QUERY_STRING": "page=psychiatry&pass=abc%2Bdef"}
        assert query_parameter(environ, "page") == "psychiatry"
        assert query_parameter(environ, "pass") == "abc+def"
        assert query_parameter(environ, "missing") is None

    def test_a_kernel_that_was_not_preheated_has_its_request_already(self) -> None:
        environ = {"QUERY_STRING": "page=x"}
        assert request_environ(environ) is environ

    def test_a_header_forwarded_by_voila_identifies_the_student_only_when_trusted(self) -> None:
        environ = {"HTTP_X_REMOTE_USER": "student42"}
        assert forwarded_headers(environ) == {"x-remote-user": "student42"}
        assert resolve_identity(environ, forwarded_headers(environ)) is None
        trusted = {**environ, "SELFEXPLORE_TRUSTED_HEADER": "X-Remote-User"}
        signed_in = resolve_identity(trusted, forwarded_headers(trusted))
        assert signed_in is not None and signed_in.name == "student42"


class TestStopping:
    def test_a_stop_signal_to_serve_stops_voila_and_its_kernels(self, tmp_path: Path) -> None:
        """A service manager stops `selfexplore serve` with SIGTERM to that one process: nothing may outlive it."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        command = [sys.executable, "-m", "selfexplore", "--db", f"sqlite:///{tmp_path / 's.sqlite3'}"]
        process = subprocess.Popen(
            [*command, "serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        parent = psutil.Process(process.pid)
        deadline = time.monotonic() + 60
        children: list[psutil.Process] = []
        while time.monotonic() < deadline and len(children) < 2:  # Voila and at least one pool kernel
            time.sleep(0.5)
            children = parent.children(recursive=True)
        assert len(children) >= 2, "Voila did not start its kernels"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) is not None
        _, alive = psutil.wait_procs(children, timeout=30)
        assert alive == []
