"""Source files carry no control characters (a mangled ``\\theta`` in a
docstring becomes a TAB followed by 'heta', ``\\bar`` a backspace)."""

from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FILES = sorted(
    p for d in ("refneuron", "validation", "tests", "benchmarks") for p in (ROOT / d).rglob("*.py")
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\t\r]")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_control_characters(path):
    text = path.read_text(encoding="utf-8")
    bad = [(i + 1, line) for i, line in enumerate(text.splitlines()) if CONTROL.search(line)]
    assert not bad, f"{path}: control characters on lines {[n for n, _ in bad][:10]}"
