"""Run every benchmark script in this folder, one after the other (``make bench``).

Each ``bench_*.py`` prints a markdown report to stdout and saves raw figures under
``benchmarks/out/``; copy the tables into BENCHMARKS.md with the date and machine line.
Run on a quiet machine: the speech latency figures are sensitive to other load.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    print(f"# starcoach benchmarks, {date.today()} — {platform.node()} {platform.machine()}, "
          f"Python {platform.python_version()}\n")
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n## {script.name}\n", flush=True)
        if subprocess.run([sys.executable, str(script)]).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
