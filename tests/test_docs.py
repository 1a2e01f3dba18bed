"""Every ```python block of the docs and the README runs, page by page, in order.

Blocks fenced as ```py are illustrations (they need AWS or a user's own module) and are
not run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_python_examples_run(page: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    for number, match in enumerate(BLOCK.finditer(page.read_text()), start=1):
        code = compile(match.group(1), f"{page.name} (python block {number})", "exec")
        exec(code, namespace)
