"""Group figures: computed like a student's own, and nothing about fewer than five students."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from selfexplore.aggregate import (
    MIN_GROUP,
    SETTLE,
    Dashboard,
    Figure,
    aggregate,
    export_html,
    render_dashboard,
    to_frame,
)
from selfexplore.cli import main
from selfexplore.content import Content
from selfexplore.matching import rank_paths, rank_specialties
from selfexplore.records import HISTORY_LIMIT, GroupRows, GroupSession, Student
from selfexplore.scoring import Answer, score_answers, value_ids
from selfexplore.store import Store
from selfexplore.store import facade as store_module
from tests.helpers import answers_leaning, tags


def stored(value: Answer) -> str:
    return json.dumps(list(value) if isinstance(value, tuple) else value)


def random_answers(content: Content, rng: random.Random) -> dict[str, Answer]:
    answers: dict[str, Answer] = {
        item.id: rng.randint(1, 5) for item in content.questionnaire.items if item.kind == "scale"
    }
    answers["body_systems"] = tuple(rng.sample(list(content.system_ids), rng.randint(0, 3)))
    order = list(value_ids(content))
    rng.shuffle(order)
    answers["values_ranking"] = tuple(order)
    answers["challenges"] = ("time",) if rng.random() < 0.5 else ()
    return answers


class Room:
    """A session as the store would hold it, with a clock that moves one second per event."""

    def __init__(self) -> None:
        self.clock = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
        self.members: dict[int, datetime] = {}
        self.changes: list[tuple[int, int, str, str, datetime]] = []
        self.latest: dict[tuple[int, int, str], str] = {}

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    def wait(self, duration: timedelta = SETTLE) -> None:
        self.clock += duration

    def join(self, student: int) -> None:
        self.members.setdefault(student, self.tick())

    def answer(self, student: int, given: Mapping[str, Answer], attempt: int = 1) -> None:
        """Save each answer as the store does: a change is kept, the same value again is not."""
        for item, value in given.items():
            if self.latest.get((student, attempt, item)) != stored(value):
                self.latest[(student, attempt, item)] = stored(value)
                self.changes.append((student, attempt, item, stored(value), self.tick()))

    def rows(self, shared: list[tuple[int, str, str]] | None = None) -> GroupRows:
        return GroupRows(dict(self.members), list(self.changes), shared or [], self.tick())


def rows_for(answers: dict[int, dict[str, Answer]], shared: list[tuple[int, str, str]] | None = None) -> GroupRows:
    """Everyone joins, then each student answers in turn."""
    room = Room()
    for student in answers:
        room.join(student)
    for student, given in answers.items():
        room.answer(student, given)
    room.wait()
    return room.rows(shared)


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def figures_of(dashboard: Dashboard) -> Dashboard:
    """Every figure about answers: not how many joined or how far they got (counted in fives, see
    test_how_far_students_got_is_counted_in_fives), which say nothing of what anyone answered."""
    return replace(dashboard, members=0, progress=(), reflections=())


class Clock:
    """The store's clock, in tests: a second passes with each reading of it, and more when told to wait."""

    def __init__(self) -> None:
        self.time = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.time += timedelta(seconds=1)
        return self.time

    def wait(self, duration: timedelta = SETTLE) -> None:
        self.time += duration


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr(store_module, "_now", ticking)
    return ticking


@pytest.fixture
def store(tmp_path: Path, content: Content) -> Iterator[Store]:
    opened = Store.open(content, f"sqlite:///{tmp_path / 'group.sqlite3'}")
    yield opened
    opened.close()


