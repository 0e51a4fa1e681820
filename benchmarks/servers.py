"""What the Voila benchmarks share: servers started side by side, idle checks, CPU accounting, the machine.

A benchmark, not a test: these helpers measure, they never assert.
"""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import nbformat
import psutil

from selfexplore import settings
from selfexplore.content import default_content_dir, load_content
from selfexplore.serving.serve import HOST, guards, voila_arguments, voila_config, voila_environment
from selfexplore.store import Store
from tests.browser.chromium import find_chromium
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
STOCK_CELL = "import ipywidgets as widgets\nwidgets.IntSlider()"
STOCK_PAGE = "stock.ipynb"
POOL_FILLED = "Kernel pool of {} is filled"
# "Idle": the servers' process trees used less than this share of one core over a sampling window, and the
# whole machine less than MACHINE_BUSY percent of all cores (another program's load would skew the timings).
IDLE_SHARE = 0.05
MACHINE_BUSY = 25.0
SETTLE_WINDOW = 0.5
SETTLE_TIMEOUT = 180.0


def chromium() -> str:
    found = find_chromium()
    if found is None:
        raise SystemExit("no Chromium found (install Debian's chromium package or set SELFEXPLORE_CHROMIUM)")
    return found


@dataclass
class Server:
    """One running Voila, in a process group of its own, logging to a file."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_count(self, text: str) -> int:
        return self.log.read_text(errors="replace").count(text)

    def tree(self) -> list[psutil.Process]:
        """The server and every process under it (its kernels run in sessions of their own, but are its children)."""
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kernels(self) -> list[psutil.Process]:
        found = []
        for process in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                if any("ipykernel_launcher" in part for part in process.cmdline()):
                    found.append(process)
        return found

    def kernel(self, kernel_id: str) -> psutil.Process:
        """The kernel process whose connection file is kernel-<id>.json."""
        for process in self.kernels():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                if any(part.endswith(f"kernel-{kernel_id}.json") for part in process.cmdline()):
                    return process
        raise RuntimeError(f"{self.name}: no kernel process for kernel {kernel_id}")

    def wait_for_log(self, text: str, count: int, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while self.log_count(text) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: {text!r} not logged {count} time(s) within {timeout:.0f} s")
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: Voila stopped; see {self.log}")
            time.sleep(0.1)


def _wait_until_up(server: Server, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            code = server.process.returncode
            raise RuntimeError(f"{server.name}: Voila stopped with exit code {code}; see {server.log}")
        # A request for the page would render it (and take a kernel): listening is enough.
        try:
            with socket.create_connection((HOST, server.port), timeout=2):
                return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{server.name}: no answer at {server.base}/ within {timeout:.0f} s; see {server.log}")


def _stop(server: Server) -> None:
    """Stop the server's process group; then any kernel of it still alive (kernels have sessions of their own)."""
    kernels = server.tree()[1:]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()
    for kernel in kernels:
        with contextlib.suppress(psutil.NoSuchProcess):
            if kernel.is_running():  # same pid and start time: still the process this server started
                kernel.kill()


@contextlib.contextmanager
def voila(name: str, command: list[str], env: dict[str, str], cwd: Path, port: int) -> Iterator[Server]:
    log = cwd / f"{name.replace(' ', '-').replace(',', '')}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(name, process, port, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        _stop(server)


@contextlib.contextmanager
def workbook_server(name: str, folder: Path, database: str, pool: int, content: Path | None = None) -> Iterator[Server]:
    """The workbook served as `selfexplore serve` serves it (its Voila settings, its environment), with the
    shipped content pack or the one in `content`."""
    import json

    work = folder / name.replace(" ", "-").replace(",", "")
    work.mkdir()
    # Every browser here comes from this machine's one address: to the server, one visitor, whose cap on
    # kernels is raised for the benchmark (its closed pages' kernels wait for the idle cull).
    guarded = guards({"SELFEXPLORE_KERNELS_PER_CLIENT": "1000", **os.environ})
    (work / "voila.json").write_text(json.dumps(voila_config(pool=pool, guarded=guarded)), encoding="utf-8")
    env = voila_environment()
    env[settings.CONTENT.name] = str(content or default_content_dir())
    env[settings.DB_URL.name] = database
    port = free_port()
    command = [
        *(sys.executable, "-m", "selfexplore.serving.server", *voila_arguments(port, pool=pool)),
        *("--Voila.config_file_paths", str(work)),
    ]
    with voila(name, command, env, work, port) as server:
        yield server


