"""Time to interactive widgets and kernel memory of a workbook page under Voila, against stock Voila.

    .venv/bin/python -m benchmarks.voila_bench [--runs 5] [--stock-preheated]

Servers run side by side, each started the way it is meant to be run:

- "interests, cold": the workbook served as `selfexplore serve` serves it (`voila_arguments`,
  `voila_environment`, a fresh SQLite store), with preheating off, so every page view starts a kernel;
- "interests, preheated": the same with preheating on (the default: one kernel per workbook page, run ahead);
- "stock, cold": plain Voila (lab template) over a folder holding one notebook that shows an IntSlider;
- with --stock-preheated, "stock, preheated": the same stock page from a preheated kernel, the least time
  any Voila page takes on the machine.

Each navigation gets a fresh browser context (no cache, no cookies). The time runs from the start of
`page.goto` until the widgets can be used: on the interests page, the first question's first radio is
visible and enabled and its group has role radiogroup (set by the page script); on the stock page, the
slider's handle is visible. Then the kernel serving the page is found by the kernel id the page was given,
and its unique set size (USS, memory only that process holds) and resident set size are read.

Before every navigation the servers' process trees must be idle (a refilling pool kernel, a kernel shut down
after the last page) and, for a preheated case, the pool must report itself filled again. A navigation
during which other programs on the machine used CPU is measured again. The cases take turns; one warm-up
round is not counted. Requests that would leave 127.0.0.1 (the lab template's Font Awesome from a CDN) are
blocked, so the stock page does not wait on a network this machine does not have.

Prints the machine, then a Markdown table for docs/benchmarks.md (medians over the runs) and the three
targets with the measured ratios. A benchmark, not a test: it reports whether a target is met and never
fails on a slow machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import psutil
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from selfexplore.content import CONTENT_ENV, default_content_dir, load_content
from selfexplore.serve import HOST, PREHEATED, notebooks_dir, voila_arguments, voila_environment
from selfexplore.store import DB_URL_ENV, Store, Student
from tests.browser.chromium import CHROMIUM_FLAGS, find_chromium, free_port, is_local

ROOT = Path(__file__).resolve().parents[1]
STOCK_CELL = "import ipywidgets as widgets\nwidgets.IntSlider()"
PAGE = "interests.ipynb"
STOCK_PAGE = "stock.ipynb"
PAGE_TIMEOUT_MS = 120_000
MIB = 1024 * 1024
# "Idle": the servers' process trees used less than this share of one core over a sampling window, and the
# whole machine less than MACHINE_BUSY percent of all cores (another program's load would skew the timings).
IDLE_SHARE = 0.05
MACHINE_BUSY = 25.0
SETTLE_WINDOW = 0.5
SETTLE_TIMEOUT = 90.0
# A navigation during which programs outside this benchmark used more CPU than this is measured again.
FOREIGN_CPU_LIMIT = 0.25
RETRIES = 3

# Targets the workbook is held to; reported, never asserted.
COLD_VS_STOCK = 1.3
PREHEATED_VS_COLD = 0.6
MEMORY_VS_STOCK = 1.3


def _chromium() -> str:
    found = find_chromium()
    if found is None:
        raise SystemExit("no Chromium found (install Debian's chromium package or set SELFEXPLORE_CHROMIUM)")
    return found


# --- servers ----------------------------------------------------------------------------------------


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

    def kernel(self, kernel_id: str) -> psutil.Process:
        """The kernel process whose connection file is kernel-<id>.json."""
        for process in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                cmdline = process.cmdline()
                if any("ipykernel_launcher" in part for part in cmdline) and any(
                    part.endswith(f"kernel-{kernel_id}.json") for part in cmdline
                ):
                    return process
        raise RuntimeError(f"{self.name}: no kernel process for kernel {kernel_id}")


def _wait_until_up(server: Server, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            code = server.process.returncode
            raise RuntimeError(f"{server.name}: Voila stopped with exit code {code}; see {server.log}")
        try:
            with urllib.request.urlopen(f"{server.base}/", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    raise RuntimeError(f"{server.name}: no answer at {server.base}/ within {timeout:.0f} s; see {server.log}")


def _stop(server: Server) -> None:
    """Stop the server's process group; then any kernel of it still alive (kernels have sessions of their own)."""
    kernels = server.tree()[1:]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()
    for kernel in kernels:
        with contextlib.suppress(psutil.NoSuchProcess):
            if kernel.is_running():  # same pid and start time: still the process this server started
                kernel.kill()


@contextlib.contextmanager
def _voila(name: str, command: list[str], env: dict[str, str], cwd: Path, port: int) -> Iterator[Server]:
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


def _settle(servers: list[Server]) -> bool:
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