class TestSuppression:
    def test_a_group_of_four_shows_nothing_but_its_size(self, content: Content) -> None:
        rng = random.Random(4)
        dashboard = aggregate(content, rows_for({n: random_answers(content, rng) for n in range(4)}))
        assert not dashboard.shown and dashboard.members == 4
        assert dashboard.specialties == () and dashboard.dimensions == () and dashboard.reflections == ()
        html = render_dashboard(content, dashboard)
        assert "4 joined" in html and "Figures appear once 5" in html

    def test_five_who_joined_and_answered_nothing_yet_show_the_session_and_no_figure(self, content: Content) -> None:
        # Found under a hub: a room joins before anyone answers, and the dashboard must open on it.
        dashboard = aggregate(content, rows_for({n: {} for n in range(5)}))
        assert dashboard.shown and dashboard.members == 5
        assert all(f.value is None for f in (*dashboard.specialties, *dashboard.challenges, *dashboard.values_first))
        assert "5 joined" in render_dashboard(content, dashboard)

    @pytest.mark.parametrize("size", [5, 6])
    def test_groups_of_five_and_six_show_averages_but_no_count(self, content: Content, size: int) -> None:
        """Of five or six, any count describes fewer than five or leaves out fewer than five."""
        rng = random.Random(size)
        answers = {n: random_answers(content, rng) for n in range(size)}
        for n in range(size):
            answers[n]["challenges"] = ("time",) if n < 5 else ("family",)
        dashboard = aggregate(content, rows_for(answers))
        assert dashboard.shown and dashboard.members == size
        by_key = {f.key: f for f in dashboard.challenges}
        assert by_key["time"].value is None  # five of five, or five of six
        assert by_key["family"].value is None  # one student, or none
        for figure in (*dashboard.specialties, *dashboard.paths, *dashboard.values_first, *dashboard.challenges):
            assert figure.value is None or figure.value >= MIN_GROUP
        assert all(s.mean is not None for s in dashboard.dimensions)
        frame = to_frame(dashboard)
        assert frame.loc[frame["withheld"], "value"].isna().all()
        assert (
            frame.loc[
                ~frame["withheld"]
                & (frame["section"] != "dimension_mean")
                & (frame["section"] != "dimension_sd")
                & (frame["section"] != "value_place"),
                "value",
            ]
            >= MIN_GROUP
        ).all()

    def test_a_dimension_answered_by_four_is_withheld(self, content: Content) -> None:
        rng = random.Random(9)
        answers = {n: random_answers(content, rng) for n in range(6)}
        items = [i.id for i in content.questionnaire.items if i.keys and i.keys[0].dimension == "children"]
        for n in range(2):
            for item in items:
                answers[n].pop(item, None)
        spread = {s.key: s for s in aggregate(content, rows_for(answers)).dimensions}["children"]
        assert spread.mean is None and spread.students is None  # not even how many answered it


def assert_cannot_be_worked_out(figures: tuple[Figure, ...], total: int) -> None:
    """Counts that add up to a known total: the withheld ones are none, or at least two that together
    describe MIN_GROUP or more, so that no withheld count follows from the total and the others."""
    withheld = [f for f in figures if f.value is None]
    rest = total - sum(int(f.value) for f in figures if f.value is not None)
    assert not withheld or len(withheld) == len(figures) or (len(withheld) >= 2 and rest >= MIN_GROUP), (
        [(f.key, f.value) for f in figures],
        rest,
    )


def ranking_first(content: Content, first: str) -> tuple[str, ...]:
    values = list(value_ids(content))
    values.remove(first)
    return (first, *values)


