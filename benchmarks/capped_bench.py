"""A capped server under a flood: anonymous clients fetch pages as fast as they can (no browser, no
websocket: the attack of security review finding 1) while well-behaved students open the workbook and
start one. The workbook's server, with its caps, and stock Voila meet the same flood in the same run.

    .venv/bin/python -m benchmarks.capped_bench [--cap 12] [--per-client 4] [--flooders 4] [--gets 15]
                                                [--students 6]

- The workbook's server runs as `selfexplore serve` runs it, with SELFEXPLORE_MAX_KERNELS=--cap and
  SELFEXPLORE_KERNELS_PER_CLIENT=--per-client. Every client here comes from this machine's one address, so
  the benchmark acts as a trusted proxy: each client's requests carry its own name in a header the server
  is told to believe from 127.0.0.1, as a school's proxy tells its users apart.
- Stock Voila serves its one-slider page, with no cap.
- The flood: --flooders clients, each sending --gets page requests at once, never connecting to a kernel.
- The students: --students clients that do what a browser does over the wire (benchmarks.burst_bench:
  fetch the page, open the kernel's websocket, wait for "Start a new workbook", click it, wait for the
  resume code), arriving two seconds into the flood. Stock Voila's page has no such button: there a student
  is served once the slider's widget state arrives.
- Every half second: the kernels alive, and the memory of the server's whole process tree (USS).

Reported per server: the flood's answers by status, the most kernels alive and the most memory, each
student's time to a usable start page, and how many students were not served. A benchmark, not a test:
it reports and never fails.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from benchmarks.burst_bench import Arrival, client_visit
from benchmarks.servers import MIB, STOCK_PAGE, Server, machine, settle, stock_server, voila
from selfexplore import settings
from selfexplore.content import default_content_dir, load_content
from selfexplore.serving.serve import guards, voila_arguments, voila_config, voila_environment
from selfexplore.store import Store
from tests.helpers import free_port

CLIENT_HEADER = "X-Bench-Client"
TIMEOUT = 240.0


@dataclass
class Run:
    name: str
    flood: collections.Counter[str] = field(default_factory=collections.Counter)
    peak_kernels: int = 0
    peak_mib: float = 0.0
    students: list[Arrival] = field(default_factory=list)
    seconds: float = 0.0


def _tree_uss(server: Server) -> tuple[int, float]:
    kernels, total = 0, 0.0
    for process in server.tree():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += process.memory_full_info().uss / MIB
            if any("ipykernel_launcher" in part for part in process.cmdline()):
                kernels += 1
    return kernels, total


def _watch(server: Server, run: Run, stop: threading.Event) -> None:
    while not stop.is_set():
        kernels, mib = _tree_uss(server)
        run.peak_kernels = max(run.peak_kernels, kernels)
        run.peak_mib = max(run.peak_mib, mib)
        stop.wait(0.5)


async def _flood(base: str, path: str, client: str, gets: int) -> list[str]:
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest

    http = AsyncHTTPClient(force_instance=True, max_clients=gets)
    request = HTTPRequest(f"{base}{path}", headers={CLIENT_HEADER: client}, request_timeout=TIMEOUT)

    async def one() -> str:
        try:
            response = await http.fetch(request, raise_error=False)
        except Exception as error:
            return type(error).__name__
        return str(response.code)

    try:
        return list(await asyncio.gather(*(one() for _ in range(gets))))
    finally:
        http.close()


async def _student(base: str, path: str, number: int, ready: str | None) -> Arrival:
    await asyncio.sleep(2.0)
    headers = {CLIENT_HEADER: f"student-{number}"}
    if ready is None:  # stock Voila: served once its slider (which has an empty description) arrives
        return await client_visit(base, [], time.time(), headers=headers, ready="", click=False, path=path)
    return await client_visit(base, [], time.time(), headers=headers, ready=ready, timeout=TIMEOUT)


async def _attack(server: Server, run: Run, path: str, args: argparse.Namespace, ready: str | None) -> None:
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(server, run, stop), daemon=True)
    watcher.start()
    started = time.monotonic()
    try:
        floods = [_flood(server.base, path, f"flooder-{i}", args.gets) for i in range(args.flooders)]
        students = [_student(server.base, path, i, ready) for i in range(args.students)]
        results = await asyncio.gather(*floods, *students)
    finally:
        run.seconds = time.monotonic() - started
        time.sleep(1.0)
        stop.set()
        watcher.join()
    for answers in results[: args.flooders]:
        run.flood.update(answers)  # type: ignore[arg-type]
    run.students = list(results[args.flooders :])  # type: ignore[arg-type]


@contextlib.contextmanager
def capped_server(folder: Path, cap: int, per_client: int) -> Iterator[Server]:
    """The workbook's server as `serve` runs it, with these caps, behind the benchmark as its proxy."""
    url = f"sqlite:///{folder / 'capped.sqlite3'}"
    key = b"capped-benchmark-identity-key-of-32-chars"
    Store.open(load_content(), url, identity_key=key).close()
    environ = {
        "SELFEXPLORE_MAX_KERNELS": str(cap),
        "SELFEXPLORE_KERNELS_PER_CLIENT": str(per_client),
        "SELFEXPLORE_TRUSTED_HEADER": CLIENT_HEADER,
        "SELFEXPLORE_TRUSTED_PROXIES": "127.0.0.1",
    }
    work = folder / "capped"
    work.mkdir()
    (work / "voila.json").write_text(json.dumps(voila_config(pool=2, guarded=guards(environ))), encoding="utf-8")
    env = voila_environment()
    env.update(
        {
            settings.CONTENT.name: str(default_content_dir()),
            settings.DB_URL.name: url,
            settings.IDENTITY_KEY.name: key.decode(),
        }
    )
    env["SELFEXPLORE_STORE_PREPARED"] = "1"
    port = free_port()
    command = [
        *(sys.executable, "-m", "selfexplore.serving.server", *voila_arguments(port, pool=2)),
        *("--Voila.config_file_paths", str(work)),
    ]
    with voila("workbook, capped", command, env, work, port) as server:
        yield server


