"""The verify child: `python -m tsl.verify.worker [--probe]`, a job as JSON on stdin.

It imports one user file and, for each target in it, builds it, scripts it,
round-trips it through jit.save/load, freezes and optimizes it, then (with
example inputs) checks parity and times eager, scripted and optimized runs,
and tries torch.export. Events go back as JSON lines on the original stdout;
anything the user's code prints goes to stderr instead. The parent
(runner.py) enforces the time limit and survives this process dying.
"""
from __future__ import annotations

import importlib
import importlib.util
import io
import json
import os
import platform
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Callable, Optional

SCRIPT_DEPRECATION = "torch.jit.script"  # text of the 2.13+ DeprecationWarning
MAX_ERROR = 4000


class Channel:
    """JSON lines on a private copy of stdout; fd 1 itself is pointed at stderr."""

    def __init__(self) -> None:
        sys.stdout.flush()
        self.stream = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
        os.dup2(2, 1)

    def emit(self, **event) -> None:
        self.stream.write(json.dumps(event, default=str) + "\n")
        self.stream.flush()


def _clip(text: str, limit: int = MAX_ERROR) -> str:
    return text if len(text) <= limit else text[:limit] + "\n…"


def _error(exc: BaseException) -> dict:
    return {"exception": type(exc).__name__, "error": _clip(str(exc)), "traceback": _clip(_user_traceback(exc))}


def _user_traceback(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    here = str(Path(__file__).resolve().parent)
    kept = [f for f in frames if not f.filename.startswith(here)]
    return "".join(traceback.format_list(kept[-6:]))


# -- environment ------------------------------------------------------------
def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


def torchscript_refusal() -> Optional[str]:
    """None when torch.jit.script works; otherwise the error a trivial function gets.

    torch 2.13 deprecates TorchScript with a warning on every script call; a
    later torch may refuse it outright. Any failure to script this function
    means the installed torch refuses TorchScript.
    """
    import torch

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scripted = torch.jit.script(_trivial)
        if int(scripted(torch.ones(1)).item()) != 2:
            return "torch.jit.script returned a function that computes the wrong result"
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    return None


def _trivial(x):  # an unannotated parameter is a Tensor to TorchScript
    return x + 1


def environment(device_text: str) -> dict:
    import torch

    env = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "cuda_available": torch.cuda.is_available(),
        "cuda_devices": torch.cuda.device_count() if torch.cuda.is_available() else 0,
        "cuda_version": torch.version.cuda,
        "requested_device": device_text,
        "device": device_text,
        "device_name": _cpu_name(),
        "device_error": None,
    }
    try:
        device = torch.device(device_text)
    except (RuntimeError, ValueError) as exc:
        env["device_error"] = f"bad device {device_text!r}: {exc}"
        return env
    if device.type == "cuda":
        if not torch.cuda.is_available():
            env["device_error"] = (f"--device {device_text}: this torch ({torch.__version__}) has no usable CUDA "
                                   f"(torch.version.cuda={torch.version.cuda}); use --device cpu")
            return env
        index = device.index if device.index is not None else torch.cuda.current_device()
        if index >= torch.cuda.device_count():
            env["device_error"] = (f"--device {device_text}: there are {torch.cuda.device_count()} CUDA device(s) "
                                   f"(0..{torch.cuda.device_count() - 1})")
            return env
        env["device"] = f"cuda:{index}"
        env["device_name"] = torch.cuda.get_device_name(index)
    refusal = torchscript_refusal()
    env["torchscript"] = {"available": refusal is None, "error": refusal}
    return env


