"""A writer process for the concurrency, crash and benchmark runs: one new student saving N answers.

    python -m tests.store.writer URL N [--start-at EPOCH] [--interval-ms MS] [--checked]

Each save is printed as one JSON line *after* its commit returned (`{"item":..,"value":..,"ms":..}`), so
the parent knows exactly which answers were acknowledged. Errors are printed as {"error": ...}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime

from selfexplore.content import load_content
from selfexplore.store import Store


def planned_answers(item_ids: list[str], count: int) -> list[tuple[str, int]]:
    """Save i goes to item i mod n with a value that differs from the item's previous one, so every save
    is a real change and leaves exactly one history row."""
    return [(item_ids[i % len(item_ids)], (i // len(item_ids)) % 5 + 1) for i in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("count", type=int)
    parser.add_argument("--start-at", type=float, default=0.0)
    parser.add_argument("--interval-ms", type=float, default=0.0, help="pause between saves, as a student would")
    parser.add_argument(
        "--checked", action="store_true", help="save as a page does: from the copy last read (Store.save_answer)"
    )
    args = parser.parse_args()
    content = load_content()
    store = Store.open(content, args.url)
    student = store.create_student()
    attempt = store.latest_attempt(student.student)
    print(json.dumps({"code": student.code, "attempt": attempt.id}), flush=True)
    items = [item.id for item in content.questionnaire.items if item.kind == "scale"]
    delay = args.start_at - time.time()
    if delay > 0:
        time.sleep(delay)  # all writers start together
    copy: dict[str, datetime | None] = {}  # when each answer was saved, as this writer last saw it
    for item_id, value in planned_answers(items, args.count):
        began = time.perf_counter()
        try:
            if args.checked:
                copy[item_id] = store.save_answer(attempt, item_id, value, copy.get(item_id)).saved_at
            else:
                store.save_answer(attempt, item_id, value)
        except Exception as error:  # every failure is reported to the parent, none hidden
            print(json.dumps({"error": repr(error)}), flush=True)
            continue
        elapsed = (time.perf_counter() - began) * 1000
        print(json.dumps({"item": item_id, "value": value, "ms": round(elapsed, 3)}), flush=True)
        if args.interval_ms:
            time.sleep(args.interval_ms / 1000)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
