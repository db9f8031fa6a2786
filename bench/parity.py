"""Score tsl against the compiler's verdicts on the paritybench dev corpus.

    python bench/parity.py CORPUS [--target-version 2.14] [--misses] [--false-alarms] [--keep REPORT.json]

CORPUS is the unpacked corpus (717 files), or the shared paritybench folder (the one with
labels.json, score.py and unpack.sh), whose unpack.sh then unpacks it to a temporary folder.
It runs `python -m tsl check --no-cache --format json` on the corpus (with `target-version`
set in a temporary pyproject.toml when --target-version is given, else tsl's default: the
installed torch), then the folder's score.py on the report, and prints its figures with the
installed torch and the target used. The labels are torch 2.14.1's verdicts: it warns when the
target is another torch.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tsl.versions import installed_torch, parse_version  # never imports torch



def shared_folder(corpus: Path, shared: Path | None) -> Path:
    for candidate in (shared, corpus):
        if candidate is not None and (candidate / "score.py").is_file() and (candidate / "labels.json").is_file():
            return candidate
    raise SystemExit("cannot find score.py and labels.json: pass --shared FOLDER")


def unpack(shared: Path, into: Path) -> Path:
    out = subprocess.run(["bash", str(shared / "unpack.sh"), str(into)], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


def run_tsl(corpus: Path, target: str | None, report: Path, workdir: Path) -> None:
    """tsl on the corpus, from a folder whose pyproject.toml holds the target (none: tsl's default)."""
    workdir.mkdir(parents=True, exist_ok=True)
    if target:
        (workdir / "pyproject.toml").write_text(f'[tool.tsl]\ntarget-version = "{target}"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "tsl", "check", str(corpus), "--no-cache", "--format", "json",
           "--exit-zero", "-o", str(report)]
    done = subprocess.run(cmd, check=False, cwd=workdir, env=env, capture_output=True, text=True)
    if done.returncode != 0 or not report.is_file():
        raise SystemExit(f"tsl failed (exit {done.returncode}): {done.stderr[-2000:]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path, help="the unpacked corpus, or the shared paritybench folder")
    ap.add_argument("--shared", type=Path, help="the folder with score.py and labels.json (default: found)")
    ap.add_argument("--target-version", help="torch whose rule set tsl applies (default: the installed torch)")
    ap.add_argument("--misses", action="store_true", help="list every missed failure")
    ap.add_argument("--false-alarms", action="store_true", help="list every false alarm")
    ap.add_argument("--keep", type=Path, help="also write tsl's report here")
    args = ap.parse_args()
    if args.target_version:
        try:
            parse_version(args.target_version)
        except ValueError:
            ap.error(f"not a version: {args.target_version!r}")
    corpus = args.corpus.resolve()
    if not corpus.is_dir():
        ap.error(f"not a folder: {corpus}")
    shared = shared_folder(corpus, args.shared.resolve() if args.shared else None)
    labels_torch = json.loads((shared / "labels.json").read_text(encoding="utf-8")).get("torch", "2.14.1")

    with tempfile.TemporaryDirectory(prefix="tsl-parity-") as tmp:
        tmp = Path(tmp)
        if (corpus / "unpack.sh").is_file():
            corpus = unpack(shared, tmp / "corpus")
        report = tmp / "report.json"
        run_tsl(corpus, args.target_version, report, tmp / "run")
        if args.keep:
            args.keep.write_bytes(report.read_bytes())
        score = [sys.executable, str(shared / "score.py"), str(report), "--corpus", str(corpus)]
        score += ["--misses"] * args.misses + ["--false-alarms"] * args.false_alarms
        scored = subprocess.run(score, check=False, capture_output=True, text=True)
        sys.stdout.write(scored.stdout)
        if scored.returncode != 0:
            sys.stderr.write(scored.stderr)
            return 2

    installed = installed_torch()
    target = args.target_version or installed
    print(f"installed torch: {installed or 'none'}; target version: {target or 'the newest'}"
          f"{'' if args.target_version else ' (tsl default: the installed torch)'}; labels: torch {labels_torch}")
    if target is None or parse_version(target)[:2] != parse_version(labels_torch)[:2]:
        print(f"warning: the labels are torch {labels_torch}'s verdicts, the rules are judged for torch "
              f"{target or 'the newest'}: rules that differ between the two count as misses or false alarms",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
