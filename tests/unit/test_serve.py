"""The one place that knows how Voila runs, how a kernel reads the page request, and how the pool refills."""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import psutil
import pytest
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from selfexplore import settings
from selfexplore.codes import query_proof
from selfexplore.serving.identity import resolve_identity
from selfexplore.serving.kernels import PacedKernelManager
from selfexplore.serving.request import (
    PASS_COOKIE,
    QUERY_PROOF_HEADER,
    VISITOR_HEADER,
    PageRequest,
    forwarded_headers,
    is_preheated,
    parse_cookies,
    wait_for_request,
)
from selfexplore.serving.serve import (
    DEFAULT_POOL,
    TEMPLATE,
    Guards,
    app_notebook,
    facilitator_arguments,
    page_token,
    pool_size,
    share_dir,
    voila_arguments,
    voila_config,
    voila_environment,
)
from selfexplore.workbook import APP_NOTEBOOK
from tests.helpers import free_port, in_a_thread

T = TypeVar("T")


class TestVoilaSettings:
    def test_production_settings_are_all_there(self) -> None:
        arguments = voila_arguments(9999)
        for expected in (
            "--Voila.port_retries=0",
            "--VoilaConfiguration.strip_sources=True",
            "--VoilaConfiguration.show_tracebacks=False",
            f"--template={TEMPLATE}",
            "--VoilaConfiguration.allow_template_override=NO",
            "--VoilaConfiguration.allow_theme_override=NO",
            "--VoilaConfiguration.preheat_kernel=True",
            "--VoilaConfiguration.multi_kernel_manager_class=selfexplore.serving.kernels.PacedKernelManager",
            "--Voila.ip=127.0.0.1",
            "--port=9999",
        ):
            assert expected in arguments
        assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in arguments)
        assert any(a.startswith("--VoilaExecutor.iopub_timeout=") for a in arguments)

    def test_the_server_serves_the_apps_one_notebook_at_its_root(self) -> None:
        assert voila_arguments(1)[0] == str(app_notebook())
        assert app_notebook().name == APP_NOTEBOOK and app_notebook().is_file()

    def test_the_pool_holds_the_app_and_its_size_is_the_one_asked_for(self) -> None:
        assert voila_config(pool=30)["VoilaKernelManager"] == {"kernel_pools_config": {APP_NOTEBOOK: {"pool_size": 30}}}

    def test_a_pool_of_zero_turns_preheating_off(self) -> None:
        assert not any("preheat" in a or "PacedKernelManager" in a for a in voila_arguments(1, pool=0))
        assert "VoilaKernelManager" not in voila_config(pool=0)

    def test_kernels_get_the_cookie_a_trusted_header_and_the_servers_visitor_only(self) -> None:
        assert voila_config()["VoilaConfiguration"]["http_header_envs"] == ["Cookie"]
        guarded = Guards(10, 2, "X-Remote-User", ("10.0.0.5/32",))
        config = voila_config(guarded=guarded)
        assert config["VoilaConfiguration"]["http_header_envs"] == ["Cookie", "X-Remote-User", VISITOR_HEADER]
        assert config["GuardedVoila"]["trusted_proxies"] == ["10.0.0.5/32"]

    def test_the_facilitator_server_serves_its_own_folder_without_a_pool(self) -> None:
        arguments = facilitator_arguments(1)
        assert Path(arguments[0]).name == "facilitator"
        assert not any("preheat" in a for a in arguments)

    def test_the_template_is_found_first_on_the_jupyter_path(self) -> None:
        env = voila_environment({"JUPYTER_PATH": "/elsewhere"})
        assert env["JUPYTER_PATH"].split(":") == [str(share_dir()), "/elsewhere"]
        template = Path(share_dir()) / "voila" / "templates" / TEMPLATE
        assert json.loads((template / "conf.json").read_text())["base_template"] == "lab"
        for name in ("selfexplore.css", "workbook.css", "selfexplore.js", "workbook.js"):
            assert (template / "static" / name).is_file()


class TestPoolSize:
    def test_the_default_pool_when_nothing_is_named(self) -> None:
        assert pool_size({}) == DEFAULT_POOL

    def test_the_pool_named_in_the_environment(self) -> None:
        assert pool_size({settings.POOL.name: " 30 "}) == 30

    @pytest.mark.parametrize("named", ["many", "-3", "2.5"])
    def test_a_pool_that_is_not_a_whole_number_is_refused(self, named: str) -> None:
        with pytest.raises(settings.SettingError, match=f"^{settings.POOL.name} must be a whole number"):
            pool_size({settings.POOL.name: named})


