"""How fast is `tsl check`, next to LibCST's own parser? (A script, not a test.)

    python bench/speed.py [--runs 3] [--jobs N] [--corpus tv,torch] [--torchfix VENV_PYTHON]

For each corpus it prints the median wall time of several runs, with ratios
computed in the same run:

- floor: LibCST's parse_module over the same files with the same number of
  processes, and nothing else (reading, decoding, parsing);
- cold: `tsl check DIR --no-cache`;
- warm: `tsl check DIR` with the cache full and nothing changed;
- one file: `tsl check FILE --no-cache` on one model file (what pre-commit pays);
- peak RSS: the most memory the whole process tree of a cold run held at
  once, and the most its largest process held (both sampled every 50 ms; the
  sum counts pages that forked workers share with the parent once per process).

Corpora (nothing is ever imported):

- tv: the torchvision 0.28.0 and timm sources, unpacked from their wheels
  (`pip download --no-deps` into .cache/wheels);
- torch: the Python sources of the installed torch package, found with
  importlib.util.find_spec, which does not import it.

Commands run with bytecode caching on (PYTHONDONTWRITEBYTECODE removed), as in a
normal install. Each corpus is copied to a scratch folder first, so that its cache and its
project root are its own. Optionally, --torchfix PYTHON times torchfix (in a
separate venv, it pins an old LibCST) on the tv corpus once.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WHEELS = ROOT / ".cache" / "wheels"
SCRATCH = Path(tempfile.gettempdir()) / "tsl-bench"
ONE_FILE = {"tv": "torchvision/models/resnet.py", "torch": "torch/nn/modules/conv.py"}

FLOOR = r"""
import sys, time
from multiprocessing import get_context
from pathlib import Path

def parse(path):
    import libcst
    from tsl.frontend.source import decode
    libcst.parse_module(decode(Path(path).read_bytes())[0])
    return 0

if __name__ == "__main__":
    import libcst
    files = Path(sys.argv[1]).read_text().split("\n")
    jobs = int(sys.argv[2])
    if jobs == 1:
        for f in files:
            parse(f)
    else:
        files.sort(key=lambda f: -Path(f).stat().st_size)
        with get_context("fork").Pool(jobs) as pool:
            for _ in pool.imap_unordered(parse, files, chunksize=1):
                pass
