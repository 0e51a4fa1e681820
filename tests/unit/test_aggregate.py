"""Group figures: computed like a student's own, and nothing about fewer than five students."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from selfexplore.aggregate import MIN_GROUP, Figure, aggregate, export_html, render_dashboard, to_frame
from selfexplore.cli import main
from selfexplore.content import Content
from selfexplore.matching import rank_paths, rank_specialties
from selfexplore.scoring import Answer, score_answers, value_ids
from selfexplore.store import GroupRows, Store
from tests.helpers import tags


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


def rows_for(answers: dict[int, dict[str, Answer]], shared: list[tuple[int, str, str]] | None = None) -> GroupRows:
    flat = [(student, item, stored(value)) for student, given in answers.items() for item, value in given.items()]
    return GroupRows(tuple(answers), flat, shared or [])


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

    def test_an_average_that_leaves_out_fewer_than_five_of_its_group_is_withheld(self, content: Content) -> None:
        """Ten students rank pages; two skipped the statements about children: an average over the eight
        would, beside one over the ten, say how those two answered (and that there are two)."""
        rng = random.Random(23)
        answers = {n: random_answers(content, rng) for n in range(10)}
        items = [i.id for i in content.questionnaire.items if i.keys and i.keys[0].dimension == "children"]
        for n in range(2):
            for item in items:
                answers[n].pop(item, None)
        dashboard = aggregate(content, rows_for(answers))
        spreads = {s.key: s for s in dashboard.dimensions}
        assert dashboard.matched == 10
        assert spreads["children"].mean is None and spreads["children"].sd is None
        assert spreads["children"].students is None
        assert spreads["procedures"].mean is not None and spreads["procedures"].students == 10
        frame = to_frame(dashboard)
        children = frame[frame["key"] == "children"]
        assert children["withheld"].all() and children["students"].isna().all()

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
        assert "Fewer than 5 students have answered the checklist" in html
        assert "Fewer than 5 students have put the values in order" in html
        frame = to_frame(dashboard)
        assert set(frame.loc[frame["section"] == "challenges", "students"]) == {0}


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
        assert dashboard.matched == 6
        assert {f.students for f in dashboard.specialties} == {6}
        counted = sum(int(f.value) for f in dashboard.specialties if f.value is not None)
        assert counted <= 3 * 6

    def test_dimension_averages_match_the_students_profiles(self, content: Content) -> None:
        rng = random.Random(3)
        answers = {n: random_answers(content, rng) for n in range(8)}
        dashboard = aggregate(content, rows_for(answers))
        mean = sum(score_answers(content, a).scores["procedures"].value for a in answers.values()) / 8
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

    def test_a_student_in_two_sessions_counts_once_in_each_with_the_latest_attempt(
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
            assert rows.members == (both.id,)
            assert rows.answers == [(both.id, "i01", "5")]


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
