"""The questionnaire's evidence on synthetic respondents whose true dimension values are known: the figures
recover what was put in (consistent answers give high alpha and omega, random ones none; a retake from the
same values correlates, one from new values does not), and too few students give nothing."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from selfexplore.cli import main
from selfexplore.content import Content
from selfexplore.instrument import MIN_RESPONDENTS, evidence, render_evidence
from selfexplore.store import Store
from tests.helpers import tags
from tests.synthetic import respond, truths

Row = tuple[int, int, str, str]


def rows_of(student: int, attempt: int, answers: dict[str, int]) -> list[Row]:
    return [(student, attempt, item_id, json.dumps(value)) for item_id, value in answers.items()]


def cohort(content: Content, students: int, *, noise: float, retake: str | None = None, seed: int = 1) -> list[Row]:
    """Synthetic students: `retake` "same" answers again from the same values, "new" from new ones."""
    rng = random.Random(seed)
    rows: list[Row] = []
    for student in range(students):
        truth = truths(content, rng)
        rows += rows_of(student, 1, respond(content, truth, rng, noise))
        if retake is not None:
            again = truth if retake == "same" else truths(content, rng)
            rows += rows_of(student, 2, respond(content, again, rng, noise))
    return rows


def random_answers(content: Content, students: int, seed: int = 2) -> list[Row]:
    rng = random.Random(seed)
    rows: list[Row] = []
    for student in range(students):
        answers = {
            item.id: rng.randint(1, content.questionnaire.scale_of(item).points)
            for item in content.questionnaire.items
            if item.kind == "scale"
        }
        rows += rows_of(student, 1, answers)
    return rows


class TestRecoversWhatWasPutIn:
    def test_consistent_answers_give_high_consistency_on_every_dimension(self, content: Content) -> None:
        found = evidence(content, cohort(content, 200, noise=0.5))
        assert found.respondents == 200
        for figures in found.dimensions:
            assert figures.withheld is None and figures.students == 200
            assert figures.alpha is not None and figures.alpha >= 0.75, figures
            if figures.statements >= 3:
                assert figures.omega is not None and figures.omega >= 0.75, figures
            else:
                assert figures.omega is None  # a two-statement scale cannot be modelled
            assert all(item.item_total is not None and item.item_total > 0.5 for item in figures.items)
            assert figures.spread is not None and figures.spread > 0.15

    def test_random_answers_give_no_consistency(self, content: Content) -> None:
        found = evidence(content, random_answers(content, 300))
        for figures in found.dimensions:
            assert figures.alpha is not None and figures.alpha < 0.35, figures

    def test_a_retake_from_the_same_values_agrees_and_one_from_new_values_does_not(self, content: Content) -> None:
        same = evidence(content, cohort(content, 120, noise=0.5, retake="same"))
        new = evidence(content, cohort(content, 120, noise=0.5, retake="new"))
        assert same.retakers == new.retakers == 120
        for figures in same.dimensions:
            assert figures.retest is not None and figures.retest >= 0.6, figures
        assert all(f.retest is not None and abs(f.retest) < 0.35 for f in new.dimensions)
        assert same.first_kept is not None and new.first_kept is not None
        assert same.first_kept > new.first_kept + 0.3
        assert same.top3_shared is not None and new.top3_shared is not None and same.top3_shared > new.top3_shared

    def test_floor_and_ceiling_are_the_shares_at_the_ends(self, content: Content) -> None:
        rows = cohort(content, MIN_RESPONDENTS, noise=0.0)
        first_item = next(i.id for i in content.questionnaire.items if i.kind == "scale")
        rows = [(s, a, i, json.dumps(1) if i == first_item else v) for s, a, i, v in rows]
        found = evidence(content, rows)
        item = next(i for d in found.dimensions for i in d.items if i.item_id == first_item)
        assert item.floor == 1.0 and item.ceiling == 0.0 and item.shares[0] == 1.0


class TestWithheld:
    def test_too_few_students_give_no_figure(self, content: Content) -> None:
        found = evidence(content, cohort(content, MIN_RESPONDENTS - 1, noise=0.5, retake="same"))
        assert all(d.withheld and d.alpha is None and not d.items for d in found.dimensions)
        assert found.first_kept is None and found.retest_withheld
        shown = render_evidence(content, found)
        assert "Nothing to show yet" in shown and "alpha" not in shown.split("Nothing to show yet")[1]
        assert "script" not in tags(shown)


class TestCommand:
    def test_the_command_reads_the_store_and_writes_json_and_a_page(
        self, content: Content, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        url = f"sqlite:///{tmp_path / 'i.sqlite3'}"
        rng = random.Random(5)
        with Store.open(content, url) as store:
            for _ in range(MIN_RESPONDENTS + 2):
                student = store.create_student().student
                attempt = store.latest_attempt(student)
                for item_id, value in respond(content, truths(content, rng), rng, 0.4).items():
                    store.save_answer(attempt, item_id, value)
        assert main(["--db", url, "instrument", "--json"]) == 0
        found = json.loads(capsys.readouterr().out)
        assert found["respondents"] == MIN_RESPONDENTS + 2
        assert all(d["alpha"] is not None and d["alpha"] > 0.6 for d in found["dimensions"])
        page = tmp_path / "evidence.html"
        assert main(["--db", url, "instrument", "--out", str(page)]) == 0
        written = page.read_text(encoding="utf-8")
        assert "Cronbach" in written and "<svg" in written and (page.stat().st_mode & 0o077) == 0
