"""A class signing in through a real JupyterHub at the same moment: how long each student waits from
signing in to usable widgets, what each student's server holds in memory, and who failed.

    .venv/bin/python -m benchmarks.hub_burst_bench [--students 10 30] [--browsers 3] [--layout both] [--pool 0]

The hub is the one of the hub tests (tests/browser/hub.py): deploy/jupyterhub/jupyterhub_config.py with a
test sign-in, configurable-http-proxy from npm, a throwaway PostgreSQL store. For each layout of that
config (--layout: per-student, shared, or both, in that order) and each N, a fresh hub is started, then N
students arrive at once (with --pool K, once the shared workbook has K kernels ready):

- a few (--browsers) are real Chromium pages that sign in at the hub's login page; their time runs from
  the sign-in click until the start page has a usable control (the hub starts their server on the way);
- the rest are clients with a hub API token of their own (as a script or a tool would sign in): each asks
  the hub to start its server (per-student) or goes straight to the shared workbook service (shared),
  fetches the page with its token, opens the kernel's websocket through the hub's proxy and speaks the
  widget protocol until the start page's "Join the session" button exists. Their time runs from the
  burst's start.

Failed: a server the hub could not start, a page that is not the workbook, widgets that never arrive.
Memory: USS (what only that process holds) of every process of each student's server once all are in (in
the shared layout: the service's growth over the burst, divided by N), against stock Voila (its server and
the kernel of a one-slider page) measured in the same run. Targets: no failure; p95 at most 3x one student
alone (hub_bench); in the shared layout at most 80 MiB and 2.5 CPU-seconds per student (issue 27).
A benchmark, not a test: it reports and never fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from playwright.async_api import Browser, async_playwright

from benchmarks.burst_bench import Arrival, client_visit
from benchmarks.hub_bench import READY, _service_processes, _tree_uss, _uss_by_role
from benchmarks.servers import chromium, machine, machine_cpu, percentile, steal_since, stock_server
from tests.browser.chromium import CHROMIUM_FLAGS
from tests.browser.hub import PASSWORD, SHARED_WORKBOOK, Hub, processes_of, running_hub, wait_for_pool
from tests.store.postgres import postgres_server

HUB_READY = "Join the session"  # a button of the start page for a student the hub signed in
# Longer than the hub waits for a server to start (300 s in the config): a student the hub gave up on is
# counted as failed by the hub, not cut short by the harness.
TIMEOUT = 600.0
# The hub's log lines that say a student's server failed.
HUB_FAILURES = ("never showed up", "failed to start", "Unhandled error starting", "[E ")


@dataclass
class Burst:
    layout: str
    students: int
    browsers: int
    arrivals: list[Arrival] = field(default_factory=list)
    uss: list[dict[str, float]] = field(default_factory=list)  # per student, MiB by role
    machine_cpu: float = 0.0  # CPU-seconds of every program on the machine during the burst
    cpu: dict[str, float] = field(default_factory=dict)  # CPU-seconds by part: hub, servers, kernels
    hub_failures: list[str] = field(default_factory=list)
    steal: float = 0.0
    wall: float = 0.0  # seconds until the last student was in (or failed)


async def _api(hub: Hub, method: str, path: str, body: object | None = None) -> Any:
    return await asyncio.to_thread(hub.api, method, path, body)


async def browser_arrival(browser: Browser, hub: Hub, name: str, t0: float) -> Arrival:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    arrival = Arrival("browser")
    try:
        page = await context.new_page()
        await page.goto(f"{hub.url}/hub/login", timeout=TIMEOUT * 1000)
        await page.get_by_label("Username").fill(name)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        try:
            await page.locator(READY).first.wait_for(timeout=TIMEOUT * 1000)
        except Exception:
            arrival.failure = f"not usable within {TIMEOUT:.0f} s, at {page.url}"
            return arrival
        arrival.usable = time.time() - t0
        return arrival
    finally:
        await context.close()


async def client_arrival(hub: Hub, name: str, token: str, t0: float, layout: str) -> Arrival:
    """Start the server through the hub's API with the student's own token, then open the workbook; in the
    shared layout, open the shared workbook with the token."""
    headers = {"Authorization": f"token {token}"}
    if layout == "shared":
        return await client_visit(
            f"{hub.url}{SHARED_WORKBOOK.rstrip('/')}",
            [],
            t0,
            headers=headers,
            ready=HUB_READY,
            click=False,
            timeout=TIMEOUT,
        )
    try:
        await _api(hub, "POST", f"/users/{name}/server")
        deadline = t0 + TIMEOUT
        while True:
            server = (await _api(hub, "GET", f"/users/{name}"))["servers"].get("")
            if server and server.get("ready"):
                break
            if server is None or time.time() > deadline:
                return Arrival("client", failure="the hub did not start the server")
            await asyncio.sleep(0.5)
    except Exception as error:
        return Arrival("client", failure=f"{type(error).__name__}: {error}"[:200])
    return await client_visit(
        f"{hub.url}/user/{name}", [], t0, headers=headers, ready=HUB_READY, click=False, timeout=TIMEOUT
    )


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def _hub_processes() -> list[psutil.Process]:
    """The hub, its proxy and its services (started by the hub of tests/browser/hub.py)."""
    found = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            command = " ".join(process.cmdline())
            if "jupyterhub_config.py" in command or "configurable-http-proxy" in command or "idle_culler" in command:
                found.append(process)
    return found


async def run_burst(
    browser: Browser, folder: Path, db_url: str, students: int, browsers: int, layout: str, pool: int = 0
) -> Burst:
    warm = layout == "shared" and pool > 0
    burst = Burst(f"{layout}, {pool} ready" if warm else layout, students, browsers)
    names = [f"s{students:02d}-{number:02d}" for number in range(students)]
    with running_hub(folder, db_url, layout=layout, pool=pool if layout == "shared" else 0) as hub:
        if warm:
            # The room arrives once the pool is full, as it would after a host warmed it before the session.
            waited = await asyncio.to_thread(wait_for_pool, hub, pool)
            print(f"  {pool} kernels ready after {waited:.0f} s", file=sys.stderr, flush=True)
        await _api(hub, "POST", "/users", {"usernames": names})
        tokens = {}
        for name in names[browsers:]:
            made = await _api(hub, "POST", f"/users/{name}/tokens", {"note": "hub burst bench", "expires_in": 3600})
            tokens[name] = made["token"]
        hub_before = _cpu_seconds(_hub_processes())
        service_before = _service_processes(hub)
        # By process: with a warm pool, kernels already ran before the burst.
        service_cpu_before = {process.pid: _cpu_seconds([process]) for process in service_before}
        service_uss_before = _uss_by_role(service_before)
        before, cpu_before = psutil.cpu_times(), machine_cpu()
        t0 = time.time()
        tasks = [browser_arrival(browser, hub, name, t0) for name in names[:browsers]]
        tasks += [client_arrival(hub, name, tokens[name], t0, layout) for name in names[browsers:]]
        burst.arrivals = list(await asyncio.gather(*tasks))
        burst.wall = time.time() - t0
        burst.machine_cpu = machine_cpu() - cpu_before
        burst.steal = steal_since(before)
        await asyncio.sleep(5)  # the pages' messages settle before memory is read
        if layout == "shared":
            # Every page is still open: the service's growth is what the class costs it.
            service = _service_processes(hub)
            after = _uss_by_role(service)
            burst.uss = [{role: (after[role] - service_uss_before[role]) / students for role in after}] * students
            kernels = [process for process in service if "ipykernel" in " ".join(process.cmdline())]

            def during(processes: list[psutil.Process]) -> float:
                return sum(_cpu_seconds([p]) - service_cpu_before.get(p.pid, 0.0) for p in processes)

            burst.cpu = {
                "hub and its proxy": _cpu_seconds(_hub_processes()) - hub_before,
                "the shared service": during([process for process in service if process not in kernels]),
                "kernels": during(kernels),
            }
        else:
            burst.uss = [_uss_by_role(processes_of(hub, name)) for name in names]
            # Every student's processes started with the burst: their CPU time so far is the burst's.
            servers = [process for name in names for process in processes_of(hub, name)]
            kernels = [process for process in servers if "ipykernel" in " ".join(process.cmdline())]
            burst.cpu = {
                "hub and its proxy": _cpu_seconds(_hub_processes()) - hub_before,
                "students' servers": _cpu_seconds([p for p in servers if p not in kernels]),
                "kernels": _cpu_seconds(kernels),
            }
        burst.cpu["browsers and clients"] = burst.machine_cpu - sum(burst.cpu.values())
        burst.hub_failures = [
            line[:200] for line in hub.log.read_text().splitlines() if any(text in line for text in HUB_FAILURES)
        ]
        for name in names if layout == "per-student" else []:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(hub.stop, name)
    return burst


def report(bursts: list[Burst], stock: dict[str, float]) -> None:
    bare = sum(stock.values())
    print(f"stock Voila, one-slider page: server {stock['voila']:.1f} MiB + kernel {stock['kernel']:.1f} MiB")
    print(
        "| layout | students at once | browsers + clients | sign-in to usable, median s | p95 s | max s | failed "
        "| all in after s | machine CPU-s | USS per student, MiB (median) | vs stock Voila |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for burst in bursts:
        usable = [a.usable for a in burst.arrivals if a.usable is not None]
        failed = [a for a in burst.arrivals if a.failure]
        totals = [sum(uss.values()) for uss in burst.uss if sum(uss.values()) > 0]
        median_uss = statistics.median(totals) if totals else float("nan")
        print(
            f"| {burst.layout} | {burst.students} | {burst.browsers} + {burst.students - burst.browsers} | "
            f"{statistics.median(usable) if usable else float('nan'):.1f} | "
            f"{percentile(usable, 0.95) if usable else float('nan'):.1f} | {max(usable, default=float('nan')):.1f} | "
            f"{len(failed)} | {burst.wall:.0f} | {burst.machine_cpu:.0f} | {median_uss:.1f} | "
            f"{median_uss / bare:.2f}× |"
        )
    print()
    for burst in bursts:
        by_role = {
            role: statistics.median([uss[role] for uss in burst.uss if sum(uss.values()) > 0] or [float("nan")])
            for role in ("server", "voila", "kernel")
        }
        browsers = sorted(a.usable for a in burst.arrivals if a.who == "browser" and a.usable is not None)
        print(
            f"- {burst.layout}, N = {burst.students}: "
            f"browsers usable at {', '.join(f'{t:.1f}' for t in browsers) or 'none'} s; "
            f"per student Voila {by_role['voila']:.1f} MiB + kernel {by_role['kernel']:.1f} MiB"
            f" (+ {by_role['server']:.1f} other); the hypervisor took {burst.steal:.0%} of the CPU"
        )
        parts = ", ".join(f"{part} {seconds:.0f}" for part, seconds in burst.cpu.items())
        print(f"  CPU-seconds: {parts} (of {burst.machine_cpu:.0f} on the machine)")
        for arrival in burst.arrivals:
            if arrival.failure:
                print(f"  failed ({arrival.who}): {arrival.failure}")
        for line in burst.hub_failures[:20]:
            print(f"  hub: {line}")


async def amain(args: argparse.Namespace) -> int:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            print(machine(browser.version), flush=True)
            with tempfile.TemporaryDirectory(prefix="hub-burst-bench-") as work:
                home = Path(work)
                with stock_server("stock", home) as stock_voila:
                    page = await browser.new_page()
                    await page.goto(f"{stock_voila.base}/voila/render/stock.ipynb", timeout=TIMEOUT * 1000)
                    await page.locator(".widget-slider").first.wait_for(timeout=TIMEOUT * 1000)
                    await asyncio.sleep(2)
                    stock = _tree_uss(stock_voila.process.pid)
                    stock = {"voila": stock["voila"] + stock["server"], "kernel": stock["kernel"]}
                    await page.close()
                bursts = []
                layouts = ("per-student", "shared") if args.layout == "both" else (args.layout,)
                for layout in layouts:
                    for students in args.students:
                        folder = home / f"hub-{layout}-{students}"
                        folder.mkdir()
                        with postgres_server() as db_url:
                            burst = await run_burst(
                                browser, folder, db_url, students, min(args.browsers, students), layout, args.pool
                            )
                        print(
                            f"  {layout}, {students} at once: done in {burst.wall:.0f} s", file=sys.stderr, flush=True
                        )
                        bursts.append(burst)
            print()
            report(bursts, stock)
        finally:
            await browser.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[10, 30], help="students signing in at once")
    parser.add_argument("--browsers", type=int, default=3, help="of them, real browsers (the rest are clients)")
    parser.add_argument("--layout", choices=("both", "shared", "per-student"), default="both")
    parser.add_argument(
        "--pool", type=int, default=0, help="kernels the shared workbook has ready before the room arrives (0: none)"
    )
    return asyncio.run(amain(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