def _own_cpu() -> float:
    """CPU seconds used so far by this process and everything under it: servers, kernels, browser."""
    total = 0.0
    me = psutil.Process()
    for process in [me, *me.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def _machine_cpu() -> float:
    """CPU seconds the whole machine has been busy (all cores)."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def _wait_for_log(server: Server, text: str, count: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while server.log_count(text) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.name}: {text!r} not logged {count} time(s) within {timeout:.0f} s")
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name}: Voila stopped; see {server.log}")
        time.sleep(0.1)


# --- navigations ------------------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    uss_mib: float
    rss_mib: float
    foreign_cpu: float  # CPU seconds other programs used meanwhile


@dataclass
class Case:
    name: str
    server: Server
    url: Callable[[], str]
    ready: Callable[[Page], None]
    pool: str | None = None  # the preheated notebook, whose pool must be full again before each navigation
    uses: int = 0  # navigations so far, each of which took the pool's kernel
    samples: list[Sample] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)

    def wait_for_pool(self) -> None:
        """Voila logs "filled" once the pool's new kernel has started; that kernel then runs the notebook (up
        to where the workbook page waits for its request), which `_settle` waits for: the kernel goes idle."""
        if self.pool is not None:
            _wait_for_log(self.server, f"Kernel pool of {self.pool} is filled", 1 + self.uses)


def _interests_ready(page: Page) -> None:
    question = page.locator(".se-question").first
    radio = question.locator(".widget-radio-box[role=radiogroup] input[type=radio]").first
    radio.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
    expect(radio).to_be_enabled(timeout=PAGE_TIMEOUT_MS)


def _stock_ready(page: Page) -> None:
    page.locator(".widget-slider .noUi-handle").first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)


def _navigate(browser: Browser, case: Case) -> Sample:
    """One page view in a fresh context: seconds to interactive widgets, and the memory of its kernel."""
    url = case.url()
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def block(route: Route) -> None:
        case.blocked.add(urlsplit(route.request.url).hostname or route.request.url)
        route.abort("blockedbyclient")

    context.route(lambda target: not is_local(target), block)
    try:
        page = context.new_page()
        machine, own = _machine_cpu(), _own_cpu()
        started = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT_MS)
        try:
            case.ready(page)
        except Exception as error:
            text = page.locator("body").inner_text(timeout=5_000)[:500]
            raise RuntimeError(f"{case.name}: the page did not become interactive; it shows:\n{text}") from error
        seconds = time.perf_counter() - started
        foreign = max(0.0, (_machine_cpu() - machine) - (_own_cpu() - own))
        kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
        memory = case.server.kernel(str(kernel_id)).memory_full_info()
        return Sample(seconds, memory.uss / MIB, memory.rss / MIB, foreign)
    finally:
        context.close()


# --- setup --------------------------------------------------------------------------------------------


def _stock_folder(folder: Path) -> None:
    """The stock notebook: one cell that shows an IntSlider. (nbformat has no type hints.)"""
    notebook = nbformat.v4.new_notebook(  # type: ignore[no-untyped-call]
        cells=[nbformat.v4.new_code_cell(STOCK_CELL)],  # type: ignore[no-untyped-call]
        metadata={
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.write(notebook, folder / STOCK_PAGE)  # type: ignore[no-untyped-call]


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


def _machine(browser: Browser) -> str:
    from importlib.metadata import version

    memory = psutil.virtual_memory().total / 1024**3
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores ({_cpu_model()}), {memory:.0f} GiB, "
        f"Python {platform.python_version()}, voila {version('voila')}, ipywidgets {version('ipywidgets')}, "
        f"Chromium {browser.version}; {_source()}; {date.today().isoformat()}"
    )


# --- report -------------------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def report(cases: list[Case], unsettled: int, repeated: int) -> None:
    stock = next(case for case in cases if case.name == "stock, cold")
    stock_time = _median([s.seconds for s in stock.samples])
    stock_uss = _median([s.uss_mib for s in stock.samples])
    print("| case | median s | min s | max s | time vs stock cold | kernel USS MiB | USS vs stock | kernel RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for case in cases:
        times = [s.seconds for s in case.samples]
        uss = _median([s.uss_mib for s in case.samples])
        rss = _median([s.rss_mib for s in case.samples])
        print(
            f"| {case.name} | {_median(times):.2f} | {min(times):.2f} | {max(times):.2f} | "
            f"{_median(times) / stock_time:.2f}× | {uss:.1f} | {uss / stock_uss:.2f}× | {rss:.1f} |"
        )
    cold, preheated = cases[0], cases[1]
    cold_time = _median([s.seconds for s in cold.samples])
    cold_ratio = cold_time / stock_time
    preheated_ratio = _median([s.seconds for s in preheated.samples]) / cold_time
    memory_ratio = _median([s.uss_mib for s in cold.samples]) / stock_uss
    print()
    print(
        f"- interests cold ≤ {COLD_VS_STOCK}× stock cold: measured {cold_ratio:.2f}× "
        f"— {_verdict(cold_ratio <= COLD_VS_STOCK)}"
    )
    print(
        f"- interests preheated < {PREHEATED_VS_COLD}× interests cold: measured {preheated_ratio:.2f}× "
        f"— {_verdict(preheated_ratio < PREHEATED_VS_COLD)}"
    )
    print(
        f"- workbook kernel USS ≤ {MEMORY_VS_STOCK}× stock kernel: measured {memory_ratio:.2f}× "
        f"— {_verdict(memory_ratio <= MEMORY_VS_STOCK)}"
    )
    for case in cases:
        if case.blocked:
            print(f"- {case.name}: requests off this machine blocked, to {', '.join(sorted(case.blocked))}")
    if repeated:
        print(
            f"- {repeated} navigation(s) measured again: other programs used more than "
            f"{FOREIGN_CPU_LIMIT} CPU-seconds meanwhile"
        )
    if unsettled:
        print(f"- {unsettled} navigation(s) started before the machine was idle (after {SETTLE_TIMEOUT:.0f} s)")


# --- main ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="counted navigations per case (after one warm-up)")
    parser.add_argument(
        "--stock-preheated",
        action="store_true",
        help="also measure stock Voila with a preheated kernel: the least time any Voila page takes here",
    )
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="voila-bench-")))
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        Store.open(load_content(), url).close()  # as `selfexplore serve` does: the schema before any kernel
        store = Store.open(load_content(), url)
        stack.callback(store.close)
        student: Student = store.create_student().student

        env = voila_environment()
        env[CONTENT_ENV] = str(default_content_dir())
        env[DB_URL_ENV] = url
        servers: list[Server] = []
        for name, preheat in (("interests cold", False), ("interests preheated", True)):
            work = folder / name.replace(" ", "-")
            work.mkdir()
            port = free_port()
            command = [sys.executable, "-m", "voila", *voila_arguments(port, preheat=preheat)]
            servers.append(stack.enter_context(_voila(name, command, env, work, port)))
        stock_dir = folder / "stock"
        stock_dir.mkdir()
        _stock_folder(stock_dir)
        stock_variants: list[tuple[str, list[str]]] = [("stock cold", [])]
        if args.stock_preheated:
            stock_variants.append(
                ("stock preheated", ["--VoilaConfiguration.preheat_kernel=True", "--VoilaKernelManager.fill_delay=0"])
            )
        for name, extra in stock_variants:
            port = free_port()
            stock_command = [
                *(sys.executable, "-m", "voila", str(stock_dir), "--no-browser", f"--port={port}"),
                *(f"--Voila.ip={HOST}", "--Voila.port_retries=0", *extra),
            ]
            servers.append(stack.enter_context(_voila(name, stock_command, dict(os.environ), stock_dir, port)))
        cold, preheated, stock = servers[:3]

        # The preheated server is ready when every workbook page's pool has its kernel.
        for notebook in (name for name in PREHEATED if (notebooks_dir() / name).exists()):
            _wait_for_log(preheated, f"Kernel pool of {notebook} is filled", 1)

        def interests_url(server: Server) -> Callable[[], str]:
            return lambda: f"{server.base}/voila/render/{PAGE}?pass={store.issue_pass(student)}"

        def stock_url(server: Server) -> Callable[[], str]:
            return lambda: f"{server.base}/voila/render/{STOCK_PAGE}"

        cases = [
            Case("interests, cold", cold, interests_url(cold), _interests_ready),
            Case("interests, preheated", preheated, interests_url(preheated), _interests_ready, pool=PAGE),
            Case("stock, cold", stock, stock_url(stock), _stock_ready),
        ]
        if args.stock_preheated:
            server = servers[3]
            _wait_for_log(server, f"Kernel pool of {STOCK_PAGE} is filled", 1)
            cases.append(Case("stock, preheated", server, stock_url(server), _stock_ready, pool=STOCK_PAGE))

        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        stack.callback(browser.close)
        print(_machine(browser))
        print(f"{args.runs} navigations per case after one warm-up, cases interleaved\n", flush=True)

        unsettled = repeated = 0
        for run in range(args.runs + 1):
            label = "warm-up" if run == 0 else f"run {run}"
            for case in cases:
                for attempt in range(RETRIES + 1):
                    case.wait_for_pool()
                    if not _settle(servers):
                        unsettled += 1
                    sample = _navigate(browser, case)
                    case.uses += 1
                    print(
                        f"  {label:>7} {case.name:<22} {sample.seconds:6.2f} s  USS {sample.uss_mib:6.1f} MiB  "
                        f"RSS {sample.rss_mib:6.1f} MiB  other programs {sample.foreign_cpu:5.2f} CPU-s",
                        file=sys.stderr,
                        flush=True,
                    )
                    if sample.foreign_cpu <= FOREIGN_CPU_LIMIT or attempt == RETRIES:
                        break
                    repeated += 1
                if run > 0:
                    case.samples.append(sample)
        print()
        report(cases, unsettled, repeated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
