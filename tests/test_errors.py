"""One table of error codes (starcoach.errors.CODES), and library errors that name no CLI flag."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import starcoach
from starcoach.errors import CODES, StarcoachError

PACKAGE = Path(starcoach.__file__).parent


def _all_errors() -> list[type]:
    for module in pkgutil.walk_packages(starcoach.__path__, "starcoach."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return [StarcoachError, *subclasses(StarcoachError)]


def test_every_error_has_its_own_code_from_the_table():
    errors = _all_errors()
    by_code = {}
    for cls in errors:
        assert CODES[cls.code][0] == cls.__name__, cls
        assert cls.code not in by_code, f"{cls.__name__} and {by_code[cls.code].__name__} share {cls.code}"
        by_code[cls.code] = cls
    assert set(by_code) == set(CODES), "a row of CODES names no class"
    assert len({cls.__name__ for cls in errors}) == len(errors)  # no two error classes with one name


def test_an_error_without_a_row_cannot_be_defined():
    with pytest.raises(TypeError, match="NotInTheTable has no code: add it to starcoach.errors.CODES"):
        type("NotInTheTable", (StarcoachError,), {})


def test_structured_fields_for_any_front_end():
    from starcoach.replay import ReplayError

    e = ReplayError("Speed 99 is out of range", "give a speed between 0.25 and 64", param="speed", value=99)
    assert e.to_dict() == {"code": "E430", "message": "Speed 99 is out of range",
                           "fix": "give a speed between 0.25 and 64", "param": "speed", "instead": [], "value": 99}


def _strings_outside_docstrings(tree: ast.AST) -> list[ast.Constant]:
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docstrings]


#: Flags of other programs the library runs or tells a person to run (not starcoach's own).
OTHER_PROGRAMS = {"--stdout", "--force-reinstall"}


def test_the_library_names_no_command_line_flag():
    """Only starcoach.cli knows the flags; the library says what is wrong in its own terms."""
    flag = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        for node in _strings_outside_docstrings(ast.parse(path.read_text(encoding="utf-8"))):
            for found in flag.findall(node.value):
                if found not in OTHER_PROGRAMS:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {found}")
    assert offenders == []


@pytest.mark.parametrize("argv, ending", [
    (["replay", "--speed", "99", "--no-audio"], "give a speed between 0.25 and 64 (--speed)"),
    (["run", "--only", "actoin", "--answers", ".", "--no-input"], "expected one of situation, task, action, result, "
                                                                 "reflection (--only)"),
    (["run", "--probes", "7", "--answers", ".", "--no-input"], "it has probes 1-4 (--probes)"),
    (["sessions", "--since", "someday"], "write YYYY-MM-DD, 'today', 'yesterday', or 7d / 2w (--since)"),
])
def test_the_cli_adds_the_flag_of_the_input_that_was_wrong(argv, ending, capsys):
    from sessionfactory import handmade_session
    from starcoach.cli import main
    from starcoach.store import save_session

    save_session(handmade_session())
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("starcoach: error E") and err.endswith(ending), err