@contextlib.contextmanager
def stock_server(name: str, folder: Path, preheated: bool = False) -> Iterator[Server]:
    """Plain Voila (lab template) over a folder holding one notebook that shows an IntSlider."""
    stock = folder / name.replace(" ", "-").replace(",", "")
    stock.mkdir()
    notebook = nbformat.v4.new_notebook(  # type: ignore[no-untyped-call]
        cells=[nbformat.v4.new_code_cell(STOCK_CELL)],  # type: ignore[no-untyped-call]
        metadata={
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.write(notebook, stock / STOCK_PAGE)  # type: ignore[no-untyped-call]
    port = free_port()
    extra = ["--VoilaConfiguration.preheat_kernel=True", "--VoilaKernelManager.fill_delay=0"] if preheated else []
    command = [
        *(sys.executable, "-m", "voila", str(stock), "--no-browser", f"--port={port}"),
        *(f"--Voila.ip={HOST}", "--Voila.port_retries=0", *extra),
    ]
    with voila(name, command, dict(os.environ), stock, port) as server:
        yield server


def fresh_store(folder: Path) -> tuple[str, Store]:
    """An SQLite store with its schema, as `selfexplore serve` creates it before any kernel starts."""
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    Store.open(load_content(), url).close()
    return url, Store.open(load_content(), url)


def settle(servers: list[Server]) -> bool:
    """Wait until the servers' process trees are idle and the machine is not busy; False on a timeout."""

    def cpu_seconds() -> float:
        total = 0.0
        for server in servers:
            for process in server.tree():
                with contextlib.suppress(psutil.NoSuchProcess):
                    times = process.cpu_times()
                    total += times.user + times.system
        return total

    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        before = cpu_seconds()
        psutil.cpu_percent(interval=None)
        time.sleep(SETTLE_WINDOW)
        machine = psutil.cpu_percent(interval=None)
        if cpu_seconds() - before < IDLE_SHARE * SETTLE_WINDOW and machine < MACHINE_BUSY:
            return True
    return False


def own_cpu() -> float:
    """CPU seconds used so far by this process and everything under it (servers, kernels, the browser
    driver), and by the browser's own processes, which Chromium starts outside that tree."""
    me = psutil.Process()
    ours = {process.pid: process for process in [me, *me.children(recursive=True)]}
    for process in psutil.process_iter(["name"]):
        if (process.info["name"] or "").startswith(("chromium", "chrome")):
            ours.setdefault(process.pid, process)
    total = 0.0
    for process in ours.values():
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def machine_cpu() -> float:
    """CPU seconds the whole machine's programs have used (all cores). Time the hypervisor gave to other
    machines (steal) is not a program of this one: it slows everything alike and is reported separately."""
    times = psutil.cpu_times()
    waiting = sum(getattr(times, name, 0.0) for name in ("idle", "iowait", "steal", "guest", "guest_nice"))
    return float(sum(times) - waiting)


def steal_since(before: Any) -> float:
    """The share of the machine's CPU time the hypervisor gave to other machines since `before` (a
    psutil.cpu_times() reading)."""
    after = psutil.cpu_times()
    total = sum(after) - sum(before)
    return (getattr(after, "steal", 0.0) - getattr(before, "steal", 0.0)) / total if total > 0 else 0.0


def steal_share(seconds: float = 1.0) -> float:
    """The share of the machine's CPU time the hypervisor gave to other machines over the next `seconds`."""
    before = psutil.cpu_times()
    time.sleep(seconds)
    return steal_since(before)


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _source() -> str:
    """Which selfexplore the servers run: this checkout (its commit, and whether src/ has changes) or another."""
    import selfexplore

    package = Path(selfexplore.__file__).resolve().parent
    if package != ROOT / "src" / "selfexplore":
        return f"selfexplore from {package}"

    def git(*arguments: str) -> str:
        result = subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=False)
        return result.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--", "src", "notebooks", "data")
    return f"selfexplore at {head}" + (" with uncommitted changes" if changed else "")


def machine(browser_version: str) -> str:
    from importlib.metadata import version

    memory = psutil.virtual_memory().total / 1024**3
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores ({_cpu_model()}), {memory:.0f} GiB, "
        f"{steal_share():.0%} of the CPU taken by the hypervisor at the start, "
        f"Python {platform.python_version()}, voila {version('voila')}, ipywidgets {version('ipywidgets')}, "
        f"Chromium {browser_version}; {_source()}; {date.today().isoformat()}"
    )


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank): p95 of 30 values is the 29th."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * share // 1)))
    return ordered[int(rank) - 1]
