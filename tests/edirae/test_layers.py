"""The import contracts (pyproject.toml, checked by `make lint`) hold on the code, and would
catch a wrong import: each test copies the apps, breaks one rule, and runs import-linter."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGES = ["edirae", "demo", "accounts", "tracks", "quizzes", "mentors", "ai_mentor", "reminders"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def copy_of_the_code(tmp_path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_keeps_every_contract(copy_of_the_code):
    result = lint_imports(copy_of_the_code)
    assert result.returncode == 0, result.stdout
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "broken"),
    [
        ("tracks/models.py", "import quizzes.models", "tracks is not allowed to import quizzes"),
        (
            "mentors/views.py",
            "import ai_mentor.services",
            "mentors is not allowed to import ai_mentor",
        ),
        ("accounts/models.py", "import demo.loader", "accounts is not allowed to import demo"),
        ("edirae/http.py", "import tracks.models", "edirae.http is not allowed to import tracks"),
        (
            "ai_mentor/practice.py",
            "from tracks import progression",
            "ai_mentor is not allowed to import tracks.progression",
        ),
    ],
)
def test_a_wrong_import_breaks_a_contract(copy_of_the_code, module, wrong_import, broken):
    path = copy_of_the_code / module
    path.write_text(path.read_text() + f"\n{wrong_import}\n")
    result = lint_imports(copy_of_the_code)
    assert result.returncode == 1
    assert broken in result.stdout