class TestComplementarySuppression:
    def test_a_count_near_the_size_of_the_group_is_withheld(self, content: Content) -> None:
        """Seven of ten ticking a box says what the other three did; ten of ten says what each one did."""
        rng = random.Random(21)
        answers = {n: random_answers(content, rng) for n in range(10)}
        for n in range(10):
            answers[n]["challenges"] = tuple(
                c for c, ticked in (("time", n < 7), ("family", n < 5), ("finances", True)) if ticked
            )
        by_key = {f.key: f for f in aggregate(content, rows_for(answers)).challenges}
        assert by_key["family"].value == 5
        assert by_key["time"].value is None
        assert by_key["finances"].value is None
        assert {f.students for f in by_key.values()} == {10}

    def test_counts_that_add_up_to_the_group_never_give_a_withheld_one_away(self, content: Content) -> None:
        """Each student puts one value first: with five, five and five of fifteen shown, the other values
        would be known to be nobody's first."""
        rng = random.Random(22)
        values = list(value_ids(content))
        answers = {n: random_answers(content, rng) for n in range(15)}
        for n in range(15):
            answers[n]["values_ranking"] = ranking_first(content, values[n % 3])
        dashboard = aggregate(content, rows_for(answers))
        assert dashboard.ranked == 15
        assert_cannot_be_worked_out(dashboard.values_first, dashboard.ranked)
        assert sum(1 for f in dashboard.values_first if f.value is not None) >= 1

    @pytest.mark.parametrize("seed", range(6))
    def test_top_three_counts_never_give_a_withheld_one_away(self, content: Content, seed: int) -> None:
        """Each counted student has exactly three pages in their top three: the counts add up to three
        times the group."""
        rng = random.Random(seed)
        dashboard = aggregate(content, rows_for({n: random_answers(content, rng) for n in range(10 + 5 * seed)}))
        for figures in (dashboard.specialties, dashboard.paths):
            assert_cannot_be_worked_out(figures, 3 * dashboard.matched)
            for figure in figures:
                assert figure.value is None or MIN_GROUP <= figure.value <= dashboard.matched - MIN_GROUP

    def test_an_average_rests_only_on_those_who_answered_that_dimension_in_fives(self, content: Content) -> None:
        """Ten students rank pages; two skipped the statements about children. An average over the eight
        beside one over the ten would say how those two answered: each dimension counts its own answerers,
        in fives, so the average about children rests on the first five who answered it."""
        rng = random.Random(23)
        answers = {n: random_answers(content, rng) for n in range(10)}
        items = [i.id for i in content.questionnaire.items if i.keys and i.keys[0].dimension == "children"]
        for n in range(2):
            for item in items:
                answers[n].pop(item, None)
        dashboard = aggregate(content, rows_for(answers))
        spreads = {s.key: s for s in dashboard.dimensions}
        assert dashboard.matched == 10
        first_five = [answers[n] for n in range(2, 7)]
        children = [score_answers(content, given).scores["children"].value for given in first_five]
        assert spreads["children"].students == 5
        assert spreads["children"].mean == pytest.approx(sum(children) / 5)
        assert spreads["procedures"].mean is not None and spreads["procedures"].students == 10

    def test_a_part_fewer_than_five_answered_shows_no_count_of_them(self, content: Content) -> None:
        """Six joined, four answered the checklist and none ranked the values: neither "4 students answered"
        nor "0 students put the values in order" is shown, and the exports carry no such count."""
        rng = random.Random(24)
        answers = {n: random_answers(content, rng) for n in range(6)}
        for n in range(6):
            answers[n].pop("values_ranking")
            if n >= 4:
                answers[n].pop("challenges")
        dashboard = aggregate(content, rows_for(answers))
        assert dashboard.checklist == 0 and dashboard.ranked == 0
        assert {f.students for f in (*dashboard.challenges, *dashboard.values_first, *dashboard.values_place)} == {0}
        assert all(f.value is None for f in (*dashboard.challenges, *dashboard.values_first, *dashboard.values_place))
        html = render_dashboard(content, dashboard)
        assert "4 students answered" not in html and "0 students put" not in html
        assert "Fewer than 5 of the 6 who joined have answered the checklist" in html
        assert "Fewer than 5 of the 6 who joined have put the values in order" in html
        frame = to_frame(dashboard)
        assert set(frame.loc[frame["section"] == "challenges", "students"]) == {0}


def everything(content: Content, value: int) -> dict[str, Answer]:
    """Every statement answered with `value`, a full values order and an empty checklist."""
    given: dict[str, Answer] = {i.id: value for i in content.questionnaire.items if i.kind == "scale"}
    given["values_ranking"] = tuple(value_ids(content))
    return given