# -- import -----------------------------------------------------------------
class ImportScriptRecorder:
    """Wraps torch.jit.script while user modules import.

    A module-level `@torch.jit.script` that fails would make the whole import
    fail; instead the failure is recorded, the original object is returned and
    the import goes on, so the target is reported with the compiler's error.
    """

    def __init__(self) -> None:
        import torch

        self.real = torch.jit.script
        self.failures: dict[int, tuple[object, BaseException]] = {}
        self.originals: dict[int, tuple[object, object]] = {}  # id(scripted) -> (scripted, original)
        self.warnings: list[str] = []
        self.importing = False

    def install(self) -> None:
        import torch

        real, recorder = self.real, self

        def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    result = real(obj, optimize, _frames_up + 1, _rcb, example_inputs)
                except Exception as exc:  # noqa: BLE001
                    if not recorder.importing:
                        raise
                    recorder.failures[id(obj)] = (obj, exc)
                    return obj
                finally:
                    recorder.note(caught)
            recorder.originals[id(result)] = (result, obj)
            return result

        script.__doc__ = real.__doc__
        torch.jit.script = script

    def note(self, caught) -> None:
        for item in caught:
            text = str(item.message)
            if issubclass(item.category, DeprecationWarning) and SCRIPT_DEPRECATION in text:
                if text not in self.warnings:
                    self.warnings.append(text)
            else:
                warnings.showwarning(item.message, item.category, item.filename, item.lineno)

    def script(self, obj):
        """The real torch.jit.script, its deprecation warning recorded rather than printed."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return self.real(obj)
            finally:
                self.note(caught)


def resolve(reference, module, where: str):
    """A callable or object from "pkg.mod:attr.sub", or "attr" in the target's own module."""
    if callable(reference) or not isinstance(reference, str):
        return reference
    module_name, _, attribute = reference.rpartition(":")
    owner = importlib.import_module(module_name) if module_name else module
    value = owner
    for part in attribute.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise LookupError(f"{where}: {reference!r}: {getattr(owner, '__name__', owner)} has no attribute "
                              f"{attribute!r}") from None
    return value


def merged_settings(job_settings: Optional[dict], local: object, name: str) -> tuple[dict, Optional[str]]:
    """pyproject settings win over the module's own TSL_VERIFY entry."""
    settings: dict = {}
    problem = None
    if isinstance(local, dict) and isinstance(local.get(name), dict):
        entry = local[name]
        unknown = sorted(set(entry) - {"factory", "args", "kwargs", "inputs", "skip"})
        if unknown:
            problem = f"TSL_VERIFY[{name!r}]: unknown key(s) {', '.join(unknown)}"
        settings.update({k: v for k, v in entry.items() if k not in unknown})
    if job_settings:
        explicit = {k: v for k, v in job_settings.items() if v not in (None, [], {}, False)}
        if "factory" in explicit or "args" in explicit or "kwargs" in explicit:
            for key in ("factory", "args", "kwargs"):
                settings.pop(key, None)
        settings.update(explicit)
    return settings, problem


# -- one target -------------------------------------------------------------
class Context:
    def __init__(self, job: dict, recorder: ImportScriptRecorder, refusal: Optional[str]):
        import torch

        self.job = job
        self.recorder = recorder
        self.refusal = refusal
        self.device = torch.device(job.get("device_resolved") or job.get("device") or "cpu")
        timing = job.get("timing", {})
        self.warmup = int(timing.get("warmup", 3))
        self.budget = float(timing.get("budget_s", 2.0))
        self.min_runs = int(timing.get("min_runs", 5))
        self.max_runs = int(timing.get("max_runs", 1000))
        self.seed = int(timing.get("seed", 0))
        self.compile = bool(job.get("compile"))
        self.export = job.get("export", True)


def _run_step(steps: dict, name: str, fn: Callable[[], object]):
    begin = time.perf_counter()
    try:
        value = fn()
    except Exception as exc:  # noqa: BLE001 - user code
        steps[name] = {"status": "failed", "seconds": round(time.perf_counter() - begin, 4), **_error(exc)}
        return None
    steps[name] = {"status": "ok", "seconds": round(time.perf_counter() - begin, 4)}
    return value


def _skip(steps: dict, name: str, reason: str, status: str = "skipped") -> None:
    steps[name] = {"status": status, "reason": reason}


