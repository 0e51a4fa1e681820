"""Students signing in through a real JupyterHub, one after another, in both of deploy/jupyterhub's layouts:
the time from the sign-in click to the workbook's first usable control, the memory each student adds (USS,
the memory only that process holds), and the CPU time each sign-in costs the machine, against stock Voila
(its server and the kernel of a one-slider page, opened once) in the same run.

- per-student: each student's own server (its hub-server process, its Voila, its kernel);
- shared (the default): the one workbook service's growth per student (its Voila, and the kernel of each
  student's page), read before the first student and after the last.

The hub is the one of the hub tests (tests/browser/hub.py): deploy/jupyterhub/jupyterhub_config.py with a
test sign-in, configurable-http-proxy from npm, a throwaway PostgreSQL store.

Run it with `.venv/bin/python -m benchmarks.hub_bench` (`--students N`, 5 by default; `--layout` one of
both (the default), shared, per-student). A benchmark, not a
test: it measures and prints, it never asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from playwright.sync_api import Browser, expect, sync_playwright

from benchmarks.servers import MIB, chromium, machine, stock_server
from tests.browser.chromium import CHROMIUM_FLAGS
from tests.browser.hub import SHARED_WORKBOOK, Hub, processes_of, running_hub, sign_in_page, wait_for_pool
from tests.store.postgres import postgres_server

TIMEOUT_MS = 180_000
# A control a student would use on the start page, visible and enabled: the workbook is usable.
READY = ".se-app .se-view button:not([disabled])"


@dataclass
class Student:
    name: str
    seconds: float
    uss: dict[str, float]  # MiB by role: server (hub-server and the proxy), voila, kernel

    @property
    def total(self) -> float:
        return sum(self.uss.values())


def _role(process: psutil.Process) -> str:
    command = " ".join(process.cmdline())
    if "ipykernel" in command:
        return "kernel"
    if "selfexplore.serving.hubvoila" in command or "-m voila" in command:
        return "voila"
    return "server"


def _uss_by_role(processes: list[psutil.Process]) -> dict[str, float]:
    totals = {"server": 0.0, "voila": 0.0, "kernel": 0.0}
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            totals[_role(process)] += process.memory_full_info().uss / MIB
    return totals


def _tree_uss(root: int) -> dict[str, float]:
    process = psutil.Process(root)
    return _uss_by_role([process, *process.children(recursive=True)])


def _cpu_seconds(hub: Hub) -> float:
    """CPU time used so far by the hub and everything it started, ended processes included (those the hub or
    its children waited for)."""
    total = 0.0
    for process in [psutil.Process(hub.pid), *hub.processes()]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return total


def _service_processes(hub: Hub) -> list[psutil.Process]:
    """The shared workbook service's Voila and its kernels (the hub sets the service's name in its environment)."""
    found = []
    for process in hub.processes():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            if process.environ().get("JUPYTERHUB_SERVICE_NAME") == "workbook":
                found.append(process)
    return found


@dataclass
class Run:
    layout: str
    students: list[Student]
    cpu_per_student: float
    shared_base: dict[str, float] | None = None  # the service before the first student, MiB by role


def _run_layout(browser: Browser, home: Path, db_url: str, layout: str, count: int, pool: int = 0) -> Run:
    students: list[Student] = []
    with running_hub(home, db_url, layout=layout, pool=pool if layout == "shared" else 0) as hub:
        if layout == "shared" and pool:
            wait_for_pool(hub, pool)
        lands = SHARED_WORKBOOK if layout == "shared" else None
        base = _uss_by_role(_service_processes(hub)) if layout == "shared" else None
        cpu_before = _cpu_seconds(hub)
        before = dict(base) if base else None
        contexts = []
        for number in range(count):
            name = f"{layout}{number + 1}"
            context = browser.new_context()
            started = time.monotonic()
            page = sign_in_page(context, hub, name, lands)
            page.locator(READY).first.wait_for(timeout=TIMEOUT_MS)
            seconds = time.monotonic() - started
            time.sleep(2)  # the page's messages settle before memory is read
            if before is not None:
                # The shared service's growth with this student; every page stays open, as a room's would.
                after = _uss_by_role(_service_processes(hub))
                uss = {role: after[role] - before[role] for role in after}
                before = after
                contexts.append(context)
            else:
                uss = _uss_by_role(processes_of(hub, name))
                context.close()
            students.append(Student(name, seconds, uss))
            print(f"{layout} {name}: usable after {seconds:.1f} s, {students[-1].total:.1f} MiB", flush=True)
        cpu = (_cpu_seconds(hub) - cpu_before) / count
        for context in contexts:
            context.close()
    return Run(layout, students, cpu, base)


def _table(run: Run, bare: float) -> None:
    students = run.students
    print()
    print(f"{run.layout} layout, {len(students)} students one after another")
    if run.shared_base is not None:
        base = run.shared_base
        print(f"the service before the first student: Voila {base['voila']:.1f} MiB, kernels {base['kernel']:.1f} MiB")
    print("| per student | median | min | max |")
    print("|---|---|---|---|")
    seconds = [student.seconds for student in students]
    row = f"{statistics.median(seconds):.1f} | {min(seconds):.1f} | {max(seconds):.1f}"
    print(f"| sign-in to usable workbook, s | {row} |")
    for role in ("server", "voila", "kernel"):
        values = [student.uss[role] for student in students]
        print(f"| {role} USS, MiB | {statistics.median(values):.1f} | {min(values):.1f} | {max(values):.1f} |")
    totals = [student.total for student in students]
    print(f"| all, MiB | {statistics.median(totals):.1f} | {min(totals):.1f} | {max(totals):.1f} |")
    print(f"all vs stock Voila server + kernel ({bare:.1f} MiB): {statistics.median(totals) / bare:.2f}x")
    print(f"CPU per sign-in (hub, proxy, servers, kernels): {run.cpu_per_student:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=5)
    parser.add_argument("--layout", choices=("both", "shared", "per-student"), default="both")
    parser.add_argument("--pool", type=int, default=0, help="kernels the shared workbook keeps ready (0: none)")
    args = parser.parse_args()
    expect.set_options(timeout=TIMEOUT_MS)
    layouts = ("per-student", "shared") if args.layout == "both" else (args.layout,)
    runs: list[Run] = []
    with (
        tempfile.TemporaryDirectory(prefix="selfexplore-hub-bench-") as folder,
        postgres_server() as db_url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        print(machine(browser.version), flush=True)
        home = Path(folder)
        with stock_server("stock", home) as stock:
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{stock.base}/voila/render/stock.ipynb", timeout=TIMEOUT_MS)
            page.locator(".widget-slider").first.wait_for(timeout=TIMEOUT_MS)
            time.sleep(2)
            stock_uss = _tree_uss(stock.process.pid)
            context.close()
        for layout in layouts:
            (home / layout).mkdir()
            runs.append(_run_layout(browser, home / layout, db_url, layout, args.students, args.pool))
        browser.close()

    bare = stock_uss["voila"] + stock_uss["kernel"] + stock_uss["server"]
    print()
    print(f"stock Voila, one-slider page: Voila {stock_uss['voila']:.1f} MiB + kernel {stock_uss['kernel']:.1f} MiB")
    for run in runs:
        _table(run, bare)
    if len(runs) == 2:
        per_student, shared = (statistics.median(student.total for student in run.students) for run in runs)
        print()
        print(f"shared vs per-student, memory per student: {shared / per_student:.2f}x")
        print(f"shared vs per-student, CPU per sign-in: {runs[1].cpu_per_student / runs[0].cpu_per_student:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
