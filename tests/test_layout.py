"""Tests mirror the layout: every module under src/betal has a test module at the same path."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "betal"
TESTS = ROOT / "tests"
NOT_MODULES = {"__init__.py", "__main__.py"}


def untested_modules() -> list[str]:
    missing = []
    for module in sorted(SRC.rglob("*.py")):
        rel = module.relative_to(SRC)
        if module.name in NOT_MODULES or rel.parts[0] == "migrations":
            continue
        expected = TESTS / rel.parent / f"test_{module.name}"
        if not expected.exists():
            missing.append(f"{rel} -> tests/{rel.parent / ('test_' + module.name)}")
    return missing


class TestLayout:
    def test_every_module_has_a_test_module(self) -> None:
        missing = untested_modules()
        assert not missing, "modules without a test module:\n" + "\n".join(missing)
