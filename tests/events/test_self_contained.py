"""The test suite needs nothing outside the repository: a bare clone collects without errors.

The event tests once read samples from a folder beside the repository; a user who cloned it had
no such folder and 11 modules failed to collect. This clones HEAD into an empty directory
(nothing beside it) and collects the whole suite there with this interpreter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_a_bare_clone_collects_every_test_module(tmp_path: Path) -> None:
    git = shutil.which("git")
    assert git is not None, "git is needed to clone the repository"
    clone = tmp_path / "alone" / "lambda-toolkit"
    subprocess.run(
        [git, "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "COV_"))}
    env["PYTHONPATH"] = str(clone)  # the clone's package, not the one installed in editable mode
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    # A collection error is a line of its own ("ERROR tests/x.py - ImportError ..."); a test
    # id may contain the word (a parametrized log level), so only whole lines are read.
    errors = [line for line in output.splitlines() if line.startswith("ERROR")]
    assert not errors and "error" not in output.splitlines()[-1], output[-4000:]
    assert "tests/events/test_models_core.py::" in output  # the modules that read outside the repository before