def mean_of(dashboard: Dashboard, key: str) -> float | None:
    return {s.key: s for s in dashboard.dimensions}[key].mean


class TestSteps:
    """Figures change only when five more students are counted: a newcomer, a change of one counted
    student's answer, a retake, are never shown on their own."""

    def test_a_newcomer_changes_nothing_until_five_more_have_answered(
        self, content: Content, store: Store, clock: Clock
    ) -> None:
        """The review's differencing: a sixth (here eleventh) answerer must not move a count by one."""
        group = store.create_session("PDW")

        def arrives(ticked: list[str]) -> None:
            student = store.create_student().student
            store.join_session(student, group.code)
            store.save_answer(store.latest_attempt(student), "challenges", ticked)

        for n in range(10):
            arrives(["finances"] if n < 5 else ["time"])
        clock.wait()
        before = aggregate(content, store.session_rows(group))
        assert before.checklist == 10
        assert {f.key: f.value for f in before.challenges}["finances"] == 5
        for _ in range(4):
            arrives(["finances"])
            clock.wait()
            assert figures_of(aggregate(content, store.session_rows(group))) == figures_of(before)
        arrives(["finances"])
        assert figures_of(aggregate(content, store.session_rows(group))) == figures_of(before)  # not settled
        clock.wait()
        after = aggregate(content, store.session_rows(group))
        assert after.checklist == 15 and after.members == 15
        assert {f.key: f.value for f in after.challenges}["finances"] == 10

    def test_a_counted_students_changed_answer_shows_only_when_five_more_are_counted(
        self, content: Content, store: Store, clock: Clock
    ) -> None:
        """The review's puppet room: one of five changes statement i01, and the next refresh must not
        show what that one person changed."""
        group = store.create_session("Lessons learned")
        attempts = []
        for value in (3, 3, 3, 3, 5):
            student = store.create_student().student
            store.join_session(student, group.code)
            attempt = store.latest_attempt(student)
            for item, answer in everything(content, value).items():
                store.save_answer(attempt, item, answer)
            attempts.append(attempt)
        clock.wait()
        before = aggregate(content, store.session_rows(group))
        assert before.matched == 5 and mean_of(before, "patient_contact") is not None
        store.save_answer(attempts[-1], "i01", 1)
        assert figures_of(aggregate(content, store.session_rows(group))) == figures_of(before)
        for _ in range(5):
            student = store.create_student().student
            store.join_session(student, group.code)
            attempt = store.latest_attempt(student)
            for item, answer in everything(content, 3).items():
                store.save_answer(attempt, item, answer)
        clock.wait()
        after = aggregate(content, store.session_rows(group))
        assert after.matched == 10
        # Now every counted answer is taken as it is: the change shows, among five newcomers.
        profiles = [score_answers(content, store.answers(a)).scores["patient_contact"].value for a in attempts]
        profiles += [score_answers(content, everything(content, 3)).scores["patient_contact"].value] * 5
        assert mean_of(after, "patient_contact") == pytest.approx(sum(profiles) / 10)

    def test_a_counted_student_who_takes_the_workbook_again_still_counts_as_they_were(
        self, content: Content, store: Store, clock: Clock
    ) -> None:
        group = store.create_session("PDW")
        students = []
        for value in (1, 2, 3, 4, 5):
            student = store.create_student().student
            store.join_session(student, group.code)
            attempt = store.latest_attempt(student)
            for item, answer in everything(content, value).items():
                store.save_answer(attempt, item, answer)
            students.append(student)
        clock.wait()
        before = aggregate(content, store.session_rows(group))
        assert before.matched == 5 and before.ranked == 5
        retake = store.start_attempt(students[0])
        store.save_answer(retake, "i01", 5)
        assert figures_of(aggregate(content, store.session_rows(group))) == figures_of(before)

    def test_students_count_in_the_order_they_answered_from_when_they_joined(self, content: Content) -> None:
        """The first to join answers last, and one who answered at home joins late: neither is counted
        among the first five, and neither displaces one of them."""
        toward, away = (
            answers_leaning(content, {"patient_contact"}),
            answers_leaning(content, set(), {"patient_contact"}),
        )
        room = Room()
        for student in range(6):
            room.join(student)
        for student in range(1, 6):
            room.answer(student, toward)
        room.wait()
        counted = aggregate(content, room.rows())
        high, low = (score_answers(content, given).scores["patient_contact"].value for given in (toward, away))
        assert high != low
        assert counted.matched == 5 and mean_of(counted, "patient_contact") == pytest.approx(high)
        room.answer(0, away)
        room.answer(6, away)  # at home, before joining
        room.join(6)
        room.wait()
        assert figures_of(aggregate(content, room.rows())) == figures_of(counted)
        for student in range(7, 10):
            room.join(student)
            room.answer(student, away)
        room.wait()
        grown = aggregate(content, room.rows())
        assert grown.matched == 10 and mean_of(grown, "patient_contact") == pytest.approx((high + low) / 2)

    def test_how_far_students_got_is_counted_in_fives(self, content: Content) -> None:
        rng = random.Random(31)
        dashboard = aggregate(content, rows_for({n: random_answers(content, rng) for n in range(7)}))
        assert dashboard.members == 7
        assert {f.key: f.value for f in dashboard.progress}["started"] == 5

    def test_an_answer_changed_past_what_its_history_keeps_withholds_its_part(self, content: Content) -> None:
        """The store keeps an answer's first value and its newest changes: when a counted student has changed
        the checklist so often that its value at the moment they were counted is gone, the checklist's figures
        are withheld rather than shown with that student's change."""
        room = Room()
        for student in range(10):
            room.join(student)
            room.answer(student, {"challenges": ("finances",) if student < 5 else ("time",)})
        room.wait()
        assert {f.key: f.value for f in aggregate(content, room.rows()).challenges}["finances"] == 5
        for change in range(HISTORY_LIMIT):
            room.answer(9, {"challenges": ("time", "family") if change % 2 else ("time", "belonging")})
        kept = [c for c in room.changes if c[0] != 9 or c[2] != "challenges"]
        ours = [c for c in room.changes if c[0] == 9 and c[2] == "challenges"]
        room.changes = [*kept, ours[0], *ours[-(HISTORY_LIMIT - 1) :]]  # as the store prunes it
        dashboard = aggregate(content, room.rows())
        assert dashboard.checklist == 10
        assert all(f.value is None for f in dashboard.challenges)

    def _puppets_then_one(
        self, content: Content, store: Store, clock: Clock, puppets: int
    ) -> tuple[GroupSession, list[Student], Dashboard]:
        """The security review's differencing by deletion: `puppets` students answer everything alike (half of
        them ticking every challenge), then one real student answers as only they do."""
        group = store.create_session("Puppets")
        alike = {**answers_leaning(content, {"acuity"}), "values_ranking": tuple(value_ids(content))}
        made = []
        for n in range(puppets):
            puppet = store.create_student().student
            store.join_session(puppet, group.code)
            challenges = [c.id for c in content.resources.challenges] if n < puppets // 2 else []
            for item, value in {**alike, "challenges": challenges}.items():
                store.save_answer(store.latest_attempt(puppet), item, value)
            made.append(puppet)
        clock.wait()
        real = store.create_student().student
        store.join_session(real, group.code)
        own = {
            **answers_leaning(content, {"continuity", "mind_behavior"}, {"acuity"}),
            "values_ranking": tuple(reversed(value_ids(content))),
        }
        for item, value in {**own, "challenges": ["time"]}.items():
            store.save_answer(store.latest_attempt(real), item, value)
        clock.wait()
        return group, made, aggregate(content, store.session_rows(group))

    @pytest.mark.parametrize("puppets", [5, 10])
    def test_a_deletion_moves_nobody_into_a_step_already_shown(
        self, content: Content, store: Store, clock: Clock, puppets: int
    ) -> None:
        """Five (or ten) puppets, one real student, one puppet deleted: the real student's whole profile, values
        order and ticked challenges followed exactly. Now the step shown with the puppet is withheld."""
        group, made, before = self._puppets_then_one(content, store, clock, puppets)
        assert before.matched == before.ranked == before.checklist == puppets  # the real student not yet counted
        store.delete_student(made[0])
        clock.wait()
        after = aggregate(content, store.session_rows(group))
        assert after.members == puppets  # one left, one came
        assert all(s.mean is None for s in after.dimensions)
        assert all(f.value is None for f in (*after.values_first, *after.values_place, *after.challenges))
        assert all(f.value is None for f in (*after.specialties, *after.paths))

    def test_the_next_step_after_a_deletion_is_shown_without_them(
        self, content: Content, store: Store, clock: Clock
    ) -> None:
        group, made, _before = self._puppets_then_one(content, store, clock, 10)
        store.delete_student(made[0])  # one of the five who ticked every challenge
        for _ in range(4):  # with the real student, five more have come since the step shown
            student = store.create_student().student
            store.join_session(student, group.code)
            store.save_answer(store.latest_attempt(student), "challenges", [])
        clock.wait()
        after = aggregate(content, store.session_rows(group))
        # Fifteen places, the one who left among them: fourteen students, every one still in the session.
        assert after.checklist == 14 and after.members == 14
        ticked = {f.key: f.value for f in after.challenges}
        assert ticked["time"] == 5.0  # four puppets left who ticked it, and the real student
        assert {key for key, value in ticked.items() if value is not None} == {"time"}
        milestones = {f.key: f for f in after.progress}
        assert milestones["started"].value == 15.0  # leaving moves no milestone

    def test_a_step_first_shown_after_someone_left_is_shown_without_them(
        self, content: Content, store: Store, clock: Clock
    ) -> None:
        group = store.create_session("Left early")
        made = []
        for n in range(6):
            student = store.create_student().student
            store.join_session(student, group.code)
            store.save_answer(store.latest_attempt(student), "challenges", ["time"] if n < 3 else [])
            made.append(student)
        store.delete_student(made[0])  # before the first five's figures settled: never shown with them
        clock.wait()
        dashboard = aggregate(content, store.session_rows(group))
        # Five places, one of them the one who left: four students, too few, so nothing is shown.
        assert dashboard.checklist == 4 and all(f.value is None for f in dashboard.challenges)

    @pytest.mark.parametrize("seed", range(3))
    def test_figures_move_only_when_their_part_counts_five_more(self, content: Content, seed: int) -> None:
        """A room where students join, answer, change answers and start again, in random order: after every
        event, each part's figures are the same as before unless its count of students grew by five."""
        rng = random.Random(seed)
        room = Room()
        attempt: dict[int, int] = {}
        previous = None
        for _ in range(60):
            roll = rng.random()
            if roll < 0.15:
                room.wait(rng.choice([SETTLE / 3, SETTLE]))
            elif roll < 0.4 or not attempt:
                student = len(attempt)
                attempt[student] = 1
                room.join(student)
                room.answer(student, random_answers(content, rng))
            elif roll < 0.9:
                student = rng.choice(list(attempt))
                given = random_answers(content, rng)
                room.answer(student, dict(rng.sample(sorted(given.items()), 3)), attempt[student])
            else:
                student = rng.choice(list(attempt))
                attempt[student] += 1
                room.answer(student, {"i01": rng.randint(1, 5)}, attempt[student])
            dashboard = aggregate(content, room.rows())
            if previous is not None and dashboard.shown and previous.shown:
                for size, parts in (
                    ("matched", ("specialties", "paths")),
                    ("ranked", ("values_first", "values_place")),
                    ("checklist", ("challenges",)),
                ):
                    grown = getattr(dashboard, size) - getattr(previous, size)
                    assert grown >= 0 and grown % MIN_GROUP == 0
                    if grown == 0:
                        for part in parts:
                            assert getattr(dashboard, part) == getattr(previous, part), (size, part)
                for now, before in zip(dashboard.dimensions, previous.dimensions, strict=True):
                    grown = (now.students or 0) - (before.students or 0)
                    assert grown >= 0 and grown % MIN_GROUP == 0
                    assert grown or now == before, now.key
            previous = dashboard


