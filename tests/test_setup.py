"""What a new user meets first: the Makefile's set-up and the project's Rasa files fitting together."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.stack  # runs make

ROOT = Path(__file__).resolve().parent.parent


def test_without_python_310_the_setup_says_what_is_missing(tmp_path: Path) -> None:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "no-pyenv"), "PYTHON": ""}
    result = subprocess.run(["make", "venv"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    if shutil.which("python3.10", path=env["PATH"]):
        return  # this machine has a system Python 3.10: nothing is missing
    assert result.returncode != 0
    assert "Python 3.10 is required" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_an_unchanged_model_is_not_retrained(trained_model: Path) -> None:
    result = subprocess.run(["make", "model"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "model is up to date" in result.stdout


def test_rasa_finds_domain_rules_and_data_consistent() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "data",
            "validate",
            "--domain",
            "domain.yml",
            "--data",
            "nlu/train",
            "--config",
            "config.yml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
