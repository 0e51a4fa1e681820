"""The layers of the package, as a fresh process sees them: a rules module loads neither widgets nor the
database, the server process loads only the small modules it needs, no source file grows past what a
reader can hold, and the table of settings in the docs is the settings module's own.

`make lint` runs import-linter over the same boundaries (pyproject.toml, [tool.importlinter]); these tests
look at what a process actually loads, which also catches an import made inside a function."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from selfexplore import settings

SRC = Path(__file__).resolve().parents[2] / "src" / "selfexplore"
DOCS = Path(__file__).resolve().parents[2] / "docs"
RULES = (
    "support",
    "aggregate",
    "charts",
    "codes",
    "cohorts",
    "content",
    "explore",
    "export",
    "markup",
    "matching",
    "fields",
    "instrument",
    "plan",
    "profile",
    "records",
    "report",
    "results",
    "scoring",
    "settings",
    "sharing",
    "signoff",
    "workbook",
)
HEAVY = ("sqlalchemy", "alembic", "ipywidgets", "IPython", "anywidget", "selfexplore.store", "selfexplore.ui")


def loaded_by(module: str) -> set[str]:
    """The top-level names of the modules a fresh interpreter has loaded after importing `module`."""
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(found.stdout))


class TestLayers:
    @pytest.mark.parametrize("rules", RULES)
    def test_a_rules_module_alone_loads_neither_widgets_nor_the_database(self, rules: str) -> None:
        loaded = loaded_by(f"selfexplore.{rules}")
        assert not {name for name in loaded if name.split(".")[0] in HEAVY or name in HEAVY}

    def test_the_server_process_loads_only_codes_guard_and_request_of_the_package(self) -> None:
        ours = {name for name in loaded_by("selfexplore.serving.server") if name.startswith("selfexplore")}
        assert ours == {
            "selfexplore",
            "selfexplore.codes",
            "selfexplore.serving",
            "selfexplore.serving.guard",
            "selfexplore.serving.request",
            "selfexplore.serving.server",
        }

    def test_the_services_load_no_widgets(self) -> None:
        for service in ("visit", "facilitator", "adviser"):
            loaded = loaded_by(f"selfexplore.services.{service}")
            assert not {name for name in loaded if name.split(".")[0] in ("ipywidgets", "IPython", "anywidget")}


class TestSize:
    def test_no_source_file_is_over_a_thousand_lines(self) -> None:
        long = {
            str(path.relative_to(SRC)): lines
            for path in SRC.rglob("*.py")
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 1000
        }
        assert long == {}


class TestSettingsTable:
    def test_the_docs_table_is_the_settings_modules_own(self) -> None:
        written = (DOCS / "settings.md").read_text(encoding="utf-8")
        assert settings.table() in written

    def test_every_setting_the_package_reads_is_declared_once(self) -> None:
        declared = {setting.name for setting in settings.SETTINGS}
        assert len(declared) == len(settings.SETTINGS)
        named = set()
        for path in SRC.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for word in text.replace('"', " ").replace("'", " ").replace("`", " ").split():
                if word.startswith("SELFEXPLORE_") and word.rstrip(".,;:)").isupper():
                    named.add(word.rstrip(".,;:)"))
        assert named <= declared


BENCHMARKS = sorted(path.stem for path in (SRC.parents[1] / "benchmarks").glob("*_bench.py"))


@pytest.mark.parametrize("bench", BENCHMARKS)
def test_every_benchmark_still_imports(bench: str) -> None:
    """A benchmark is run by hand, not by the tests: a rename that breaks one shows here, not a week later."""
    subprocess.run([sys.executable, "-c", f"import benchmarks.{bench}"], check=True, cwd=SRC.parents[1])