class TestFigures:
    def test_the_group_top_three_is_each_students_own_top_three(self, content: Content) -> None:
        rng = random.Random(12)
        answers = {n: random_answers(content, rng) for n in range(40)}
        dashboard = aggregate(content, rows_for(answers))
        expected: dict[str, int] = {}
        expected_paths: dict[str, int] = {}
        for given in answers.values():
            profile = score_answers(content, given).profile
            for match in rank_specialties(content, profile)[:3]:
                expected[match.id] = expected.get(match.id, 0) + 1
            for match in rank_paths(content, profile)[:3]:
                expected_paths[match.id] = expected_paths.get(match.id, 0) + 1
        for figures, counts in ((dashboard.specialties, expected), (dashboard.paths, expected_paths)):
            shown = {f.key: int(f.value) for f in figures if f.value is not None}
            assert shown and all(counts[key] == value for key, value in shown.items())
            # Every count the rule withholds is withheld (others may be, so as not to give those away).
            assert not {k for k, v in counts.items() if v < MIN_GROUP or 40 - v < MIN_GROUP} & set(shown)

    def test_only_students_who_answered_enough_count_in_the_top_three(self, content: Content) -> None:
        """As on a student's own matches page: below 60% answered, a ranking means too little to count."""
        rng = random.Random(7)
        enough = {n: random_answers(content, rng) for n in range(6)}
        statements = [item.id for item in content.questionnaire.items if item.kind == "scale"]
        few = {100 + n: dict.fromkeys(statements[:5], 5) for n in range(6)}
        dashboard = aggregate(content, rows_for({**enough, **few}))
        assert dashboard.matched == 5  # of the six who answered enough, the first five (counted in fives)
        assert {f.students for f in dashboard.specialties} == {5}
        counted = sum(int(f.value) for f in dashboard.specialties if f.value is not None)
        assert counted <= 3 * 5

    def test_dimension_averages_match_the_students_profiles(self, content: Content) -> None:
        rng = random.Random(3)
        answers = {n: random_answers(content, rng) for n in range(10)}
        dashboard = aggregate(content, rows_for(answers))
        mean = sum(score_answers(content, a).scores["procedures"].value for a in answers.values()) / 10
        assert {s.key: s for s in dashboard.dimensions}["procedures"].mean == pytest.approx(mean)

    def test_shared_reflections_appear_escaped_and_without_identity_unshared_never(
        self, content: Content, store: Store
    ) -> None:
        group = store.create_session("PDW")
        for n in range(6):
            student = store.create_student().student
            store.join_session(student, group.code)
            attempt = store.latest_attempt(student)
            store.save_answer(attempt, "i01", 4)
            store.save_reflection(attempt, "balance_week", f"<script>alert({n})</script> mine", share_group=n < 2)
            store.save_reflection(attempt, "balance_energy", f"private {n}", share_adviser=True)
        dashboard = aggregate(content, store.session_rows(group))
        assert [text for _, text in dashboard.reflections] == [
            "<script>alert(0)</script> mine",
            "<script>alert(1)</script> mine",
        ]
        html = render_dashboard(content, dashboard)
        assert "script" not in tags(html) and "&lt;script&gt;alert(0)" in html
        assert "private" not in html
        assert "private" not in to_frame(dashboard).to_csv()
        summary = export_html(content, "PDW", dashboard)
        assert "<script" not in summary and "<link" not in summary

    def test_a_student_in_two_sessions_counts_once_in_each_with_every_attempt_read(
        self, content: Content, store: Store
    ) -> None:
        first, second = store.create_session("PDW A"), store.create_session("SIS")
        both = store.create_student().student
        for group in (first, second):
            store.join_session(both, group.code)
            store.join_session(both, group.code)  # joining twice changes nothing
        old = store.latest_attempt(both)
        store.save_answer(old, "i01", 1)
        new = store.start_attempt(both)
        store.save_answer(new, "i01", 5)
        for group in (first, second):
            rows = store.session_rows(group)
            assert list(rows.members) == [both.id]
            # Every kept change of every attempt: the figures take each student's attempt as it stood when
            # they were counted.
            assert [change[:4] for change in rows.changes] == [(both.id, 1, "i01", "1"), (both.id, 2, "i01", "5")]
            assert rows.changes[0][4] < rows.changes[1][4]


