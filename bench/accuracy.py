"""Measure tsl against the real compiler on a package's models.

    python bench/accuracy.py torchvision timm [--limit 600] [--jobs 2] [--match PATTERN] [--json OUT]

For each package it
1. runs tsl (statically, as `tsl check` does) over the package's source,
2. builds every model the package lists (torchvision: `torchvision.models.list_models()`;
   timm: `timm.list_models()`, pretrained=False; any other package: its nn.Module
   classes that build with no arguments or with the small table below), on the
   meta device where possible so that no weights are initialised,
3. scripts each model with the installed torch.jit.script, and
4. compares: tsl says a model fails when an error-level finding is reached from
   the entry point of any module class the built model contains (each class
   counted on its own, so a block the configuration does not build is not
   counted against a model that does not contain it).

It prints TP/FP/FN/TN, precision and recall per package and for the union, and
each disagreement with the compiler's first message and tsl's findings.

Environment (not CI): a separate venv with a torch that has a matching
torchvision, e.g.

    python -m venv .cache/bench-venv
    .cache/bench-venv/bin/pip install torch==2.14.1 torchvision==0.29.1 timm libcst click rich
    .cache/bench-venv/bin/python bench/accuracy.py torchvision timm

tsl itself is imported from this checkout (it never imports torch).
"""
from __future__ import annotations

import argparse
import fnmatch
import importlib
import inspect
import json
import multiprocessing
import os
import re
import signal
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# constructor arguments for module classes that need some (generic packages only)
CONSTRUCTOR_ARGS: dict[str, tuple[tuple, dict]] = {}

SCRIPT_TIMEOUT_S = 120


# -- the static side -----------------------------------------------------------------

def static_verdicts(package_dir: Path, package_name: str) -> tuple[dict, dict]:
    """(errors by (module name, class name), module name by relpath) for every module class.

    Each module class is judged on its own code: what its forward, exports and
    properties reach, without descending into submodules (the built model says
    which submodules really exist)."""
    import tsl.lint.engine as engine
    from tsl.model.program import Program
    from tsl.config import Config

    class OwnCodeProgram(Program):
        def submodules(self, klass):
            return []

    root = package_dir
    for _ in package_name.split("."):
        root = root.parent
    files = sorted(p for p in package_dir.rglob("*.py") if "__pycache__" not in p.parts)
    original = engine.Program
    engine.Program = OwnCodeProgram
    try:
        result = engine.check(engine.inputs_for(files, root), Config(root=root))
    finally:
        engine.Program = original
    module_names = {}
    for path in files:
        rel = path.relative_to(root)
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        module_names[rel.as_posix()] = ".".join(parts)
    errors = defaultdict(list)
    for finding in result.findings:
        if finding.severity != "error":
            continue
        for path, name in finding.entry_points:
            errors[(module_names.get(path, path), name)].append(
                f"{finding.path}:{finding.line} {finding.code} {finding.message}")
    entries = {(module_names.get(e.path, e.path), e.name) for e in result.entry_points if e.kind == "module"}
    return errors, entries


# -- the dynamic side ----------------------------------------------------------------

def _builders(package: str):
    if package == "torchvision":
        import torchvision

        return [(name, ("torchvision", name)) for name in torchvision.models.list_models()]
    if package == "timm":
        import timm

        return [(name, ("timm", name)) for name in timm.list_models()]
    module = importlib.import_module(package)
    import torch

    found = []
    seen = set()
    for mod_name in sorted(sys.modules):
        if mod_name != package and not mod_name.startswith(package + "."):
            continue
        for _, value in inspect.getmembers(sys.modules[mod_name], inspect.isclass):
            # private bases (`_ConvNd`) are not meant to be built, and lazy modules cannot be scripted before
            # their first forward: neither says anything about the code
            if value.__name__.startswith(("_", "Lazy")):
                continue
            if issubclass(value, torch.nn.Module) and value.__module__.startswith(package) and value not in seen:
                seen.add(value)
                found.append((f"{value.__module__}.{value.__qualname__}", ("class", value.__module__, value.__qualname__)))
    del module
    return found


def _build(spec):
    import torch

    def make():
        if spec[0] == "torchvision":
            import torchvision

            try:
                return torchvision.models.get_model(spec[1], weights=None, weights_backbone=None)
            except TypeError:
                return torchvision.models.get_model(spec[1], weights=None)
        if spec[0] == "timm":
            import timm

            return timm.create_model(spec[1], pretrained=False)
        module = importlib.import_module(spec[1])
        cls = module
        for part in spec[2].split("."):
            cls = getattr(cls, part)
        args, kwargs = CONSTRUCTOR_ARGS.get(f"{spec[1]}.{spec[2]}", ((), {}))
        return cls(*args, **kwargs)

    try:
        with torch.device("meta"):
            return make()
    except Exception:
        return make()


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def probe(item):
    """Build and script one model: (name, classes, None | message, error kind)."""
    name, spec = item
    import torch

    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    try:
        model = _build(spec)
        model.eval()
    except Exception as exc:  # does not build: not counted
        return name, None, f"{type(exc).__name__}: {exc}", "build"
    classes = sorted({f"{type(m).__module__}:{type(m).__qualname__}" for m in model.modules()})
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SCRIPT_TIMEOUT_S)
    try:
        torch.jit.script(model)
        message = None
    except _Timeout:
        return name, classes, "timeout", "timeout"
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
    finally:
        signal.alarm(0)
    return name, classes, message, None


