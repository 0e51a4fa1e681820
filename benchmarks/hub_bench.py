"""Students signing in through a real JupyterHub, one after another: the time from the sign-in click to the
workbook's first usable control, and the memory each student's server holds (its hub-server process with
the hub's proxy, its Voila, its kernel; USS, the memory only that process holds), against stock Voila (its
server and the kernel of a one-slider page, opened once) in the same run.

The hub is the one of the hub tests (tests/browser/hub.py): deploy/jupyterhub/jupyterhub_config.py with a
test sign-in, configurable-http-proxy from npm, a throwaway PostgreSQL store.

Run it with `.venv/bin/python -m benchmarks.hub_bench` (`--students N`, 5 by default). A benchmark, not a
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
from playwright.sync_api import expect, sync_playwright

from benchmarks.servers import MIB, chromium, machine, stock_server
from tests.browser.chromium import CHROMIUM_FLAGS
from tests.browser.hub import processes_of, running_hub, sign_in_page
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=5)
    args = parser.parse_args()
    expect.set_options(timeout=TIMEOUT_MS)
    students: list[Student] = []
    with (
        tempfile.TemporaryDirectory(prefix="selfexplore-hub-bench-") as folder,
        postgres_server() as db_url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        print(machine(browser.version), flush=True)
        home = Path(folder)
        (home / "hub").mkdir()
        with stock_server("stock", home) as stock:
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{stock.base}/voila/render/stock.ipynb", timeout=TIMEOUT_MS)
            page.locator(".widget-slider").first.wait_for(timeout=TIMEOUT_MS)
            time.sleep(2)
            stock_uss = _tree_uss(stock.process.pid)
            context.close()
        with running_hub(home / "hub", db_url) as hub:
            for number in range(args.students):
                name = f"student{number + 1}"
                context = browser.new_context()
                started = time.monotonic()
                page = sign_in_page(context, hub, name)
                page.locator(READY).first.wait_for(timeout=TIMEOUT_MS)
                seconds = time.monotonic() - started
                time.sleep(2)  # the page's messages settle before memory is read
                students.append(Student(name, seconds, _uss_by_role(processes_of(hub, name))))
                print(f"{name}: usable after {seconds:.1f} s, {students[-1].total:.1f} MiB", flush=True)
                context.close()
        browser.close()

    bare = stock_uss["voila"] + stock_uss["kernel"] + stock_uss["server"]
    print()
    print(f"stock Voila, one-slider page: Voila {stock_uss['voila']:.1f} MiB + kernel {stock_uss['kernel']:.1f} MiB")
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
