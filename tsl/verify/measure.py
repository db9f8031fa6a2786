"""Timing and numeric parity (imports torch: used only in the verify child and bench/)."""
from __future__ import annotations

import math
import statistics
import time
from typing import Callable, Optional

import torch

# dtype -> (rtol, atol) for allclose; integers and bools must match exactly.
TOLERANCES = {
    torch.float64: (1e-7, 1e-7),
    torch.float32: (1e-4, 1e-5),
    torch.float16: (1e-2, 1e-3),
    torch.bfloat16: (1.6e-2, 1e-2),
    torch.complex64: (1e-4, 1e-5),
    torch.complex128: (1e-7, 1e-7),
}
# optimize_for_inference folds batch norm into convolutions and may switch to
# MKLDNN kernels, which reorders float arithmetic: it gets a looser tolerance.
OPTIMIZED_TOLERANCES = {
    torch.float32: (1e-3, 1e-4),
    torch.complex64: (1e-3, 1e-4),
}


def leaves(value) -> list:
    """The tensors and plain values of a nested output, in a stable order."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in leaves(item)]
    if isinstance(value, dict):
        return [leaf for key in sorted(value, key=str) for leaf in leaves(value[key])]
    return [value]


def to_device(value, device):
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, tuple):
        return tuple(to_device(v, device) for v in value)
    if isinstance(value, list):
        return [to_device(v, device) for v in value]
    if isinstance(value, dict):
        return {k: to_device(v, device) for k, v in value.items()}
    return value


def compare(expected, actual, optimized: bool = False) -> dict:
    """Parity of actual against expected: max abs/rel diff and a dtype-aware allclose."""
    want, got = leaves(expected), leaves(actual)
    result = {"ok": True, "max_abs_diff": 0.0, "max_rel_diff": 0.0, "tensors": 0, "detail": None}
    if len(want) != len(got):
        return {**result, "ok": False, "detail": f"{len(got)} outputs, eager gave {len(want)}"}
    for index, (a, b) in enumerate(zip(want, got)):
        if isinstance(a, torch.Tensor) != isinstance(b, torch.Tensor):
            return {**result, "ok": False, "detail": f"output {index}: {type(b).__name__}, eager gave {type(a).__name__}"}
        if not isinstance(a, torch.Tensor):
            if a != b:
                return {**result, "ok": False, "detail": f"output {index}: {b!r}, eager gave {a!r}"}
            continue
        result["tensors"] += 1
        if a.is_mkldnn:
            a = a.to_dense()
        if b.is_mkldnn:
            b = b.to_dense()
        if a.shape != b.shape:
            return {**result, "ok": False, "detail": f"output {index}: shape {tuple(b.shape)}, eager gave {tuple(a.shape)}"}
        if a.dtype != b.dtype:
            return {**result, "ok": False, "detail": f"output {index}: dtype {b.dtype}, eager gave {a.dtype}"}
        if a.numel() == 0:
            continue
        a, b = a.detach().cpu(), b.detach().cpu()
        if a.dtype.is_floating_point or a.dtype.is_complex:
            rtol, atol = (OPTIMIZED_TOLERANCES if optimized else {}).get(a.dtype) or TOLERANCES.get(a.dtype, (1e-5, 1e-8))
            wide = torch.complex128 if a.dtype.is_complex else torch.float64
            diff = (a.to(wide) - b.to(wide)).abs()
            finite = torch.isfinite(diff)
            max_abs = float(diff[finite].max()) if bool(finite.any()) else 0.0
            scale = a.to(wide).abs()
            # relative to eager, where eager is not ~0 (below atol the absolute diff is what counts)
            significant = finite & (scale > atol)
            rel = diff[significant] / scale[significant]
            max_rel = float(rel.max()) if rel.numel() else 0.0
            close = bool(torch.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
            result["rtol"], result["atol"] = rtol, atol
        else:
            diff = (a.to(torch.float64) - b.to(torch.float64)).abs() if a.dtype != torch.bool else (a != b).double()
            max_abs = float(diff.max())
            max_rel = max_abs
            close = bool(torch.equal(a, b))
        result["max_abs_diff"] = max(result["max_abs_diff"], max_abs)
        result["max_rel_diff"] = max(result["max_rel_diff"], max_rel)
        if not close and result["ok"]:
            result["ok"] = False
            result["detail"] = f"output {index} differs (max abs diff {max_abs:.3g}, max rel diff {max_rel:.3g})"
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(samples_s: list[float]) -> dict:
    ms = [s * 1000.0 for s in samples_s]
    return {
        "median_ms": round(statistics.median(ms), 4),
        "p10_ms": round(percentile(ms, 0.10), 4),
        "p90_ms": round(percentile(ms, 0.90), 4),
        "mean_ms": round(statistics.fmean(ms), 4),
        "runs": len(ms),
    }


class Timer:
    """Wall time of one call; on CUDA, CUDA events around the call and a synchronize."""

    def __init__(self, device: torch.device):
        self.cuda = device.type == "cuda"

    def __call__(self, fn: Callable[[], object]) -> float:
        if self.cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize()
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            return start.elapsed_time(end) / 1000.0
        begin = time.perf_counter()
        fn()
        return time.perf_counter() - begin


def time_variants(variants: dict[str, Callable[[], object]], device: torch.device, warmup: int = 3,
                  budget: float = 2.0, min_runs: int = 5, max_runs: int = 1000,
                  on_round: Optional[Callable[[int], None]] = None) -> dict[str, dict]:
    """Warm each variant up, then time them round-robin so drift hits all alike.

    Timed rounds go on until every variant has min_runs and the budget (seconds
    per variant) is spent, or max_runs is reached. A variant that raises is
    dropped with its error. Runs happen under torch.inference_mode().
    """
    timer = Timer(device)
    samples: dict[str, list[float]] = {name: [] for name in variants}
    errors: dict[str, str] = {}
    with torch.inference_mode():
        for name, fn in variants.items():
            try:
                for _ in range(max(warmup, 3)):
                    timer(fn)
            except Exception as exc:  # noqa: BLE001 - user code
                errors[name] = f"{type(exc).__name__}: {exc}"
        live = [name for name in variants if name not in errors]
        spent = 0.0
        rounds = 0
        while live and rounds < max_runs and (rounds < min_runs or spent < budget * len(live)):
            for name in list(live):
                try:
                    elapsed = timer(variants[name])
                except Exception as exc:  # noqa: BLE001
                    errors[name] = f"{type(exc).__name__}: {exc}"
                    live.remove(name)
                    continue
                samples[name].append(elapsed)
                spent += elapsed
            rounds += 1
            if on_round:
                on_round(rounds)
    result = {}
    for name in variants:
        if name in errors:
            result[name] = {"error": errors[name]}
        elif samples[name]:
            result[name] = summarize(samples[name])
    return result