def first_message(message: str) -> str:
    kind, _, rest = message.partition(":")
    lines = [line.strip() for line in rest.splitlines() if line.strip()]
    head = f"{kind}: {lines[0]}" if lines else message
    return head[:300]


def compiler_location(message: str) -> str:
    found = re.findall(r'File "([^"]+)", line (\d+)', message)
    if not found:
        return ""
    path, line = found[-1]
    return f"{'/'.join(Path(path).parts[-3:])}:{line}"


# -- the comparison ------------------------------------------------------------------

def judge(row: dict, errors: dict, entries: set) -> dict:
    """tsl's verdict for one built model: the errors of the module classes it contains."""
    own = []
    known = 0
    for qual in row["class_names"]:
        mod_name, cls_name = qual.split(":")
        key = (mod_name, cls_name)
        if key in entries:
            known += 1
        own += errors.get(key, [])
    row["tsl"] = sorted(set(own))
    row["classes"] = known
    return row


def rejudge(package: str, rows: list[dict]):
    """Recompute only tsl's side for rows measured before (--reuse): the compiler's side is unchanged."""
    module = importlib.import_module(package)
    t0 = time.time()
    errors, entries = static_verdicts(Path(module.__file__).parent, package)
    return [judge(row, errors, entries) for row in rows if row["package"] == package], time.time() - t0


def measure(package: str, limit: float, jobs: int, match: str | None, show: int):
    module = importlib.import_module(package)
    package_dir = Path(module.__file__).parent
    t0 = time.time()
    errors, entries = static_verdicts(package_dir, package)
    static_s = time.time() - t0
    builders = _builders(package)
    if match:
        builders = [b for b in builders if fnmatch.fnmatch(b[0], match)]
    rows = []
    skipped = {"build": 0, "timeout": 0, "time limit": 0}
    deadline = time.time() + limit
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, maxtasksperchild=25) as pool:
        pending = pool.imap_unordered(probe, builders)
        for _ in builders:
            remaining = deadline - time.time()
            if remaining <= 0:
                break
            try:
                name, classes, message, problem = pending.next(timeout=remaining)
            except multiprocessing.TimeoutError:
                break
            if problem is not None:
                skipped[problem] += 1
                continue
            rows.append(judge({"package": package, "model": name, "fails": message is not None,
                               "message": first_message(message) if message else None,
                               "at": compiler_location(message) if message else "",
                               "class_names": classes}, errors, entries))
        pool.terminate()
    skipped["time limit"] = len(builders) - len(rows) - skipped["build"] - skipped["timeout"]
    return rows, skipped, static_s


def tally(rows):
    counts = {"TP": 0, "FP": 0, "FN": 0, "TN": 0}
    for row in rows:
        predicted = bool(row["tsl"])
        key = ("T" if predicted == row["fails"] else "F") + ("P" if predicted else "N")
        counts[key] += 1
    tp, fp, fn = counts["TP"], counts["FP"], counts["FN"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return counts, precision, recall


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="+")
    parser.add_argument("--limit", type=float, default=1800, help="seconds of scripting per package")
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2)))
    parser.add_argument("--match", help="only models whose name matches this glob")
    parser.add_argument("--json", type=Path, help="write every row here")
    parser.add_argument("--show", type=int, default=3, help="examples of findings per disagreement")
    parser.add_argument("--reuse", type=Path, help="take the compiler's verdicts from an earlier --json file "
                                                   "and recompute only tsl's")
    args = parser.parse_args(argv)
    previous = json.loads(args.reuse.read_text(encoding="utf-8")) if args.reuse else None

    import torch

    print(f"torch {torch.__version__}")
    all_rows = []
    for package in args.packages:
        if previous is not None:
            rows, static_s = rejudge(package, previous)
            skipped = {"build": 0, "timeout": 0, "time limit": 0}
        else:
            rows, skipped, static_s = measure(package, args.limit, args.jobs, args.match, args.show)
        version = getattr(importlib.import_module(package), "__version__", "?")
        counts, precision, recall = tally(rows)
        print(f"\n== {package} {version}: {len(rows)} models scripted "
              f"(not built: {skipped['build']}, script timeout: {skipped['timeout']}, "
              f"past the time limit: {skipped['time limit']}); static check {static_s:.1f}s")
        print("   " + "  ".join(f"{k}={v}" for k, v in counts.items())
              + f"  precision={precision:.3f} recall={recall:.3f}")
        for row in sorted(rows, key=lambda r: r["model"]):
            predicted = bool(row["tsl"])
            if predicted == row["fails"]:
                continue
            kind = "FP" if predicted else "FN"
            print(f"  {kind} {row['model']}")
            if row["fails"]:
                print(f"     torch: {row['message']}  [{row['at']}]")
            else:
                print("     torch: scripts")
            for finding in row["tsl"][: args.show]:
                print(f"     tsl:   {finding}")
        all_rows += rows
    if len(args.packages) > 1:
        counts, precision, recall = tally(all_rows)
        print(f"\n== union: {len(all_rows)} models  " + "  ".join(f"{k}={v}" for k, v in counts.items())
              + f"  precision={precision:.3f} recall={recall:.3f}")
    if args.json:
        args.json.write_text(json.dumps(all_rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