def build_inputs(spec, module, ctx: Context):
    """(args, kwargs, description) from a "module:callable" or a list of specs."""
    import torch

    from tsl.verify.specs import TensorSpec, parse_specs

    generator = torch.Generator().manual_seed(ctx.seed)
    if isinstance(spec, (list, tuple)) and not callable(spec):
        values = []
        for item in parse_specs(list(spec)):
            if not isinstance(item, TensorSpec):
                values.append(item)
                continue
            dtype = getattr(torch, item.dtype)
            if dtype == torch.bool:
                tensor = torch.randint(0, 2, item.shape, generator=generator).to(torch.bool)
            elif dtype.is_floating_point or dtype.is_complex:
                if item.low is not None:
                    tensor = torch.rand(item.shape, generator=generator, dtype=torch.float64)
                    tensor = (tensor * (item.high - item.low) + item.low).to(dtype)
                else:
                    tensor = torch.randn(item.shape, generator=generator, dtype=torch.float64).to(dtype)
            else:
                low = int(item.low) if item.low is not None else 0
                high = int(item.high) if item.high is not None else 10
                tensor = torch.randint(low, high, item.shape, generator=generator, dtype=dtype)
            values.append(tensor)
        description = ", ".join(str(s) if not isinstance(s, (int, float, bool)) else repr(s) for s in parse_specs(list(spec)))
        return tuple(values), {}, description
    factory = resolve(spec, module, "inputs")
    torch.manual_seed(ctx.seed)
    value = factory() if callable(factory) else factory
    name = spec if isinstance(spec, str) else getattr(spec, "__qualname__", "callable")
    if isinstance(value, dict):
        return (), dict(value), f"{name}()"
    if isinstance(value, list):
        value = tuple(value)
    if not isinstance(value, tuple):
        value = (value,)
    return value, {}, f"{name}()"


def _shapes(args, kwargs) -> list[str]:
    import torch

    described = []
    for value in list(args) + [kwargs[k] for k in sorted(kwargs)]:
        if isinstance(value, torch.Tensor):
            described.append(f"{str(value.dtype).replace('torch.', '')}[{','.join(map(str, value.shape))}]")
        else:
            described.append(type(value).__name__)
    return described


def _build(obj, kind: str, settings: dict, module, ctx: Context):
    import torch

    torch.manual_seed(ctx.seed)
    if kind == "function":
        return obj, "function"
    if settings.get("factory"):
        factory = resolve(settings["factory"], module, "factory")
        built = factory()
        via = f"factory {settings['factory'] if isinstance(settings['factory'], str) else getattr(factory, '__qualname__', 'callable')}"
    else:
        args, kwargs = settings.get("args") or [], settings.get("kwargs") or {}
        built = obj(*args, **kwargs)
        via = "args" if args or kwargs else "no arguments"
    if not isinstance(built, torch.nn.Module):
        raise TypeError(f"the factory returned {type(built).__name__}, not an nn.Module")
    return built.eval(), via


class _FunctionModule:
    """Wraps a plain function as an nn.Module for torch.export / torch.compile."""

    @staticmethod
    def wrap(fn):
        import torch

        class Wrapped(torch.nn.Module):
            def forward(self, *args, **kwargs):
                return fn(*args, **kwargs)

        return Wrapped()


def _has_forward(scripted) -> bool:
    try:
        return bool(scripted._c._has_method("forward"))
    except Exception:  # noqa: BLE001 - a private API: assume it has one
        return True