class TestPageRequest:
    def test_query_parameters_are_read_from_the_request(self) -> None:
        request = PageRequest.from_environ({"QUERY_STRING": "page=specialties&id=psychiatry&x=a%2Bb"})
        assert request.parameter("page") == "specialties"
        assert request.parameter("x") == "a+b"
        assert request.parameter("missing") is None

    def test_the_cookies_come_from_the_forwarded_cookie_header(self) -> None:
        request = PageRequest.from_environ({"HTTP_COOKIE": f"_xsrf=abc; {PASS_COOKIE}=p4ss"})
        assert request.cookies == {"_xsrf": "abc", PASS_COOKIE: "p4ss"}

    def test_a_malformed_cookie_header_gives_no_cookies(self) -> None:
        assert parse_cookies('a="unterminated; \x00') == {}

    def test_a_kernel_knows_whether_it_was_preheated(self) -> None:
        assert is_preheated({"VOILA_PREHEAT": "True"})
        assert not is_preheated({"VOILA_PREHEAT": "False"})
        assert not is_preheated({})

    def test_a_header_forwarded_by_voila_identifies_the_student_only_when_trusted(self) -> None:
        environ = {"HTTP_X_REMOTE_USER": "student42"}
        assert forwarded_headers(environ) == {"x-remote-user": "student42"}
        assert resolve_identity(environ, forwarded_headers(environ)) is None
        trusted = {**environ, "SELFEXPLORE_TRUSTED_HEADER": "X-Remote-User"}
        signed_in = resolve_identity(trusted, forwarded_headers(trusted))
        assert signed_in is not None and signed_in.name == "student42"


KERNEL_KEY = b"a-kernels-connection-key"


class TestPreheatedRequest:
    """A pooled kernel hears its page request from Voila's /voila/query/<kernel id> websocket."""

    def _voila(
        self, send: str | None, delay: float, shown: list[str] | None = None
    ) -> Callable[[], Coroutine[Any, Any, dict[str, str]]]:
        shown = shown if shown is not None else []

        async def scenario() -> dict[str, str]:
            from tornado.web import Application
            from tornado.websocket import WebSocketHandler

            class Query(WebSocketHandler):
                async def open(self, kernel_id: str) -> None:
                    shown.append(self.request.headers.get(QUERY_PROOF_HEADER, ""))
                    await asyncio.sleep(delay)
                    if send is None:
                        self.close()
                    else:
                        await self.write_message(send)

            server = Application([(r"/voila/query/(.*)", Query)]).listen(0, "127.0.0.1")
            port = next(iter(server._sockets.values())).getsockname()[1]
            try:
                environ = {"VOILA_APP_PORT": str(port), "VOILA_SERVER_URL": "/", "VOILA_KERNEL_ID": "k1"}
                return await wait_for_request(environ, KERNEL_KEY)
            finally:
                server.stop()

        return scenario

    def test_the_request_comes_however_long_the_kernel_waited(self) -> None:
        payload = json.dumps({"QUERY_STRING": "page=values", "HTTP_COOKIE": f"{PASS_COOKIE}=x"})
        assert in_a_thread(self._voila(payload, delay=0.5)()) == {
            "QUERY_STRING": "page=values",
            "HTTP_COOKIE": f"{PASS_COOKIE}=x",
        }

    def test_the_kernel_proves_itself_with_its_connection_key(self) -> None:
        shown: list[str] = []
        in_a_thread(self._voila("{}", delay=0.0, shown=shown)())
        assert shown == [query_proof(KERNEL_KEY, "k1")]
        # The proof is the kernel's own: another key or another kernel id gives another.
        assert query_proof(b"another key", "k1") != shown[0] != query_proof(KERNEL_KEY, "k2")

    def test_a_closed_connection_opens_the_app_as_for_an_empty_request(self) -> None:
        assert in_a_thread(self._voila(None, delay=0.0)()) == {}

    def test_no_voila_to_ask_opens_the_app_as_for_an_empty_request(self) -> None:
        environ = {"VOILA_APP_PORT": str(free_port()), "VOILA_KERNEL_ID": "k1"}
        assert in_a_thread(wait_for_request(environ)) == {}