class TestShowing:
    def test_each_part_says_how_many_it_counts_of_how_many_joined(self, content: Content) -> None:
        """Twelve joined, all answered everything, and one more joined without answering: every part says
        it counts ten (in fives) of the thirteen who joined, beside its figures, in the page and the export."""
        rng = random.Random(41)
        room = Room()
        for student in range(12):
            room.join(student)
            room.answer(student, random_answers(content, rng))
        room.join(12)
        room.wait()
        dashboard = aggregate(content, room.rows())
        shown = text_of(render_dashboard(content, dashboard))
        assert "13 joined" in shown
        for counted in (
            "10 of the 13 who joined answered enough for a ranking",
            "10 of the 13 who joined put the values in order",
            "10 of the 13 who joined answered the checklist",
        ):
            assert counted in shown
        assert "counted in fives" in shown
        assert "10 of the 13 who joined answered the checklist" in text_of(export_html(content, "PDW", dashboard))
        frame = to_frame(dashboard)
        parts = frame[frame["section"] == "counted"].set_index("key")["value"].to_dict()
        assert parts == {"matching": 10, "values": 10, "checklist": 10}

    def test_a_part_not_yet_counted_says_so_beside_how_many_joined(self, content: Content) -> None:
        rng = random.Random(42)
        answers = {n: random_answers(content, rng) for n in range(7)}
        for n in range(7):
            answers[n].pop("challenges")
        html = render_dashboard(content, aggregate(content, rows_for(answers)))
        assert "Fewer than 5 of the 7 who joined have answered the checklist so far" in html