"""


# -- corpora ---------------------------------------------------------------------------


def _wheel(pattern: str, spec: str) -> Path:
    found = sorted(WHEELS.glob(pattern))
    if not found:
        WHEELS.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", spec, "-d", str(WHEELS)],
                       check=True)
        found = sorted(WHEELS.glob(pattern))
    return found[-1]


def corpus_tv() -> Path:
    target = SCRATCH / "tv"
    if not target.exists():
        staging = SCRATCH / "tv.partial"
        shutil.rmtree(staging, ignore_errors=True)
        for pattern, spec, top in (("torchvision-0.28.0-*.whl", "torchvision==0.28.0", "torchvision/"),
                                   ("timm-*.whl", "timm", "timm/")):
            with zipfile.ZipFile(_wheel(pattern, spec)) as wheel:
                for name in wheel.namelist():
                    if name.startswith(top) and name.endswith(".py"):
                        wheel.extract(name, staging)
        staging.rename(target)
    return target


def corpus_torch() -> Path:
    target = SCRATCH / "torch"
    if not target.exists():
        spec = importlib.util.find_spec("torch")  # finds it without importing it
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("torch is not installed")
        source = Path(list(spec.submodule_search_locations)[0])
        staging = SCRATCH / "torch.partial"
        shutil.rmtree(staging, ignore_errors=True)
        for path in source.rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            destination = staging / "torch" / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
        staging.rename(target)
    return target


def torch_version() -> str:
    spec = importlib.util.find_spec("torch")
    if spec is None:
        return "-"
    version = Path(list(spec.submodule_search_locations)[0]) / "version.py"
    for line in version.read_text().splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("'\"")
    return "?"


def python_files(root: Path) -> list[Path]:
    from tsl.discovery import discover

    return discover([root], root, [])


# -- measuring -------------------------------------------------------------------------


def _tree_rss(pid: int) -> tuple[int, int]:
    """(resident bytes of pid and all its descendants, of the largest of them)."""
    total, largest, stack = 0, 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        resident = int(line.split()[1]) * 1024
                        total += resident
                        largest = max(largest, resident)
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack += [int(c) for c in handle.read().split()]
        except (OSError, ValueError):
            pass
    return total, largest


# What every timed command runs with: Python may cache bytecode (.pyc), as it does in a
# normal install; PYTHONDONTWRITEBYTECODE (set on some CI machines) would make each run
# compile tsl's modules again.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], cwd: Path) -> tuple[float, int, int, float]:
    """(wall seconds, peak RSS of the whole tree, peak RSS of its largest process, CPU seconds).

    CPU seconds (user + system, all processes) hardly depend on what else the machine
    runs; wall seconds do."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=CHILD_ENV)
    peak = [0, 0]

    def sample():
        while process.poll() is None:
            total, largest = _tree_rss(process.pid)
            peak[0], peak[1] = max(peak[0], total), max(peak[1], largest)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {err.decode()[-2000:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    return wall, peak[0], peak[1], cpu


def tsl(*args: str) -> list[str]:
    return [sys.executable, "-m", "tsl", "check", *args, "--format", "json", "--exit-zero"]


def measure(name: str, root: Path, runs: int, jobs: int) -> dict:
    files = python_files(root)
    listing = SCRATCH / f"{name}.files"
    listing.write_text("\n".join(str(f) for f in files))
    floor_script = SCRATCH / "floor.py"
    floor_script.write_text(FLOOR)
    lines = sum(f.read_bytes().count(b"\n") for f in files)
    rows: dict[str, list] = {"floor": [], "cold": [], "warm": [], "one file": []}
    cpu: dict[str, list] = {"floor": [], "cold": []}
    rss, floor_rss = [], []
    for _ in range(runs):
        wall, tree, largest, seconds = timed([sys.executable, str(floor_script), str(listing), str(jobs)], ROOT)
        rows["floor"].append(wall)
        cpu["floor"].append(seconds)
        floor_rss.append((tree, largest))
        wall, tree, largest, seconds = timed(tsl(".", "--no-cache", "--jobs", str(jobs)), root)
        rows["cold"].append(wall)
        cpu["cold"].append(seconds)
        rss.append((tree, largest))
    shutil.rmtree(root / ".tsl_cache", ignore_errors=True)
    timed(tsl(".", "--jobs", str(jobs)), root)  # fills the cache
    for _ in range(runs):
        rows["warm"].append(timed(tsl(".", "--jobs", str(jobs)), root)[0])
        rows["one file"].append(timed(tsl(ONE_FILE[name], "--no-cache", "--jobs", str(jobs)), root)[0])
    medians = {key: statistics.median(values) for key, values in rows.items()}
    return {"name": name, "files": len(files), "lines": lines, "medians": medians, "runs": rows,
            "cpu": {key: statistics.median(values) for key, values in cpu.items()},
            "rss": max(r[0] for r in rss), "rss_largest": max(r[1] for r in rss),
            "floor_rss": max(r[0] for r in floor_rss), "floor_rss_largest": max(r[1] for r in floor_rss)}


def torchfix_time(python: str, root: Path) -> tuple:
    return timed([python, "-m", "torchfix", "--select", "ALL", "."], root)


# -- report ----------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    except (OSError, ValueError, IndexError):
        memory = 0
    return f"{cpu}, {os.cpu_count()} cores, {memory} GiB RAM, {platform.system()} {platform.release()}"


def versions() -> str:
    from importlib.metadata import version

    import tsl

    return (f"Python {platform.python_version()}, LibCST {version('libcst')}, tsl {tsl.__version__}, "
            f"torch sources {torch_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--corpus", default="tv,torch")
    parser.add_argument("--torchfix", metavar="PYTHON", help="a Python with torchfix installed (separate venv)")
    args = parser.parse_args()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    results = []
    for name in args.corpus.split(","):
        root = corpus_tv() if name == "tv" else corpus_torch()
        print(f"measuring {name} ({root}) ...", file=sys.stderr, flush=True)
        before = os.getloadavg()[0]
        results.append(measure(name, root, args.runs, args.jobs))
        results[-1]["load"] = (before, os.getloadavg()[0])
        if name == "tv" and args.torchfix:
            results[-1]["torchfix"] = torchfix_time(args.torchfix, root)[0]
    print(f"Machine: {machine()}")
    print(f"Versions: {versions()}")
    print(f"Medians of {args.runs} runs, {args.jobs} processes; ratios against the floor of the same run.")
    print("Load average (1 min) before/after each corpus: "
          + ", ".join(f"{r['name']} {r['load'][0]:.1f}/{r['load'][1]:.1f}" for r in results) + "\n")
    header = ("| corpus | files | lines | floor: parse only | cold | cold CPU | warm | one file "
              "| peak RSS cold (tree / largest) | peak RSS floor |"
              + (" torchfix |" if any("torchfix" in r for r in results) else ""))
    print(header)
    print("|" + " --- |" * (header.count("|") - 1))
    for r in results:
        m, c = r["medians"], r["cpu"]
        floor = m["floor"]
        cells = [
            r["name"], str(r["files"]), f"{r['lines']:,}", f"{floor:.1f} s ({c['floor']:.0f} CPU-s)",
            f"{m['cold']:.1f} s ({m['cold'] / floor:.2f}×)", f"{c['cold']:.0f} CPU-s ({c['cold'] / c['floor']:.2f}×)",
            f"{m['warm']:.2f} s", f"{m['one file']:.2f} s",
            f"{r['rss'] / 2**20:.0f} MB / {r['rss_largest'] / 2**20:.0f} MB",
            f"{r['floor_rss'] / 2**20:.0f} MB / {r['floor_rss_largest'] / 2**20:.0f} MB",
        ]
        if "torchfix" in r:
            cells.append(f"{r['torchfix']:.0f} s ({r['torchfix'] / floor:.1f}×)")
        print("| " + " | ".join(cells) + " |")
    print("\nAll runs (s):")
    for r in results:
        for key, values in r["runs"].items():
            print(f"  {r['name']:6s} {key:9s} " + " ".join(f"{v:.2f}" for v in values))


if __name__ == "__main__":
    main()
