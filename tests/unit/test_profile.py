"""A profile document is checked against the content pack before it is matched."""

from __future__ import annotations

import pytest

from selfexplore.content import Content
from selfexplore.errors import InputError
from selfexplore.profile import Profile, parse_profile


class TestParseProfile:
    def test_a_valid_document_becomes_a_profile(self, content: Content) -> None:
        profile = parse_profile({"dimensions": {"procedures": 0.9}, "systems": ["eye", "eye"]}, content)
        assert profile == Profile({"procedures": 0.9}, ("eye",))

    def test_missing_keys_are_neutral(self, content: Content) -> None:
        profile = parse_profile({}, content)
        assert profile.value("procedures") == 0.5
        assert profile.systems == ()

    def test_output_of_score_is_accepted(self, content: Content) -> None:
        document = {"dimensions": {}, "systems": [], "completeness": {}, "unanswered": []}
        assert parse_profile(document, content) == Profile()

    @pytest.mark.parametrize(
        ("document", "message"),
        [
            ({"dimensions": {"sleep": 0.5}}, "unknown dimension 'sleep'"),
            ({"dimensions": {"income": 1.5}}, "between 0 and 1"),
            ({"dimensions": {"income": -0.1}}, "between 0 and 1"),
            ({"dimensions": {"income": "high"}}, "must be a number"),
            ({"dimensions": {"income": True}}, "must be a number"),
            ({"dimensions": {"income": float("nan")}}, "must be a number"),
            ({"systems": ["liver"]}, "unknown body system 'liver'"),
            ({"systems": "eye"}, "list of body-system ids"),
            ({"dimensions": [0.5]}, "'dimensions' must be an object"),
            ({"dims": {}}, "unknown profile field 'dims'"),
            ([], "must be a JSON object"),
        ],
    )
    def test_bad_documents_are_refused_with_the_problem_named(
        self, content: Content, document: object, message: str
    ) -> None:
        with pytest.raises(InputError, match=message):
            parse_profile(document, content)

    def test_a_profile_cannot_be_changed_after_it_is_built(self) -> None:
        profile = Profile({"income": 0.2})
        with pytest.raises(TypeError):
            profile.dimensions["income"] = 0.9  # type: ignore[index]