class TestSessionCommands:
    def test_create_list_close_and_export(
        self, tmp_path: Path, content: Content, capsys: pytest.CaptureFixture[str]
    ) -> None:
        url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        assert main(["--db", url, "session", "create", "--name", "PDW group B", "--date", "2027-01-12"]) == 0
        code = capsys.readouterr().out.strip()
        assert len(code) == 7 and code[3] == "-"
        assert main(["--db", url, "session", "list"]) == 0
        listed = capsys.readouterr().out
        assert code in listed and "PDW group B" in listed and "open" in listed and "0 joined" in listed
        assert main(["--db", url, "session", "export", code, "--out", str(tmp_path / "s.csv")]) == 0
        assert (tmp_path / "s.csv").read_text().startswith("section,key,label,value,students,withheld")
        assert main(["--db", url, "session", "export", code, "--out", str(tmp_path / "s.html")]) == 0
        assert "0 joined" in (tmp_path / "s.html").read_text()
        assert main(["--db", url, "session", "close", code]) == 0
        main(["--db", url, "session", "list"])
        assert "closed" in capsys.readouterr().out

    @pytest.mark.parametrize(
        "argv",
        [
            ["session", "create", "--name", "x", "--date", "12/01/2027"],
            ["session", "close", "NOPE-00"],
            ["session", "export", "ZZZ-ZZZ", "--out", "x.csv"],
            ["session"],
        ],
    )
    def test_bad_arguments_exit_2_with_one_line(
        self, tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["--db", f"sqlite:///{tmp_path / 'cli.sqlite3'}", *argv]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