def _line(run: Run, args: argparse.Namespace) -> str:
    served = [s.usable for s in run.students if s.usable is not None and s.failure is None]
    failed = [s.failure for s in run.students if s.failure is not None]
    flood = ", ".join(f"{status}: {count}" for status, count in sorted(run.flood.items()))
    median = f"{statistics.median(served):.1f}" if served else "-"
    worst = f"{max(served):.1f}" if served else "-"
    return (
        f"| {run.name} | {args.flooders} x {args.gets} | {flood} | {run.peak_kernels} | {run.peak_mib:.0f} | "
        f"{len(served)} of {len(run.students)} | {median} | {worst} | {run.seconds:.0f} |"
        + (f"\n  not served: {failed}" if failed else "")
    )


async def amain(args: argparse.Namespace) -> int:
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="selfexplore-capped-") as scratch:
        folder = Path(scratch)
        with capped_server(folder, args.cap, args.per_client) as server:
            server.wait_for_log("Kernel pool of", 1)
            settle([server])
            run = Run(f"workbook, cap {args.cap} ({args.per_client} per client)")
            await _attack(server, run, "/", args, "Start a new workbook")
            runs.append(run)
        with stock_server("stock", folder) as server:
            settle([server])
            run = Run("stock Voila, no cap")
            await _attack(server, run, f"/voila/render/{STOCK_PAGE}", args, None)
            runs.append(run)
    print(machine(""))
    print(
        "| server | flood (clients x pages) | flood's answers | most kernels | most MiB (USS, all) | "
        "students served | median s | max s | run s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for run in runs:
        print(_line(run, args))
    capped, stock = runs
    if stock.peak_mib:
        print(f"memory at its most, capped vs stock: {capped.peak_mib / stock.peak_mib:.2f}x")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cap", type=int, default=12)
    parser.add_argument("--per-client", type=int, default=4)
    parser.add_argument("--flooders", type=int, default=4)
    parser.add_argument("--gets", type=int, default=15)
    parser.add_argument("--students", type=int, default=6)
    return asyncio.run(amain(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
