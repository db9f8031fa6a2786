"""How fast is `tsl check` on one file of many small models, each with a lambda in forward?
(A script, not a test.)

    python bench/many_models.py [--models 2000] [--runs 1] [--jobs N] [--no-tv]

It writes the file (bench/many_models.py --write PATH writes it and stops) and prints the
wall and CPU time of `tsl check FILE --no-cache` with text output (no fixes are built),
with JSON output (every finding carries its fix), and with --diff (the fix loop), next to
a cold check of the tv corpus (see bench/speed.py) in the same run. Every lambda is
fixable (its name is unique), so each finding's fix is built in full.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speed import SCRATCH, corpus_tv, timed  # noqa: E402

HEADER = "import torch\nfrom torch import nn\n"
MODEL = '''

class Model{i}(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = {i}

    def forward(self, x):
        double{i} = lambda a: a * 2  # twice
        return double{i}(x) * self.scale
'''


def source(models: int) -> str:
    return HEADER + "".join(MODEL.format(i=i) for i in range(models))


def tsl(*args: str) -> list[str]:
    return [sys.executable, "-m", "tsl", "check", *args, "--no-cache", "--exit-zero"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-tv", action="store_true", help="skip the tv corpus")
    parser.add_argument("--write", metavar="PATH", help="only write the file")
    args = parser.parse_args()
    if args.write:
        Path(args.write).write_text(source(args.models), encoding="utf-8")
        return
    SCRATCH.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="many-models-", dir=SCRATCH))
    (folder / "models.py").write_text(source(args.models), encoding="utf-8")
    jobs = ["--jobs", str(args.jobs)]
    rows = {
        f"{args.models} models, text": (tsl("models.py", *jobs), folder),
        f"{args.models} models, json": (tsl("models.py", "--format", "json", *jobs), folder),
        f"{args.models} models, --diff": (tsl("models.py", "--diff", *jobs), folder),
    }
    if not args.no_tv:
        rows["tv cold, text"] = (tsl(".", *jobs), corpus_tv())
    print(f"Medians of {args.runs} run(s), {args.jobs} processes; load average (1 min) "
          f"{os.getloadavg()[0]:.1f} at the start.\n")
    print("| run | wall | CPU |")
    print("| --- | --- | --- |")
    for label, (command, cwd) in rows.items():
        walls, cpus = [], []
        for _ in range(args.runs):
            wall, _, _, cpu = timed(command, cwd)
            walls.append(wall)
            cpus.append(cpu)
        print(f"| {label} | {statistics.median(walls):.1f} s | {statistics.median(cpus):.1f} CPU-s |", flush=True)


if __name__ == "__main__":
    main()
