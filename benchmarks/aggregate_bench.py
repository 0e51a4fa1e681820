"""The facilitator dashboard's work for one large session: 10,000 students who all answered everything.

    .venv/bin/python -m benchmarks.aggregate_bench [--students 10000] [--repeats 5]

Fills an SQLite store directly (a student, an attempt, a membership and every answer per student, with
random but valid values), then times, separately and several times over:

* load: `Store.session_rows` (three queries: members, every kept change of their answers, shared reflections);
* aggregate: `selfexplore.aggregate.aggregate` (profiles, top-3 per student, spreads, values, challenges);
* render: `render_dashboard`, the HTML the dashboard shows.

The target is the aggregation under 1 s. Prints a Markdown table for docs/benchmarks.md. A benchmark, not a
test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from selfexplore.aggregate import SETTLE, aggregate, render_dashboard
from selfexplore.content import Content, load_content
from selfexplore.scoring import value_ids
from selfexplore.store import Store
from selfexplore.store.schema import answer_history, answers, attempts, group_sessions, memberships, students


def fill(store: Store, content: Content, count: int, seed: int = 7) -> int:
    """Insert `count` students who joined one session and answered every item; returns the session id."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    # Everyone answered a while ago: every part's count has settled, so the dashboard computes every figure.
    now = datetime.now(UTC) - 2 * SETTLE
    values = list(value_ids(content))
    challenge_ids = [c.id for c in content.resources.challenges]
    scale_items = [item for item in content.questionnaire.items if item.kind == "scale"]
    with store.engine.begin() as connection:
        session_id = connection.execute(
            insert(group_sessions)
            .values(code="BEN-CHM", name="Benchmark", created_at=now)
            .returning(group_sessions.c.id)
        ).scalar_one()
        connection.execute(
            insert(students),
            [
                {"id": n + 1, "identity_kind": "code", "identity_hash": f"{n:064x}", "created_at": now}
                for n in range(count)
            ],
        )
        connection.execute(
            insert(attempts), [{"id": n + 1, "student_id": n + 1, "number": 1, "started_at": now} for n in range(count)]
        )
        connection.execute(
            insert(memberships),
            [{"session_id": session_id, "student_id": n + 1, "joined_at": now} for n in range(count)],
        )
        for start in range(0, count, 500):
            rows = []
            for n in range(start, min(count, start + 500)):
                order = values[:]
                rng.shuffle(order)
                given: dict[str, object] = {item.id: rng.randint(1, 5) for item in scale_items}
                given["body_systems"] = rng.sample(list(content.system_ids), rng.randint(0, 3))
                given["values_ranking"] = order
                given["challenges"] = rng.sample(challenge_ids, rng.randint(0, 3))
                rows.extend(
                    {"attempt_id": n + 1, "item_id": item_id, "value": json.dumps(value), "saved_at": now}
                    for item_id, value in given.items()
                )
            connection.execute(insert(answers), rows)
            # Each answer given once: its history is that one change (the figures count from it).
            connection.execute(insert(answer_history), rows)
    return int(session_id)


def _machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line), ""
        )
    return f"{platform.machine()}, {os.cpu_count()} cores ({model}), Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    content = load_content()
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(content, f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        started = time.perf_counter()
        fill(store, content, args.students)
        print(f"filled {args.students} students in {time.perf_counter() - started:.1f} s")
        session = store.session("BEN-CHM")
        timings: dict[str, list[float]] = {"load": [], "aggregate": [], "render": []}
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            rows = store.session_rows(session)
            t1 = time.perf_counter()
            dashboard = aggregate(content, rows)
            t2 = time.perf_counter()
            render_dashboard(content, dashboard)
            t3 = time.perf_counter()
            timings["load"].append(t1 - t0)
            timings["aggregate"].append(t2 - t1)
            timings["render"].append(t3 - t2)
        store.close()
    print(f"\nMachine: {_machine()}. {args.students} students, {len(rows.changes)} answers, {args.repeats} runs.\n")
    print("| step | median s | min s | max s |")
    print("|---|---|---|---|")
    for step, values in timings.items():
        print(f"| {step} | {statistics.median(values):.3f} | {min(values):.3f} | {max(values):.3f} |")
    total = statistics.median(timings["aggregate"])
    print(
        f"\nTarget: aggregation under 1 s for {args.students} students: {'met' if total < 1 else 'missed'} "
        f"({total:.3f} s median)."
    )


if __name__ == "__main__":
    main()
