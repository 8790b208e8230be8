"""The package is layered like the pipeline: a module imports only from its own floor or below.

    0 foundation   errors, records, paths, config, clock, findings, framework, locks, wavfile, migrations, heap, lazy
    1 inputs       scenario, library, quiz, vad, transcribe, capture, voice, segment, analysis/, vocabulary
    2 the run's model  summary, session
    3 storage      store, index
    4 the coach    run, demo
    5 looking back report/, replay
    6 services     history, doctor
    7 front ends   cli/, web/

Imports inside functions and under ``TYPE_CHECKING`` count too: a lazy import that runs back up a
floor is still a loop in the design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import starcoach

PACKAGE = Path(starcoach.__file__).parent

FLOORS: dict[str, int] = {
    **dict.fromkeys(["errors", "records", "paths", "config", "clock", "findings", "framework", "locks", "wavfile",
                     "migrations", "heap", "lazy"], 0),
    **dict.fromkeys(["scenario", "library", "quiz", "vad", "transcribe", "capture", "voice", "segment", "analysis",
                     "vocabulary"], 1),
    **dict.fromkeys(["summary", "session"], 2),
    **dict.fromkeys(["store", "index"], 3),
    **dict.fromkeys(["run", "demo"], 4),
    **dict.fromkeys(["report", "replay"], 5),
    **dict.fromkeys(["history", "doctor"], 6),
    "cli": 7, "web": 7, "__main__": 7, "": 7,
}


def _floor(module: str) -> int:
    parts = module.split(".")[1:]  # drop "starcoach"
    return FLOORS[parts[0] if parts else ""]


def _module_of(path: Path) -> str:
    name = "starcoach." + path.relative_to(PACKAGE).with_suffix("").as_posix().replace("/", ".")
    return name.removesuffix(".__init__")


def test_every_module_has_a_floor():
    for path in PACKAGE.rglob("*.py"):
        _floor(_module_of(path))


def test_no_import_runs_up_a_floor():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_of(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("starcoach"):
                targets = [node.module] if node.module != "starcoach" else [
                    f"starcoach.{a.name}" for a in node.names if a.name in FLOORS]  # modules, not __version__
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("starcoach")]
            else:
                continue
            for target in targets:
                if target != "starcoach" and _floor(target) > _floor(module):
                    upward.append(f"{module} imports {target}")
    assert upward == []
