"""Autosave latency of the store: from the call until the commit returns, with 1 and 32 writer processes,
on an SQLite file and on PostgreSQL.

    .venv/bin/python -m benchmarks.store_bench [--answers 200] [--writers 1 32]

Each writer is a separate process (as each Voila kernel is), a new student saving N answers; the writers
start together. Prints p50 / p95 / max in milliseconds per engine and writer count, as a Markdown table for
docs/benchmarks.md. A benchmark, not a test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selfexplore import settings
from selfexplore.content import load_content
from selfexplore.store import Store
from tests.store.postgres import postgres_server

ROOT = Path(__file__).resolve().parents[1]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(url: str, writers: int, answers: int, interval_ms: float, checked: bool = False) -> list[float]:
    Store.open(load_content(), url).close()  # schema in place before the writers start
    start_at = time.time() + 3.0 + writers * 0.15
    processes = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "tests.store.writer", url, str(answers)),
                *("--start-at", str(start_at), "--interval-ms", str(interval_ms)),
                *(["--checked"] if checked else []),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(writers)
    ]
    latencies: list[float] = []
    errors = 0
    for process in processes:
        stdout, _ = process.communicate()
        for line in stdout.splitlines()[1:]:
            record = json.loads(line)
            if "error" in record:
                errors += 1
            else:
                latencies.append(record["ms"])
    if errors:
        print(f"  {errors} save(s) failed", file=sys.stderr)
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 32])
    parser.add_argument(
        "--intervals",
        type=float,
        nargs="+",
        default=[0.0, 50.0],
        help="pause in ms between one writer's saves: 0 saturates the store, 50 is still far faster than a student",
    )
    parser.add_argument(
        "--checked",
        action="store_true",
        help="also save as a page does, from the copy last read (a save another tab overtook is refused)",
    )
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{args.answers} answers per writer\n")
    print("| engine | writers | pause between saves | saves | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder, postgres_server() as postgres:
        for interval in args.intervals:
            for writers in args.writers:
                sqlite = f"sqlite:///{Path(folder) / f'bench-{writers}-{interval:g}.sqlite3'}"
                # PostgreSQL as the store opens it (a connection per save, none kept between saves), and
                # with two connections kept open per writer (SELFEXPLORE_DB_POOL=2), as it did before.
                cases = {"SQLite": (sqlite, ""), "PostgreSQL": (postgres, ""), "PostgreSQL, 2 kept": (postgres, "2")}
                runs = [(name, url, kept, False) for name, (url, kept) in cases.items()]
                if args.checked:  # each engine again, saving from the copy read: the same run, side by side
                    runs = [
                        (f"{name}, {how}", url, kept, checked)
                        for name, url, kept, _ in runs
                        if not kept
                        for how, checked in (("as before", False), ("from the copy read", True))
                    ]
                for name, url, kept, checked in runs:
                    os.environ[settings.DB_POOL.name] = kept
                    latencies = run(url, writers, args.answers, interval, checked)
                    print(
                        f"| {name} | {writers} | {interval:g} ms | {len(latencies)} | "
                        f"{statistics.median(latencies):.2f} | {_percentile(latencies, 0.95):.2f} | "
                        f"{max(latencies):.2f} |",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
