"""The seed's claim, measured: does scripting make ResNet-50 inference 20-40% faster?

Runs examples/resnet.py:ResNet50 through the same child process and code as
`tsl check --verify` (tsl.verify.worker.verify_target): build, eval(),
torch.jit.script, freeze + optimize_for_inference, parity, then eager, scripted
and optimized timed round-robin under torch.inference_mode() after warm-up runs.

    python bench/seed_claim.py                      # batch 32, CPU
    python bench/seed_claim.py --batch 8 --runs 10
    python bench/seed_claim.py --device cuda        # where a GPU is lent
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tsl.verify.runner import VerifyError, verify_one  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--size", type=int, default=224, help="image height and width")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per variant")
    parser.add_argument("--timeout", type=float, default=3000.0, help="seconds for the whole target")
    parser.add_argument("--json", type=Path, help="also write the full record here")
    args = parser.parse_args(argv)

    spec = f"float32[{args.batch},3,{args.size},{args.size}]"
    timing = {"budget_s": 0.0, "warmup": args.warmup, "min_runs": args.runs, "max_runs": args.runs, "seed": 0}
    try:
        record = verify_one(REPO / "examples" / "resnet.py", "ResNet50", settings={"inputs": [spec]},
                            device=args.device, timing=timing, timeout=args.timeout, export=False, cwd=REPO)
    except VerifyError as exc:
        print(f"seed_claim: {exc}", file=sys.stderr)
        return 2
    env = record["environment"]
    steps = record["steps"]
    print(f"ResNet-50 (examples/resnet.py), input {spec}, device {env['device']} ({env['device_name']}), "
          f"torch {env['torch']}, {env['threads']} threads, median of {args.runs} after {args.warmup} warm-ups")
    failed = [name for name in ("build", "script", "freeze", "optimize") if steps.get(name, {}).get("status") != "ok"]
    if failed:
        print(f"steps that did not pass: {', '.join(failed)}")
    timing = record.get("timing", {})
    eager = timing.get("eager", {}).get("median_ms")
    print(f"{'variant':<26}{'median ms':>12}{'p10 ms':>12}{'p90 ms':>12}{'vs eager':>10}")
    for key, label in (("eager", "eager"), ("script", "torch.jit.script"),
                       ("optimized", "optimize_for_inference")):
        numbers = timing.get(key)
        if not numbers or "median_ms" not in numbers:
            print(f"{label:<26}{'-':>12}  {numbers.get('error', '') if numbers else ''}")
            continue
        ratio = eager / numbers["median_ms"] if eager else float("nan")
        print(f"{label:<26}{numbers['median_ms']:>12.1f}{numbers['p10_ms']:>12.1f}{numbers['p90_ms']:>12.1f}"
              f"{ratio:>9.2f}×")
    for key in ("script", "optimized"):
        parity = record.get("parity", {}).get(key)
        if parity:
            print(f"parity {key}: {parity['status']} (max abs diff {parity['max_abs_diff']:.2e})")
    if args.json:
        args.json.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