def verify_target(module, target: dict, ctx: Context) -> dict:
    import torch

    from tsl.verify.measure import compare, time_variants, to_device

    name, kind = target["name"], target["kind"]
    result: dict = {"name": name, "kind": kind, "steps": {}, "inputs": None, "parity": {}, "timing": {},
                    "settings_problem": None}
    steps = result["steps"]
    settings, problem = merged_settings(target.get("settings"), getattr(module, "TSL_VERIFY", None), name)
    result["settings_problem"] = problem
    if settings.get("skip"):
        _skip(steps, "build", "skip = true in the verify settings")
        result["skipped"] = True
        return result

    # 1. build, eval()
    try:
        obj = resolve(name, module, "target")
    except LookupError as exc:
        steps["build"] = {"status": "failed", **_error(exc)}
        return result
    scripted_at_import = None
    if kind == "function":
        original = ctx.recorder.originals.get(id(obj))
        if original is not None and original[0] is obj:
            scripted_at_import, obj = obj, original[1]
        elif isinstance(obj, torch.jit.ScriptFunction):
            scripted_at_import = obj
    begin = time.perf_counter()
    try:
        model, via = _build(obj, kind, settings, module, ctx)
        model = model.to(ctx.device) if isinstance(model, torch.nn.Module) else model
    except Exception as exc:  # noqa: BLE001
        steps["build"] = {"status": "failed", "seconds": round(time.perf_counter() - begin, 4), **_error(exc)}
        if kind == "module" and not settings.get("factory") and not settings.get("args") and not settings.get("kwargs") \
                and isinstance(exc, TypeError):
            steps["build"]["reason"] = "needs constructor arguments"
        return result
    steps["build"] = {"status": "ok", "seconds": round(time.perf_counter() - begin, 4), "via": via}

    # 2. torch.jit.script
    scripted = None
    if ctx.refusal:
        _skip(steps, "script", ctx.refusal, status="refused")
    elif scripted_at_import is not None:
        scripted = scripted_at_import
        steps["script"] = {"status": "ok", "seconds": 0.0, "note": "scripted when its module was imported"}
    elif kind == "function" and id(obj) in ctx.recorder.failures:
        exc = ctx.recorder.failures[id(obj)][1]
        steps["script"] = {"status": "failed", "seconds": 0.0, "note": "failed when its module was imported",
                           **_error(exc)}
    else:
        scripted = _run_step(steps, "script", lambda: ctx.recorder.script(model))

    # 4. save/load, 5. freeze, optimize_for_inference
    loaded = frozen = optimized = None
    if scripted is None:
        reason = "TorchScript unavailable" if ctx.refusal else "torch.jit.script failed"
        for step in ("save_load", "freeze", "optimize"):
            _skip(steps, step, reason)
    else:
        def round_trip():
            buffer = io.BytesIO()
            torch.jit.save(scripted, buffer)
            buffer.seek(0)
            return torch.jit.load(buffer, map_location=ctx.device)

        loaded = _run_step(steps, "save_load", round_trip)
        if kind == "function":
            _skip(steps, "freeze", "functions are not frozen", status="n/a")
            _skip(steps, "optimize", "functions are not optimized", status="n/a")
        elif not _has_forward(scripted):
            _skip(steps, "freeze", "no forward method: nothing to run", status="n/a")
            _skip(steps, "optimize", "no forward method: nothing to run", status="n/a")
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frozen = _run_step(steps, "freeze", lambda: torch.jit.freeze(scripted))
                if frozen is None:
                    _skip(steps, "optimize", "freeze failed")
                else:
                    optimized = _run_step(steps, "optimize", lambda: torch.jit.optimize_for_inference(frozen))

    # 6. inputs, parity, timing
    spec = settings.get("inputs")
    if spec is None:
        reason = "no example inputs (give `inputs` in [tool.tsl.verify] or TSL_VERIFY)"
        result["inputs"] = {"status": "skipped", "reason": reason}
        result["timing"] = {"skipped": reason}
        _skip(steps, "export", reason)
        if ctx.compile:
            _skip(steps, "compile", reason)
        return result
    begin = time.perf_counter()
    try:
        args, kwargs, description = build_inputs(spec, module, ctx)
        args, kwargs = to_device(args, ctx.device), to_device(kwargs, ctx.device)
    except Exception as exc:  # noqa: BLE001
        result["inputs"] = {"status": "failed", "source": str(spec), **_error(exc)}
        result["timing"] = {"skipped": "the example inputs could not be built"}
        _skip(steps, "export", "no example inputs")
        return result
    result["inputs"] = {"status": "ok", "source": description, "shapes": _shapes(args, kwargs),
                        "seconds": round(time.perf_counter() - begin, 4)}

    eager = model
    begin = time.perf_counter()
    try:
        with torch.inference_mode():
            expected = eager(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        result["inputs"].update({"status": "failed", "stage": "eager", **_error(exc)})
        result["timing"] = {"skipped": "the eager model raised on the example inputs"}
        _skip(steps, "export", "the eager model raised on the example inputs")
        return result
    result["inputs"]["eager_seconds"] = round(time.perf_counter() - begin, 4)

    variants: dict[str, Callable[[], object]] = {"eager": lambda: eager(*args, **kwargs)}
    for label, candidate in (("script", scripted), ("optimized", optimized)):
        if candidate is None:
            continue
        try:
            with torch.inference_mode():
                actual = candidate(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            result["parity"][label] = {"ok": False, "status": "failed", **_error(exc)}
            continue
        parity = compare(expected, actual, optimized=label == "optimized")
        result["parity"][label] = {"status": "ok" if parity["ok"] else "mismatch", **parity}
        variants[label] = (lambda c: (lambda: c(*args, **kwargs)))(candidate)

    if ctx.compile:
        def compiled_model():
            torch._dynamo.reset()
            return torch.compile(eager if kind == "module" else _FunctionModule.wrap(eager))

        compiled = _run_step(steps, "compile", compiled_model)
        if compiled is not None:
            try:
                with torch.inference_mode():
                    actual = compiled(*args, **kwargs)
                parity = compare(expected, actual, optimized=True)
                result["parity"]["compile"] = {"status": "ok" if parity["ok"] else "mismatch", **parity}
                variants["compile"] = lambda: compiled(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                steps["compile"] = {"status": "failed", **_error(exc)}

    timing = time_variants(variants, ctx.device, warmup=ctx.warmup, budget=ctx.budget, min_runs=ctx.min_runs,
                           max_runs=ctx.max_runs)
    eager_median = timing.get("eager", {}).get("median_ms")
    for label, numbers in timing.items():
        if label != "eager" and eager_median and numbers.get("median_ms"):
            numbers["speedup"] = round(eager_median / numbers["median_ms"], 4)
    result["timing"] = timing

    # 7. torch.export
    if ctx.export:
        def export():
            target_module = eager if kind == "module" else _FunctionModule.wrap(eager)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return torch.export.export(target_module, tuple(args), kwargs=kwargs or None)

        _run_step(steps, "export", export)
    return result


# -- main -------------------------------------------------------------------
def _import(job: dict):
    for root in reversed(job.get("sys_path", [])):
        if root not in sys.path:
            sys.path.insert(0, root)
    name = job.get("module")
    path = Path(job["file"]).resolve()
    if name:
        module = importlib.import_module(name)
    else:  # pragma: no cover - a file outside any importable folder
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
    found = getattr(module, "__file__", None)
    if found and Path(found).resolve() != path:
        raise ImportError(f"`import {name}` found {found}, not {path}: another module of that name shadows it "
                          "(set `paths` in [tool.tsl.verify])")
    return module


def run_job(job: dict, channel: Channel) -> None:
    import torch

    env = environment(job.get("device", "cpu"))
    channel.emit(event="ready", environment=env)
    if env.get("device_error"):
        return
    job["device_resolved"] = env["device"]
    refusal = None if env["torchscript"]["available"] else env["torchscript"]["error"]
    recorder = ImportScriptRecorder()
    recorder.install()
    ctx = Context(job, recorder, refusal)
    torch.set_grad_enabled(False)
    recorder.importing = True
    try:
        module = _import(job)
    except BaseException as exc:  # noqa: BLE001 - SystemExit from user code too
        if isinstance(exc, KeyboardInterrupt):
            raise
        channel.emit(event="import-error", **_error(exc))
        return
    finally:
        recorder.importing = False
    channel.emit(event="imported", warnings=recorder.warnings)
    for target in job["targets"]:
        channel.emit(event="start", target=target["name"])
        try:
            result = verify_target(module, target, ctx)
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, KeyboardInterrupt):
                raise
            result = {"name": target["name"], "kind": target["kind"], "steps": {}, "crash": _error(exc)}
        result["warnings"] = list(recorder.warnings)
        channel.emit(event="result", target=target["name"], result=result)
    channel.emit(event="done")


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    channel = Channel()
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
    if "--probe" in argv:
        device = argv[argv.index("--device") + 1] if "--device" in argv else "cpu"
        try:
            channel.emit(event="ready", environment=environment(device))
        except ImportError as exc:
            channel.emit(event="no-torch", error=str(exc))
        return 0
    job = json.loads(sys.stdin.read())
    try:
        run_job(job, channel)
    except ImportError as exc:
        if getattr(exc, "name", None) == "torch":
            channel.emit(event="no-torch", error=str(exc))
            return 0
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
