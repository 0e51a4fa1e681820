"""Who a group session's figures count, and as of when. Pure and generic (item ids, not the content pack);
selfexplore.aggregate turns the answers counted here into figures.

The dashboard refreshes every few seconds, so a figure that moved with each student would say what that
student answered (the sixth answerer turns a withheld count into a shown one), and so would a figure that
moved when one counted student changed an answer. Each part of the workbook therefore counts its own
students, in steps of MIN_GROUP:
- a student comes to a part when they have both joined the session and answered the part (each answer
  counted from when it was first given: answers are changed, never taken back); a student who answered at
  home and joins late comes when they join;
- the part counts the first 5, 10, 15... to come, in that order (ties by id), among those who came at
  least SETTLE ago: a sixth changes nothing until a tenth has come, and then the figures change for five at
  once. Someone who comes later never displaces someone counted before, so one student is never swapped
  for another;
- the counted students' answers are taken as they stood at the part's moment, SETTLE after the last of them
  came (the fifth has that long to finish a checklist or a values order begun when they were counted), each
  from their latest attempt that had answered the part by then. Nothing is cached: the moments are worked
  out from the timestamps in the store at each refresh. So a counted student who changes an answer, or
  takes the workbook again, changes nothing until five more have come to that part; the change then shows
  among theirs;
- the store keeps an answer's first value and its newest changes (HISTORY_LIMIT in all). When a counted
  student has changed one answer so often since the part's moment that its value then is gone, the part is
  `lost`: withheld until its count next grows, rather than shown with that one student's change.

- a student who deletes their data keeps their places (selfexplore.records.Departure: the session keeps when
  they came, never what they answered): nobody who came later moves up into a step already shown. A step
  that was shown with them is withheld from then on, until five more have come and the next step's figures,
  taken after they left, are shown without them; a step first shown after they left is shown without them.
  Their answers leave every figure, and no figure moves by fewer than five students.

It cannot protect against a facilitator who controls four of the first five to come (docs/facilitation.md,
"What a room of puppets can and cannot learn"), nor, likewise, all five who come after a student who
deleted their data: the step after the deletion then differs from the one before by the five and the one
who left.

Ten thousand students who answered everything are 710,000 changes: everything here is done on arrays, a
few passes over them whatever the number of parts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from selfexplore.records import HISTORY_LIMIT, Departure

MIN_GROUP = 5
# How long after the fifth (tenth...) student came to a part its figures wait, and as of when they take
# everyone's answers: long enough to finish a checklist or a values order begun when they were counted.
SETTLE = timedelta(minutes=3)
_SETTLE_US = SETTLE // timedelta(microseconds=1)

Change = tuple[int, int, str, str, datetime]  # (student, attempt number, item id, stored value, saved at)


@dataclass(frozen=True)
class Part:
    """One part of the workbook: a student answered it once the weights of their answers to it add up to
    `need`; its figures read the answers to `items`."""

    name: str
    weights: Mapping[str, int]
    need: int
    items: Sequence[str] = ()
    # False: only how many reached it is wanted (how far students got), not who is counted or their answers.
    counted: bool = True


@dataclass(frozen=True)
class Counted:
    """Every part, counted. `answers` holds, per part, the counted students' answers to its items as they
    stood at its moment: student, item (a category of the item ids), value (as stored), number (the value
    as a number; NaN for a list)."""

    reached: Mapping[str, int]  # students who answered the part, in any attempt, counted yet or not
    sizes: Mapping[str, int]  # students counted: a multiple of MIN_GROUP (less those who left), 0 until MIN_GROUP are
    lost: frozenset[str]  # parts whose counted answers at their moment are no longer all in the store
    answers: Mapping[str, pd.DataFrame]
    students: Mapping[str, np.ndarray]  # the counted students' ids, in the order they came
    table: pd.DataFrame  # every part's answers in one table, with the part (a category of the names)

    def of(self, part: str) -> pd.DataFrame | None:
        """The counted answers of a part; None when nobody is counted yet, or when the part is lost."""
        if not self.sizes.get(part) or part in self.lost:
            return None
        return self.answers[part]


def microseconds(times: Sequence[datetime]) -> np.ndarray:
    """Microseconds since the epoch. A time without a zone was written in UTC (SQLite hands them back so)."""
    if not times:
        return np.array([], dtype=np.int64)
    return np.asarray(pd.DatetimeIndex(pd.to_datetime(list(times), utc=True)).as_unit("us").asi8)


def _explode(group_code: np.ndarray, pair_code: np.ndarray, codes: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (group, pair) of the same code, as indexes into both."""
    order = np.argsort(pair_code, kind="stable")
    per_code = np.bincount(pair_code, minlength=codes)
    offsets = np.concatenate(([0], np.cumsum(per_code)[:-1]))
    repeats = per_code[group_code]
    groups = np.repeat(np.arange(len(group_code)), repeats)
    within = np.arange(len(groups)) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    return groups, order[offsets[group_code[groups]] + within]


