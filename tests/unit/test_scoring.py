"""Scoring turns answers into a profile with a completeness figure per dimension."""

from __future__ import annotations

import pytest

from selfexplore.content import Content
from selfexplore.errors import InputError
from selfexplore.scoring import answer_style, check_answer, parse_answers, score_answers
from tests.helpers import answers_leaning


def _items_for(content: Content, dimension: str, *, reverse: bool) -> list[str]:
    return [
        item.id
        for item in content.questionnaire.items
        if item.kind == "scale"
        and len(item.keys) == 1
        and item.keys[0].dimension == dimension
        and item.keys[0].reverse is reverse
    ]


def _points(content: Content, item_id: str) -> int:
    return content.questionnaire.scale_of(content.questionnaire.items_by_id[item_id]).points


class TestScoreAnswers:
    def test_no_answers_leaves_every_dimension_neutral_and_unanswered(self, content: Content) -> None:
        scored = score_answers(content, {})
        assert dict(scored.profile.dimensions) == {}
        assert set(scored.unanswered) == {d.id for d in content.matched_dimensions}
        assert all(score.value == 0.5 and score.completeness == 0 for score in scored.scores.values())

    def test_top_answer_on_a_forward_item_gives_one(self, content: Content) -> None:
        item = _items_for(content, "procedures", reverse=False)[0]
        scored = score_answers(content, {item: _points(content, item)})
        assert scored.profile.value("procedures") == 1.0
        assert scored.scores["procedures"].answered == 1

    def test_top_answer_on_a_reversed_item_gives_zero(self, content: Content) -> None:
        reversed_items = [
            item for item in content.questionnaire.items for key in item.keys if key.reverse and len(item.keys) == 1
        ]
        item = reversed_items[0]
        scored = score_answers(content, {item.id: _points(content, item.id)})
        assert scored.profile.value(item.keys[0].dimension) == 0.0

    def test_dimension_value_is_the_mean_of_its_answered_items(self, content: Content) -> None:
        first, second = _items_for(content, "children", reverse=False)[:2]
        scored = score_answers(content, {first: _points(content, first), second: 1})
        assert scored.profile.value("children") == pytest.approx(0.5)
        score = scored.scores["children"]
        assert score.answered == 2
        assert score.completeness == pytest.approx(2 / score.total)
        assert not score.unanswered

    def test_middle_of_the_scale_is_neutral(self, content: Content) -> None:
        item = _items_for(content, "research", reverse=False)[0]
        scored = score_answers(content, {item: (_points(content, item) + 1) // 2})
        assert scored.profile.value("research") == pytest.approx(0.5)

    def test_body_systems_answer_becomes_the_profile_systems(self, content: Content) -> None:
        answers = parse_answers({"body_systems": ["eye", "skin"]}, content)
        assert score_answers(content, answers).profile.systems == ("eye", "skin")

    def test_every_item_of_the_full_questionnaire_is_counted(self, content: Content) -> None:
        answers = {item.id: 4 for item in content.questionnaire.items if item.kind == "scale"}
        scored = score_answers(content, answers)
        assert scored.unanswered == ()
        assert scored.completeness == 1.0


class TestAnswerValidation:
    def test_unknown_item_is_refused(self, content: Content) -> None:
        with pytest.raises(InputError, match="unknown item 'nope'"):
            check_answer(content, "nope", 3)

    @pytest.mark.parametrize("value", [0, 6, -1, 2.5, "3", True, None])
    def test_value_outside_the_scale_is_refused(self, content: Content, value: object) -> None:
        item = _items_for(content, "acuity", reverse=False)[0]
        with pytest.raises(InputError, match="whole number from 1 to 5"):
            check_answer(content, item, value)

    def test_unknown_body_system_is_refused(self, content: Content) -> None:
        with pytest.raises(InputError, match="unknown body system 'liver'"):
            check_answer(content, "body_systems", ["liver"])

    def test_too_many_body_systems_are_refused(self, content: Content) -> None:
        with pytest.raises(InputError, match="at most 3"):
            check_answer(content, "body_systems", ["eye", "skin", "cancer", "lungs_chest"])

    def test_answers_must_be_an_object(self, content: Content) -> None:
        with pytest.raises(InputError, match="JSON object"):
            parse_answers([1, 2], content)


class TestBalancedKeying:
    def test_a_dimension_is_the_average_of_its_two_ways_of_wording_whatever_their_numbers(
        self, content: Content
    ) -> None:
        keyed = [i for i in content.questionnaire.items if any(k.dimension == "procedures" for k in i.keys)]
        forward = [i.id for i in keyed if not i.keys[0].reverse]
        backward = [i.id for i in keyed if i.keys[0].reverse]
        assert len(forward) != len(backward)  # two one way, one the other
        agreeing = dict.fromkeys((*forward, *backward), 5)
        assert score_answers(content, agreeing).profile.value("procedures") == pytest.approx(0.5)
        meant = {**dict.fromkeys(forward, 5), **dict.fromkeys(backward, 1)}
        assert score_answers(content, meant).profile.value("procedures") == pytest.approx(1.0)
        one_side = dict.fromkeys(forward, 4)
        assert score_answers(content, one_side).profile.value("procedures") == pytest.approx(0.75)


class TestAnswerStyle:
    def test_the_same_answer_everywhere_is_alike_and_agreeing_both_ways_is_acquiescent(self, content: Content) -> None:
        statements = [i.id for i in content.questionnaire.items if i.kind == "scale"]
        agree = answer_style(content, dict.fromkeys(statements, 5))
        assert agree.alike and agree.acquiescent
        middle = answer_style(content, dict.fromkeys(statements, 3))
        assert middle.alike and not middle.acquiescent

    def test_clear_views_on_a_few_dimensions_are_neither(self, content: Content) -> None:
        style = answer_style(content, answers_leaning(content, {"children"}, {"operating_room"}))
        assert not style.alike and not style.acquiescent
