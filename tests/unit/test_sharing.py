"""The rules of sharing with an adviser (selfexplore.sharing), the advisers the hosting names, the adviser's
servers, and the `selfexplore adviser` commands with their one-line refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from selfexplore import settings
from selfexplore.cli import main
from selfexplore.errors import InputError
from selfexplore.serving.hub import hub_voila_settings, voila_child_environment
from selfexplore.serving.identity import ADVISER_ROLE, known_advisers
from selfexplore.serving.serve import HostingError, advise, adviser_arguments, prepare
from selfexplore.sharing import changes, items_words, kept_reflection, parse_days, parse_items, sections
from tests.unit.test_hub import HUB_ENV


class TestRules:
    def test_items_are_checked_and_kept_in_one_order(self) -> None:
        assert parse_items(["matches", "reflections", "matches"]) == ("reflections", "matches")
        for bad in ([], ["answers"], ["plan", None]):
            with pytest.raises(InputError):
                parse_items(bad)

    def test_a_share_lasts_one_of_the_periods_offered(self) -> None:
        assert parse_days(7) == 7
        for bad in (0, 365, True, "30", 30.0):
            with pytest.raises(InputError):
                parse_days(bad)

    def test_only_the_reflections_an_item_covers_are_shown(self) -> None:
        assert kept_reflection(["reflections"], share_adviser=True, in_report=False)
        assert not kept_reflection(["reflections"], share_adviser=False, in_report=True)
        assert kept_reflection(["report"], share_adviser=False, in_report=True)
        assert not kept_reflection(["report"], share_adviser=True, in_report=False)
        assert not kept_reflection(["plan", "matches"], share_adviser=True, in_report=True)

    def test_the_whole_report_is_every_section(self) -> None:
        assert sections(["report"]) == {"matches", "plan", "reflections"}
        assert sections(["plan"]) == {"plan"}

    def test_what_is_shared_reads_as_a_sentence(self) -> None:
        assert items_words(("plan",)) == "your plan"
        assert items_words(("plan", "matches")) == "your plan and your matches and profile"

    def test_what_changed_since_the_adviser_looked(self) -> None:
        now = datetime(2026, 12, 3, 12, tzinfo=UTC)
        earlier = now - timedelta(days=1)
        assert changes(None, now, {}) == "New: not opened yet"
        assert changes(now, earlier, {"plan": earlier}).startswith("No change since you last looked, on 3 December")
        assert changes(earlier, earlier, {"plan": now, "matches": None}) == "Changed since you last looked: the plan"
        assert changes(earlier, now, {}) == "Changed since you last looked: what is shared"


class TestAdvisersOfTheHosting:
    def test_advisers_are_named_with_their_display_names(self) -> None:
        named = {settings.ADVISERS.name: json.dumps({"lee": "Dr Lee", "abe": "", " kim ": "Dr Kim"})}
        assert known_advisers(named) == (("abe", "abe"), ("kim", "Dr Kim"), ("lee", "Dr Lee"))

    @pytest.mark.parametrize("value", ["", '{"": "nobody"}'])
    def test_an_empty_list_names_nobody(self, value: str) -> None:
        assert known_advisers({settings.ADVISERS.name: value}) == ()

    @pytest.mark.parametrize("value", ["not json", "[1, 2]", '{"lee": 3}'])
    def test_a_list_that_cannot_be_read_is_refused_in_one_line(self, value: str) -> None:
        # The servers check it before they start (settings.check), so a host learns of it at once.
        with pytest.raises(settings.SettingError, match=r"^SELFEXPLORE_ADVISERS must be a JSON object"):
            known_advisers({settings.ADVISERS.name: value})

    def test_the_student_server_never_has_the_adviser_role(self, tmp_path: Path) -> None:
        import os

        before = dict(os.environ)
        os.environ.update({settings.ROLE.name: ADVISER_ROLE, settings.ADVISER.name: "lee"})
        try:
            env = prepare(None, f"sqlite:///{tmp_path / 's.sqlite3'}")
        finally:
            os.environ.clear()
            os.environ.update(before)
        assert settings.ROLE.name not in env and settings.ADVISER.name not in env

    def test_the_adviser_server_serves_its_own_folder(self) -> None:
        arguments = adviser_arguments(1)
        assert Path(arguments[0]).name == "adviser"
        assert not any("preheat" in argument for argument in arguments)
        assert adviser_arguments(1, page_only=True)[0].endswith("advisees.ipynb")

    @pytest.mark.parametrize("name", ["", " ", "x" * 300])
    def test_an_adviser_server_needs_a_usable_name(self, name: str) -> None:
        with pytest.raises(HostingError, match="adviser's name"):
            advise(name)

    def test_an_advisers_hub_server_serves_the_advisers_page_and_may_ask_for_groups(self) -> None:
        arguments, config = hub_voila_settings(
            {**HUB_ENV, "JUPYTERHUB_SERVICE_PREFIX": "/user/lee/"}, role=ADVISER_ROLE
        )
        assert arguments[0].endswith("advisees.ipynb")
        assert config["Voila"]["identity_provider_class"] == "selfexplore.serving.hubvoila.HubIdentityProvider"
        environ = {**HUB_ENV, settings.ADVISER_GROUP.name: "advisers", settings.ADVISERS.name: "{}"}
        child = voila_child_environment(environ, role=ADVISER_ROLE)
        assert child[settings.ROLE.name] == ADVISER_ROLE and child[settings.ADVISER_GROUP.name] == "advisers"
        assert child[settings.ADVISERS.name] == "{}"  # the adviser's own display name is in it
        assert child["JUPYTERHUB_API_TOKEN"] == HUB_ENV["JUPYTERHUB_API_TOKEN"]
        student = voila_child_environment(environ, role="")
        assert settings.ADVISER_GROUP.name not in student and student[settings.ADVISERS.name] == "{}"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class TestAdviserCommands:
    def test_list_shares_and_revoke(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        from selfexplore.content import load_content
        from selfexplore.store import Store

        url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        with Store.open(load_content(), url) as store:
            for name in ("ann", "ben"):
                student = store.create_student().student
                store.share_with_adviser(student, ["plan"], 30, adviser=("lee", "Dr Lee"), label=name)
        code, out, _ = _run(capsys, "--db", url, "adviser", "list")
        assert code == 0 and out.startswith("lee  (Dr Lee): 2 student(s) share with them")
        code, out, _ = _run(capsys, "--db", url, "adviser", "shares", "lee")
        assert code == 0 and "ann: their plan" in out and "ben: their plan" in out
        share_id = out.split()[0]
        code, out, _ = _run(capsys, "--db", url, "adviser", "revoke", "lee", "--share", share_id)
        assert code == 0 and out.startswith("ended 1 share(s) with lee")
        code, _, err = _run(capsys, "--db", url, "adviser", "revoke", "lee", "--share", share_id)
        assert code == 2 and err.strip() == f"selfexplore: error: lee has no share {share_id}"
        code, out, _ = _run(capsys, "--db", url, "adviser", "revoke", "lee")
        assert code == 0 and out.startswith("ended 1 share(s) with lee; their notes are deleted")
        code, out, _ = _run(capsys, "--db", url, "adviser", "shares", "lee")
        assert out.strip() == "no student shares anything with lee"

    @pytest.mark.parametrize(
        "argv",
        [
            ["adviser"],
            ["adviser", "shares"],
            ["adviser", "shares", " "],
            ["adviser", "revoke", "lee", "--share", "zero"],
            ["adviser", "revoke", "lee", "--share", "0"],
            ["advise"],
            ["advise", "--adviser", ""],
            ["hub-server", "--adviser", "--facilitator"],
        ],
    )
    def test_bad_input_is_one_line_and_exit_2(self, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
        code, out, err = _run(capsys, *argv)
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