def _columns(rows: Sequence[tuple[int, ...]], width: int) -> list[np.ndarray]:
    """Rows of whole numbers as `width` columns (empty columns for no rows)."""
    return [np.array([row[n] for row in rows], dtype=np.int64) for n in range(width)]


def _starts(*keys: np.ndarray) -> np.ndarray:
    """True where a run of equal keys (the arrays taken together, already sorted) begins."""
    new = np.zeros(len(keys[0]), dtype=bool)
    new[:1] = True
    for key in keys:
        new[1:] |= key[1:] != key[:-1]
    return new


def _present(students: np.ndarray) -> np.ndarray:
    return students[students >= 0]


def count(
    changes: Sequence[Change],
    members: Mapping[int, datetime],
    now: datetime,
    parts: Sequence[Part],
    fits: Mapping[str, Callable[[str], bool]] | None = None,
    departed: Sequence[Departure] = (),
) -> Counted:
    """Count every part from the members' kept changes (oldest first per answer, as the store keeps them),
    and the places of the members who `departed`. A stored value of an item in `fits` that its check refuses
    counts as never given."""
    items = sorted({item for p in parts for item in (*p.weights, *p.items)})
    # Those who left come as students of their own with negative ids, answers without values.
    members = {**members, **{-1 - n: gone.joined_at for n, gone in enumerate(departed)}}
    changes = [
        *changes,
        *((-1 - n, number, item, "", at) for n, gone in enumerate(departed) for number, item, at in gone.first_given),
    ]
    left_at = microseconds([gone.departed_at for gone in reversed(departed)])  # by id, from the lowest
    ids = np.array(sorted(members), dtype=np.int64)
    # One column at a time: zip(*changes) over 700,000 rows takes ten times as long.
    students = [change[0] for change in changes]
    attempts = [change[1] for change in changes]
    names = [change[2] for change in changes]
    values = [change[3] for change in changes]
    times = [change[4] for change in changes]
    code = np.asarray(pd.Categorical(names, categories=items).codes, dtype=np.int64)
    student = np.array(students, dtype=np.int64)
    value = np.array(values, dtype=object)
    known = (code >= 0) & np.isin(student, ids)
    for item, check in (fits or {}).items():
        if item in items:  # (those who left gave it: they came to the part then)
            these = np.flatnonzero(known & (code == items.index(item)) & (student >= 0))
            known[these] = [check(raw) for raw in value[these]]
    student, code, value = student[known], code[known], value[known]
    attempt = np.array(attempts, dtype=np.int64)[known]
    at = microseconds(times)[known]
    order = np.lexsort((at, code, attempt, student))  # stable: equal times keep the store's order
    student, attempt, code, at, value = student[order], attempt[order], code[order], at[order], value[order]

    # Answers: one run of changes per (student, attempt, item).
    starts = np.flatnonzero(_starts(student, attempt, code))
    # Where each run ends: the next one's start, and the last at the end (no runs: nobody answered yet).
    ends = np.append(starts[1:], len(student)) if starts.size else starts
    a_student, a_attempt, a_code = student[starts], attempt[starts], code[starts]
    a_first, a_last, a_kept = at[starts], at[ends - 1], ends - starts

    joined = microseconds([members[int(i)] for i in ids])
    place_of = {p.name: index for index, p in enumerate(parts)}
    need = np.array([p.need for p in parts], dtype=np.int64)
    w_part, w_code, w_weight = _columns(
        [(place_of[p.name], items.index(i), w) for p in parts if p.counted for i, w in p.weights.items()], 3
    )

    # When each attempt answered each part: its answers' weights, first given in time order, reach `need`.
    g, w = _explode(a_code, w_code, len(items))
    e_part, e_student, e_attempt, e_first, e_weight = w_part[w], a_student[g], a_attempt[g], a_first[g], w_weight[w]
    order = np.lexsort((e_first, e_attempt, e_student, e_part))
    e_part, e_student, e_attempt, e_first, e_weight = (
        e_part[order],
        e_student[order],
        e_attempt[order],
        e_first[order],
        e_weight[order],
    )
    runs = _starts(e_part, e_student, e_attempt)
    run = np.cumsum(runs) - 1
    total = np.cumsum(e_weight)
    total -= (total - e_weight)[runs][run]
    hit = np.flatnonzero(total >= need[e_part])
    hit = hit[_starts(run[hit])]  # the first answer of each run that reached it
    c_part, c_student, c_attempt, c_time = e_part[hit], e_student[hit], e_attempt[hit], e_first[hit]

    # When each student came to each part, and who is counted.
    order = np.lexsort((c_time, c_student, c_part))
    first = order[_starts(c_part[order], c_student[order])]
    k_part, k_student = c_part[first], c_student[first]
    k_came = np.maximum(c_time[first], joined[np.searchsorted(ids, k_student)])
    order = np.lexsort((k_student, k_came, k_part))
    k_part, k_student, k_came = k_part[order], k_student[order], k_came[order]
    part_start = np.searchsorted(k_part, np.arange(len(parts)))
    place = np.arange(len(k_part)) - part_start[k_part]
    reached = np.bincount(k_part, minlength=len(parts))
    # How many reached a part that counts nobody: an attempt whose answers' weights add up to its need.
    attempts_start = _starts(a_student, a_attempt)
    of_attempt = np.cumsum(attempts_start) - 1
    for n, part in enumerate(parts):
        if not part.counted:
            weight = np.array([part.weights.get(item, 0) for item in items], dtype=np.int64)
            total = np.bincount(of_attempt, weights=weight[a_code], minlength=int(attempts_start.sum()))
            reached[n] = len(np.unique(a_student[attempts_start][total >= part.need]))
    came_long_ago = k_came <= microseconds([now])[0] - _SETTLE_US
    sizes = np.bincount(k_part[came_long_ago], minlength=len(parts)) // MIN_GROUP * MIN_GROUP
    counted = place < sizes[k_part]
    moment = np.full(len(parts), -1, dtype=np.int64)
    shown = np.flatnonzero(sizes)
    moment[shown] = k_came[part_start[shown] + sizes[shown] - 1] + _SETTLE_US
    # A place of someone who left: the step is withheld if it was shown with them (they left after its moment).
    left = counted & (k_student < 0)
    after = left_at[k_student[left] + len(departed)] > moment[k_part[left]]
    withheld_since_left = {parts[int(p)].name for p in np.unique(k_part[left][after])}
    present = sizes - np.bincount(k_part[left], minlength=len(parts))
    withheld_since_left |= {parts[int(p)].name for p in np.flatnonzero((sizes > 0) & (present < MIN_GROUP))}

    # Each counted student's attempt: their latest that had answered the part by its moment.
    index = np.searchsorted(ids, c_student)
    is_counted = np.zeros((len(parts), len(ids)), dtype=bool)
    is_counted[k_part[counted], np.searchsorted(ids, k_student[counted])] = True
    ok = is_counted[c_part, index] & (c_time <= moment[c_part])
    counted_attempt = np.full((len(parts), len(ids)), -1, dtype=np.int64)
    np.maximum.at(counted_attempt, (c_part[ok], index[ok]), c_attempt[ok])

    # Their answers to each part's items as they stood at its moment: the last change at or before it.
    i_part, i_code = _columns([(place_of[p.name], items.index(i)) for p in parts for i in p.items], 2)
    g, i = _explode(a_code, i_code, len(items))
    q_part = i_part[i]
    keep = (counted_attempt[q_part, np.searchsorted(ids, a_student[g])] == a_attempt[g]) & (a_student[g] >= 0)
    q_answer, q_part = g[keep], q_part[keep]
    q_moment = moment[q_part]
    given = a_first[q_answer] <= q_moment
    q_answer, q_part, q_moment = q_answer[given], q_part[given], q_moment[given]
    row = ends[q_answer] - 1
    before = a_kept[q_answer].copy()
    changed = np.flatnonzero(a_last[q_answer] > q_moment)  # changed since: find the change then
    if changed.size:
        lengths = a_kept[q_answer[changed]]
        owner = np.repeat(np.arange(changed.size), lengths)
        offset = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        then = at[starts[q_answer[changed]][owner] + offset] <= q_moment[changed][owner]
        before[changed] = np.bincount(owner, weights=then, minlength=changed.size).astype(np.int64)
        row[changed] = starts[q_answer[changed]] + before[changed] - 1
    # Only the first value is left at or before the moment, and changes may have been dropped after it.
    gone = (a_kept[q_answer] >= HISTORY_LIMIT) & (before == 1) & (a_last[q_answer] > q_moment)
    lost = frozenset(parts[p].name for p in np.unique(q_part[gone])) | withheld_since_left

    order = np.argsort(q_part, kind="stable")
    q_part, row = q_part[order], row[order]
    # Stored values repeat ("1" to "5"): each distinct one is read as a number once.
    which, distinct = pd.factorize(value[row])
    numbers = pd.to_numeric(pd.Series(distinct, dtype=object), errors="coerce").to_numpy(float)
    table = pd.DataFrame(
        {
            "part": pd.Categorical.from_codes(q_part, categories=pd.Index([p.name for p in parts])),
            "student": student[row],
            "item": pd.Categorical.from_codes(code[row], categories=pd.Index(items)),
            "value": pd.Series(value[row], dtype=object),  # as stored: no conversion to a string type
            "number": numbers[which] if len(which) else np.array([], dtype=float),
        }
    )
    bounds = np.searchsorted(q_part, np.arange(len(parts) + 1))
    return Counted(
        reached={p.name: int(reached[n]) for n, p in enumerate(parts)},
        sizes={p.name: int(present[n]) for n, p in enumerate(parts)},
        lost=lost,
        answers={p.name: table.iloc[bounds[n] : bounds[n + 1]] for n, p in enumerate(parts)},
        students={p.name: _present(k_student[part_start[n] : part_start[n] + sizes[n]]) for n, p in enumerate(parts)},
        table=table,
    )
