"""RELIABILITY.md names a test for every promise; each one must exist, so the table cannot rot."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_test_named_in_reliability_md_exists():
    text = (REPO / "RELIABILITY.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(test_\w+))?`|`::(test_\w+)`", text)
    assert len(named) >= 20
    current = None
    for path, test, continued in named:
        if path:
            current = REPO / path
            assert current.exists(), path
        name = test or continued
        if name:
            assert name in _tests_in(current), f"{current.relative_to(REPO)}::{name} is named in RELIABILITY.md but does not exist"
    assert "RELIABILITY.md" in (REPO / "README.md").read_text(encoding="utf-8")
