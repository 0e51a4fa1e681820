"""The `selfexplore` command: the contract's commands, and one line with exit 2 for bad input."""

from __future__ import annotations

import io
import json
import shutil
import socket
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from selfexplore.cli import main
from selfexplore.content import Content


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _write(tmp_path: Path, data: object, name: str = "doc.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


class TestValidate:
    def test_the_shipped_pack_is_valid(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = _run(capsys, "validate")
        assert code == 0
        assert out.startswith("content pack is valid: 26 dimensions, 14 body systems")

    def test_an_invalid_pack_lists_its_problems_and_exits_2(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        pack = tmp_path / "pack"
        shutil.copytree(str(resources.files("selfexplore.data")), pack, ignore=shutil.ignore_patterns("*.py"))
        (pack / "questionnaire.yaml").unlink()
        code, out, err = _run(capsys, "validate", str(pack))
        assert code == 2
        assert out == ""
        assert err.splitlines() == ["questionnaire.yaml: file is missing", "1 problem(s) found"]


class TestItems:
    def test_items_json_lists_scales_sections_and_items(
        self, capsys: pytest.CaptureFixture[str], content: Content
    ) -> None:
        code, out, _ = _run(capsys, "items", "--json")
        data = json.loads(out)
        assert code == 0
        assert [item["id"] for item in data["items"]] == [item.id for item in content.questionnaire.items]
        assert {scale["id"] for scale in data["scales"]} == set(content.questionnaire.scales_by_id)

    @pytest.mark.parametrize("where", ["before", "after"])
    def test_the_content_pack_is_named_before_or_after_the_command(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str
    ) -> None:
        # Security review of 5 December 2026, finding 13: `selfexplore serve --content DIR` was refused.
        pack = tmp_path / "pack"
        shutil.copytree(str(resources.files("selfexplore.data")), pack, ignore=shutil.ignore_patterns("*.py"))
        (pack / "questionnaire.yaml").unlink()
        option = ["--content", str(pack)]
        code, _out, err = _run(
            capsys, *(option if where == "before" else []), "items", *(option if where == "after" else [])
        )
        assert code == 2
        assert "questionnaire.yaml" in err and "unrecognized" not in err


class TestScore:
    def test_answers_become_a_profile_with_completeness(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, content: Content
    ) -> None:
        item = next(i for i in content.questionnaire.items if i.kind == "scale" and not i.keys[0].reverse)
        dimension = item.keys[0].dimension
        path = _write(tmp_path, {item.id: 5, "body_systems": ["eye"]})
        code, out, _ = _run(capsys, "score", "--answers", path, "--json")
        data = json.loads(out)
        assert code == 0
        assert data["dimensions"][dimension] == 1.0
        assert data["systems"] == ["eye"]
        assert data["completeness"][dimension] > 0
        assert dimension not in data["unanswered"]

    def test_the_output_of_score_can_be_matched(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, content: Content
    ) -> None:
        answers = {item.id: 5 for item in content.questionnaire.items if item.kind == "scale"}
        _, out, _ = _run(capsys, "score", "--answers", _write(tmp_path, answers), "--json")
        code, out, _ = _run(capsys, "match", "--profile", _write(tmp_path, json.loads(out), "p.json"), "--json")
        assert code == 0
        assert len(json.loads(out)["matches"]) == len(content.specialties)


class TestMatch:
    def test_json_output_follows_the_contract(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        path = _write(tmp_path, {"dimensions": {"children": 1.0, "procedures": 0.9}, "systems": ["nervous_system"]})
        code, out, _ = _run(capsys, "match", "--profile", path, "--top", "5", "--json")
        data = json.loads(out)
        assert code == 0
        assert data["kind"] == "specialties"
        assert len(data["matches"]) == 5
        assert set(data["matches"][0]) == {"id", "name", "fit", "supports", "conflicts"}
        fits = [match["fit"] for match in data["matches"]]
        assert fits == sorted(fits, reverse=True)
        assert all(0 <= fit <= 100 for fit in fits)

    def test_a_list_of_profiles_gives_a_list_of_results_in_order(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        profiles = [{"dimensions": {"children": 1.0}}, {"dimensions": {"laboratory": 1.0, "patient_contact": 0.0}}]
        code, out, _ = _run(capsys, "match", "--profile", _write(tmp_path, profiles), "--kind", "paths", "--json")
        data = json.loads(out)
        assert code == 0
        assert [result["kind"] for result in data] == ["paths", "paths"]
        single = [
            json.loads(
                _run(capsys, "match", "--profile", _write(tmp_path, p, "one.json"), "--kind", "paths", "--json")[1]
            )
            for p in profiles
        ]
        assert data == single

    def test_the_same_profile_always_gives_the_same_output(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        path = _write(tmp_path, {"dimensions": {"income": 0.8, "autonomy": 0.3}})
        assert _run(capsys, "match", "--profile", path, "--json") == _run(capsys, "match", "--profile", path, "--json")

    def test_text_output_shows_rank_fit_and_reasons(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        path = _write(tmp_path, {"dimensions": {"children": 1.0}})
        code, out, _ = _run(capsys, "match", "--profile", path, "--top", "1")
        assert code == 0
        assert out.startswith("  1. ")
        assert "+ children" in out


BAD_PROFILES = [
    ({"dimensions": {"sleep": 0.3}}, "selfexplore: error: unknown dimension 'sleep'"),
    ({"dimensions": {"income": 2}}, "selfexplore: error: dimension 'income' must be between 0 and 1, got 2"),
    ({"systems": ["liver"]}, "selfexplore: error: unknown body system 'liver'"),
    ([{}, {"systems": ["liver"]}], "selfexplore: error: profile 2: unknown body system 'liver'"),
]


class TestBadInput:
    @pytest.mark.parametrize(("document", "line"), BAD_PROFILES)
    def test_a_bad_profile_exits_2_with_one_line(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, document: object, line: str
    ) -> None:
        code, out, err = _run(capsys, "match", "--profile", _write(tmp_path, document))
        assert (code, out, err.splitlines()) == (2, "", [line])

    def test_malformed_json_exits_2(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        path = tmp_path / "broken.json"
        path.write_text("{nope", encoding="utf-8")
        code, _, err = _run(capsys, "match", "--profile", str(path))
        assert code == 2
        assert err.splitlines() == [
            f"selfexplore: error: {path} is not valid JSON: Expecting property name enclosed in double quotes at line 1"
        ]

    def test_a_missing_file_exits_2(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        code, _, err = _run(capsys, "score", "--answers", str(tmp_path / "none.json"))
        assert code == 2
        assert err.splitlines() == [f"selfexplore: error: file not found: {tmp_path / 'none.json'}"]

    def test_an_answer_outside_the_scale_exits_2(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, content: Content
    ) -> None:
        item = next(i for i in content.questionnaire.items if i.kind == "scale")
        code, _, err = _run(capsys, "score", "--answers", _write(tmp_path, {item.id: 9}))
        assert code == 2
        assert err.splitlines() == [f"selfexplore: error: item {item.id!r} takes a whole number from 1 to 5, got 9"]

    @pytest.mark.parametrize(
        ("argv", "line"),
        [
            (["match"], "selfexplore: error: the following arguments are required: --profile"),
            (["match", "--profile", "x", "--top", "0"], "selfexplore: error: argument --top: expected a number"),
            (["match", "--profile", "x", "--kind", "jobs"], "selfexplore: error: argument --kind: invalid choice"),
            (["serve", "--port", "70000"], "selfexplore: error: argument --port: a port is at most 65535"),
            (["dance"], "selfexplore: error: argument command: invalid choice"),
            (["serve", "--base-url", "http://elsewhere/"], "selfexplore: error: argument --base-url: a base URL is"),
            (["serve", "--base-url", "/a/../b/"], "selfexplore: error: argument --base-url: a base URL is"),
            (["serve", "--base-url", "/a b/"], "selfexplore: error: argument --base-url: a base URL is"),
            ([], "selfexplore: error: the following arguments are required: command"),
            (["serve", "--ip", "school.example"], "selfexplore: error: argument --ip: expected an IP address"),
        ],
    )
    def test_a_bad_command_line_exits_2_with_one_line(
        self, capsys: pytest.CaptureFixture[str], argv: list[str], line: str
    ) -> None:
        code, _out, err = _run(capsys, *argv)
        assert code == 2
        assert len(err.splitlines()) == 1
        assert err.startswith(line)

    def test_serve_refuses_an_invalid_pack(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        code, _, err = _run(capsys, "--content", str(tmp_path), "serve", "--port", "1")
        assert code == 2
        assert "dimensions.yaml: file is missing" in err


class TestHosting:
    def test_hub_server_outside_a_hub_exits_2_naming_what_is_missing(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        names = ("USER", "API_URL", "API_TOKEN", "SERVICE_PREFIX", "SERVICE_URL")
        for name in names:
            monkeypatch.delenv(f"JUPYTERHUB_{name}", raising=False)
        code, _, err = _run(capsys, "hub-server")
        assert code == 2
        assert err.splitlines() == [
            "selfexplore: error: hub-server is started by JupyterHub as a user's server; not set here: "
            "JUPYTERHUB_USER, JUPYTERHUB_API_URL, JUPYTERHUB_API_TOKEN, JUPYTERHUB_SERVICE_PREFIX, "
            "JUPYTERHUB_SERVICE_URL"
        ]

    def test_hub_service_outside_a_hub_exits_2_naming_what_is_missing(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for name in ("SERVICE_NAME", "API_URL", "API_TOKEN", "CLIENT_ID", "SERVICE_PREFIX", "SERVICE_URL"):
            monkeypatch.delenv(f"JUPYTERHUB_{name}", raising=False)
        code, _, err = _run(capsys, "hub-service")
        assert code == 2
        assert err.splitlines() == [
            "selfexplore: error: hub-service is started by JupyterHub as a service (deploy/jupyterhub); not set "
            "here: JUPYTERHUB_SERVICE_NAME, JUPYTERHUB_API_URL, JUPYTERHUB_API_TOKEN, JUPYTERHUB_CLIENT_ID, "
            "JUPYTERHUB_SERVICE_PREFIX, JUPYTERHUB_SERVICE_URL"
        ]

    def test_a_shared_server_with_a_hub_user_in_its_environment_is_refused(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Every student of that server would be this one hub user, with the same answers.
        monkeypatch.setenv("JUPYTERHUB_USER", "ann")
        code, _, err = _run(capsys, "serve", "--port", "1")
        assert code == 2
        assert len(err.splitlines()) == 1
        assert "every student of this server would be the same person" in err
        assert "selfexplore hub-server" in err

    def test_a_server_open_beyond_this_machine_must_cap_its_kernels(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("SELFEXPLORE_MAX_KERNELS", "0")
        code, _, err = _run(capsys, "serve", "--port", "1", "--ip", "0.0.0.0")
        assert code == 2
        assert err.splitlines() == [
            "selfexplore: error: a server listening on 0.0.0.0 must cap its kernels: unset SELFEXPLORE_MAX_KERNELS "
            "and SELFEXPLORE_KERNELS_PER_CLIENT or set them above 0"
        ]

    def test_a_trusted_header_without_the_proxys_addresses_is_refused(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("SELFEXPLORE_TRUSTED_HEADER", "X-Remote-User")
        monkeypatch.delenv("SELFEXPLORE_TRUSTED_PROXIES", raising=False)
        code, _, err = _run(capsys, "serve", "--port", "1")
        assert code == 2
        assert len(err.splitlines()) == 1 and "anyone who reaches the server could send the header" in err


class TestModule:
    def test_python_dash_m_is_the_same_command(self, tmp_path: Path) -> None:
        path = _write(tmp_path, {"dimensions": {"sleep": 1}})
        result = subprocess.run(
            [sys.executable, "-m", "selfexplore", "match", "--profile", path],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2
        assert result.stderr == "selfexplore: error: unknown dimension 'sleep'\n"
        ok = subprocess.run(
            [sys.executable, "-m", "selfexplore", "validate"], capture_output=True, text=True, check=False
        )
        assert ok.returncode == 0, ok.stderr


class TestPortInUse:
    @pytest.mark.parametrize("command", [["serve"], ["facilitate"], ["advise", "--adviser", "lee"]])
    def test_a_port_in_use_is_one_line_and_exit_2_before_anything_starts(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str]
    ) -> None:
        """Walk review of 5 December 2026: a second `make run` said "serving at", then a false "trying
        another port", then a CRITICAL error."""
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = str(taken.getsockname()[1])
            code, out, err = _run(capsys, "--db", f"sqlite:///{tmp_path / 's.sqlite3'}", *command, "--port", port)
        assert (code, out) == (2, "")
        assert (
            err == f"selfexplore: error: port {port} on 127.0.0.1 is in use already (is the workbook running?): "
            "stop that server, or choose another port with --port N (make run PORT=N)\n"
        )
        assert not (tmp_path / "s.sqlite3").exists()  # nothing was started or made


class TestSessionList:
    def test_an_empty_store_says_it_is_ready(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        code, out, err = _run(capsys, "--db", f"sqlite:///{tmp_path / 'new.sqlite3'}", "session", "list")
        assert (code, out) == (0, "") and err == "no group sessions yet; the store is ready\n"


class TestStoreAtStart:
    def test_a_store_that_cannot_be_reached_is_one_line_and_exit_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        from tests.helpers import free_port

        url = f"postgresql+psycopg://selfexplore:hunter2secret@127.0.0.1:{free_port()}/selfexplore"
        code, out, err = _run(capsys, "--db", url, "session", "list")
        assert (code, out) == (2, "")
        assert len(err.splitlines()) == 1, err
        assert err.startswith("selfexplore: error: cannot open the store at postgresql+psycopg://selfexplore:***@")
        assert "hunter2secret" not in err
        assert "Traceback" not in err

    def test_a_store_in_a_folder_that_cannot_be_made_is_one_line_and_exit_2(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder")
        code, _, err = _run(capsys, "--db", f"sqlite:///{blocker / 'sub' / 'x.sqlite3'}", "session", "list")
        assert code == 2
        assert len(err.splitlines()) == 1, err
        assert err.startswith("selfexplore: error: cannot open the store at sqlite:///")


class TestStudentRights:
    def test_export_and_delete_by_resume_code(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from selfexplore.store import Store

        url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        store = Store.open(content, url)
        new = store.create_student()
        store.save_answer(store.latest_attempt(new.student), "body_systems", ["eye"])
        store.close()
        out_file = tmp_path / "mine.json"
        code_file = tmp_path / "code.txt"
        code_file.write_text(new.code + "\n")
        code, out, _ = _run(capsys, "--db", url, "export", "--code-file", str(code_file), "--out", str(out_file))
        assert (code, out) == (0, f"exported to {out_file}\n")
        assert json.loads(out_file.read_text())["attempts"][0]["answers"] == {"body_systems": ["eye"]}
        # Written for this user alone: it holds every reflection.
        assert out_file.stat().st_mode & 0o777 == 0o600
        monkeypatch.setattr("sys.stdin", io.StringIO(new.code + "\n"))
        code, out, _ = _run(capsys, "--db", url, "delete")
        assert code == 0
        assert out.startswith("deleted")
        code, out, err = _run(capsys, "--db", url, "export", "--code-file", str(code_file))
        assert (code, out) == (2, "")
        assert err.splitlines() == ["selfexplore: error: That resume code was not recognised. Check it and try again."]

    def test_a_malformed_code_exits_2_with_one_line(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        monkeypatch.setattr("sys.stdin", io.StringIO("abc\n"))
        code, _, err = _run(capsys, "--db", url, "delete")
        assert code == 2
        assert err.splitlines() == ["selfexplore: error: A resume code has 17 letters and digits; this one has 3."]

    @pytest.mark.parametrize("command", ["export", "report", "delete"])
    def test_a_resume_code_on_the_command_line_is_refused(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
    ) -> None:
        # Anyone on the machine can read a command line (ps, /proc, shell history).
        url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        extra = ["--out", str(tmp_path / "r.html")] if command == "report" else []
        code, out, err = _run(capsys, "--db", url, command, "--code", "ABCD-EFGH-JKMN-PQRS-T", *extra)
        assert (code, out) == (2, "")
        assert len(err.splitlines()) == 1
        assert "never given on the command line" in err
        assert not (tmp_path / "r.html").exists()

    def test_no_code_on_standard_input_exits_2_with_one_line(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        code, _, err = _run(capsys, "--db", f"sqlite:///{tmp_path / 'c.sqlite3'}", "export")
        assert code == 2
        assert err.splitlines() == [
            "selfexplore: error: no resume code given: pass it on standard input or with --code-file FILE"
        ]
