"""An installed wheel, not only the editable install, finds its content pack and notebooks."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from selfexplore.workbook import APP_NOTEBOOK

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow
STATIC = ("selfexplore.css", "selfexplore.js", "workbook.css", "workbook.js")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    made = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--verbose", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    # The build names every folder it ships: no "Package would be ignored" warning blocks on install.
    assert "would be ignored" not in made.stdout + made.stderr
    (built,) = out.glob("selfexplore-*.whl")
    return built


class TestWheel:
    def test_the_wheel_carries_the_content_pack_and_notebooks(self, wheel: Path) -> None:
        names = set(zipfile.ZipFile(wheel).namelist())
        assert "selfexplore/data/dimensions.yaml" in names
        assert "selfexplore/data/specialties/anesthesiology.yaml" in names
        assert "selfexplore/data/paths/public-health.yaml" in names
        assert f"selfexplore/notebooks/student/{APP_NOTEBOOK}" in names
        assert "selfexplore/notebooks/facilitator/dashboard.ipynb" in names
        assert "selfexplore/notebooks/adviser/advisees.ipynb" in names
        assert "selfexplore/store/migrations/versions/0007_adviser_shares.py" in names
        template = "selfexplore/share/voila/templates/selfexplore/"
        for part in ("conf.json", "index.html.j2", *(f"static/{name}" for name in STATIC)):
            assert template + part in names
        assert "selfexplore/py.typed" in names
        assert "selfexplore/store/migrations/env.py" in names
        assert "selfexplore/store/migrations/versions/0003_page_passes.py" in names

    def test_the_installed_wheel_validates_its_own_pack(self, wheel: Path, tmp_path: Path) -> None:
        target = tmp_path / "site"
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
            check=True,
            capture_output=True,
        )
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        env = {**os.environ, "PYTHONPATH": str(target)}
        env.pop("SELFEXPLORE_CONTENT", None)
        code = (
            "import selfexplore, selfexplore.content as c, selfexplore.serving.serve as s;"
            "print(selfexplore.__file__); print(c.default_content_dir()); print(s.notebooks_dir());"
            "import selfexplore.ui.shell as sh; print(sh._STATIC)"
        )
        where = subprocess.run(
            [sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True, check=True
        )
        assert all(line.startswith(str(target)) for line in where.stdout.splitlines()), where.stdout
        result = subprocess.run(
            [sys.executable, "-m", "selfexplore", "validate"],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "52 specialties, 8 career paths" in result.stdout
        # The installed package finds its migrations too: export on a new database creates the schema.
        export = subprocess.run(
            [
                sys.executable,
                "-m",
                "selfexplore",
                "--db",
                f"sqlite:///{tmp_path / 'w.sqlite3'}",
                "export",
            ],
            input="0000-0000-0000-0000-0\n",
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert export.stderr.splitlines() == [
            "selfexplore: error: That resume code was not recognised. Check it and try again."
        ]