class _FakeKernels:
    """Stands in for the real kernel starts: each kernel is busy for `run` seconds, then idle."""

    def __init__(self, run: float) -> None:
        self.run = run
        self.started: list[tuple[float, bool]] = []

    async def start(self, manager: PacedKernelManager, **kwargs: Any) -> str:
        preheat = (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True"
        self.started.append((time.monotonic(), preheat))
        kernel_id = f"k{len(self.started)}"
        kernel = SimpleNamespace(execution_state="starting")
        manager._kernels[kernel_id] = kernel

        async def lifecycle() -> None:
            await asyncio.sleep(0.01)
            kernel.execution_state = "busy"
            await asyncio.sleep(self.run)
            kernel.execution_state = "idle"

        manager._lifecycles = [*getattr(manager, "_lifecycles", []), asyncio.ensure_future(lifecycle())]
        return kernel_id


class TestPacedPool:
    def _manager(self, monkeypatch: pytest.MonkeyPatch, fake: _FakeKernels) -> PacedKernelManager:
        async def start(self: PacedKernelManager, **kwargs: Any) -> str:
            return await fake.start(self, **kwargs)

        monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", start)
        return PacedKernelManager(quiet_seconds=0.3, ready_timeout=5.0)

    def test_refills_wait_for_the_burst_to_pass_then_start_one_at_a_time(self, monkeypatch: pytest.MonkeyPatch) -> None:
        fake = _FakeKernels(run=0.2)
        manager = self._manager(monkeypatch, fake)
        preheat = {"env": {"VOILA_PREHEAT": "True"}}

        async def burst() -> float:
            refills = [asyncio.ensure_future(manager.start_kernel(**preheat)) for _ in range(3)]
            await asyncio.sleep(0.1)
            # A student arriving while the pool is empty is not held back by the refills.
            await manager.start_kernel(env={"VOILA_PREHEAT": "False"})
            last_demand = time.monotonic()
            await asyncio.gather(*refills)
            await asyncio.gather(*manager._lifecycles)
            return last_demand

        begun = time.monotonic()
        last_demand = in_a_thread(burst())
        student = [at for at, preheated in fake.started if not preheated]
        refills = [at for at, preheated in fake.started if preheated]
        assert len(student) == 1 and student[0] - begun < 0.2
        assert len(refills) == 3
        assert refills[0] - last_demand >= 0.3 - 0.02  # quiet for quiet_seconds first
        gaps = [later - earlier for earlier, later in itertools.pairwise(refills)]
        assert all(gap >= 0.2 for gap in gaps)  # each waited for the one before to finish its run

    def test_refills_wait_while_the_server_is_busy_serving_pages(self, monkeypatch: pytest.MonkeyPatch) -> None:
        fake = _FakeKernels(run=0.05)
        manager = self._manager(monkeypatch, fake)
        finished: list[float] = []

        def serve_pages(seconds: float) -> None:  # the server's own work for a room: scripts, websockets
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                pass
            finished.append(time.monotonic())

        async def refill_while_busy() -> None:
            busy = threading.Thread(target=serve_pages, args=(1.2,))
            busy.start()
            await asyncio.sleep(0.1)
            await manager.start_kernel(env={"VOILA_PREHEAT": "True"})
            await asyncio.to_thread(busy.join)

        in_a_thread(refill_while_busy())
        ((started, _),) = fake.started
        assert started >= finished[0]

    def test_a_refill_a_student_already_waits_for_is_not_held_back(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A room larger than the pool is handed refills that have not started: those start at once."""
        fake = _FakeKernels(run=0.2)
        manager = self._manager(monkeypatch, fake)
        preheat = {"env": {"VOILA_PREHEAT": "True"}}

        async def larger_room() -> float:
            manager._pools = {APP_NOTEBOOK: []}  # type: ignore[attr-defined]
            pooled = asyncio.ensure_future(manager.start_kernel(**preheat))
            manager._pools[APP_NOTEBOOK].append(pooled)  # type: ignore[attr-defined]
            await asyncio.sleep(0.05)
            asked = time.monotonic()
            await manager.start_kernel(**preheat)  # this task is in no pool: a student holds it
            await pooled
            await asyncio.gather(*manager._lifecycles)
            return asked

        asked = in_a_thread(larger_room())
        (claimed, _), (refill, _) = sorted(fake.started, key=lambda started: started[0])
        assert claimed - asked < 0.1  # at once, although the burst had just happened
        assert refill - claimed >= 0.2  # the pool's own refill still waited for quiet

    def test_a_stopping_server_starts_no_more_pool_kernels(self, monkeypatch: pytest.MonkeyPatch) -> None:
        fake = _FakeKernels(run=0.05)
        manager = self._manager(monkeypatch, fake)

        async def stop_during_wait() -> None:
            manager._last_demand = time.monotonic()
            waiting = asyncio.ensure_future(manager.start_kernel(env={"VOILA_PREHEAT": "True"}))
            await asyncio.sleep(0.05)
            manager._stopping = True
            with pytest.raises(RuntimeError, match="stopping"):
                await waiting

        in_a_thread(stop_during_wait())
        assert fake.started == []


class TestStopping:
    def test_a_stop_signal_to_serve_stops_voila_and_its_kernels(self, tmp_path: Path) -> None:
        """A service manager stops `selfexplore serve` with SIGTERM to that one process: nothing may outlive it."""
        command = [sys.executable, "-m", "selfexplore", "--db", f"sqlite:///{tmp_path / 's.sqlite3'}"]
        process = subprocess.Popen(
            [*command, "serve", "--port", str(free_port()), "--pool", "1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        parent = psutil.Process(process.pid)
        deadline = time.monotonic() + 120
        children: list[psutil.Process] = []
        while time.monotonic() < deadline and len(children) < 2:  # Voila and its pool kernel
            time.sleep(0.5)
            children = parent.children(recursive=True)
        assert len(children) >= 2, "Voila did not start its kernels"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) is not None
        _, alive = psutil.wait_procs(children, timeout=60)
        assert alive == []


class TestPageToken:
    def test_a_token_shorter_than_128_bits_is_refused_without_showing_it(self) -> None:
        with pytest.raises(settings.SettingError, match="at least 22 characters") as refused:
            page_token(settings.FACILITATOR_TOKEN, {"SELFEXPLORE_FACILITATOR_TOKEN": "short-token"})
        assert "short-token" not in str(refused.value)

    def test_a_long_token_is_kept_and_none_makes_a_fresh_one(self) -> None:
        named = "x" * 22
        assert page_token(settings.ADVISER_TOKEN, {"SELFEXPLORE_ADVISER_TOKEN": named}) == named
        fresh = {page_token(settings.FACILITATOR_TOKEN, {}) for _ in range(3)}
        assert len(fresh) == 3
        assert all(len(token) >= 43 for token in fresh)  # 32 random bytes


class TestPageGone:
    """A kernel's message to a page that has gone is dropped without a traceback in the log (a flaky CI run:
    the facilitator signed out while the dashboard's kernel was still sending, and asyncio logged "Task
    exception was never retrieved")."""

    def _unretrieved_errors(self, quiet: bool) -> list[str]:
        async def scenario() -> list[str]:
            import gc
            import socket

            from tornado.web import Application
            from tornado.websocket import WebSocketHandler

            from selfexplore.serving.server import QuietOnceClosed

            gone = asyncio.Event()
            errors: list[str] = []
            asyncio.get_running_loop().set_exception_handler(lambda _loop, context: errors.append(context["message"]))

            class Kernel(WebSocketHandler):
                async def on_message(self, message: str | bytes) -> None:
                    await gone.wait()
                    for _ in range(8):  # more than any socket buffer: the write fails after it returns
                        self.write_message(b"x" * 1_000_000, binary=True)

            class QuietKernel(QuietOnceClosed, Kernel):
                pass

            server = Application([(r"/ws", QuietKernel if quiet else Kernel)]).listen(0, "127.0.0.1")
            port = next(iter(server._sockets.values())).getsockname()[1]
            try:
                from tornado.websocket import websocket_connect

                page = await websocket_connect(f"ws://127.0.0.1:{port}/ws")
                await page.write_message("comm_msg")
                raw = page.protocol.stream.socket  # type: ignore[union-attr]
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                raw.close()  # the tab is closed: a reset, no closing handshake
                gone.set()
                await asyncio.sleep(0.5)
                gc.collect()
                await asyncio.sleep(0.05)
            finally:
                server.stop()
            return errors

        return in_a_thread(scenario())

    def test_stock_tornado_logs_the_failed_write(self) -> None:
        assert any("never retrieved" in error for error in self._unretrieved_errors(quiet=False))

    def test_the_kernel_websocket_drops_it_quietly(self) -> None:
        assert self._unretrieved_errors(quiet=True) == []
