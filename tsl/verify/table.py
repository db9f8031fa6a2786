"""The verify results as rich renderables: one row per target, then notes."""
from __future__ import annotations

from rich.table import Table
from rich.text import Text

STEP_COLUMNS = (("script", "script"), ("save_load", "save/load"), ("freeze", "freeze"), ("optimize", "optimize"),
                ("export", "export"))
STYLES = {"ok": "green", "FAIL": "bold red", "refused": "yellow", "mismatch": "bold red", "error": "bold red"}


def _cell(status) -> Text:
    label = {"ok": "ok", "failed": "FAIL", "skipped": "–", "n/a": "n/a", "refused": "refused",
             "mismatch": "mismatch", None: "–"}.get(status, str(status))
    return Text(label, style=STYLES.get(label, "dim"))


def _ms(numbers: dict | None) -> str:
    if not numbers or "median_ms" not in numbers:
        return "–"
    value = numbers["median_ms"]
    return f"{value:.3g}" if value < 10 else f"{value:.1f}"


def _speedup(numbers: dict | None) -> Text:
    if not numbers or "speedup" not in numbers:
        return Text("–", style="dim")
    value = numbers["speedup"]
    return Text(f"{value:.2f}×", style="green" if value >= 1.0 else "yellow")


def _parity(record: dict) -> Text:
    parity = record.get("parity") or {}
    if not parity:
        return _cell(None)
    bad = [p for p in parity.values() if p.get("status") != "ok"]
    if bad:
        return _cell("error" if any(p.get("status") == "failed" for p in bad) else "mismatch")
    worst = max(p.get("max_abs_diff", 0.0) for p in parity.values())
    return Text(f"ok ({worst:.1e})" if worst else "ok (exact)", style="green")


def render(report: dict) -> list:
    out: list = [Text("")]
    env = report.get("environment", {})
    settings = report.get("settings", {})
    out.append(Text.assemble(
        ("Verified with the compiler: ", "bold"),
        f"torch {env.get('torch')} on {env.get('device')} ({env.get('device_name')}), "
        f"{env.get('threads')} thread(s); timings are medians after {settings.get('warmup')} warm-up runs, "
        f"about {settings.get('budget_s')} s per variant"))
    compile_column = bool(settings.get("compile"))
    table = Table(show_lines=False, pad_edge=False)
    table.add_column("target", overflow="fold")
    for _, title in STEP_COLUMNS:
        table.add_column(title)
    if compile_column:
        table.add_column("compile")
    table.add_column("parity")
    for title in ("eager ms", "script ms", "opt ms") + (("compile ms",) if compile_column else ()):
        table.add_column(title, justify="right")
    for title in ("script×", "opt×") + (("compile×",) if compile_column else ()):
        table.add_column(title, justify="right")
    skipped: dict[str, list[str]] = {}
    for record in report.get("targets", []):
        steps = record.get("steps", {})
        label = f"{record['path']}::{record['name']}"
        status = record.get("status")
        if status in ("not verified", "skipped"):
            cells = [Text(status, style="yellow" if status == "skipped" else "bold red")]
            cells += [Text("")] * (len(STEP_COLUMNS) - 1 + (1 if compile_column else 0) + 1 + 3
                                   + (1 if compile_column else 0) + 2 + (1 if compile_column else 0))
            table.add_row(label, *cells)
            continue
        timing = record.get("timing") or {}
        row = [label] + [_cell(steps.get(step, {}).get("status")) for step, _ in STEP_COLUMNS]
        if compile_column:
            row.append(_cell(steps.get("compile", {}).get("status")))
        row.append(_parity(record))
        row += [_ms(timing.get("eager")), _ms(timing.get("script")), _ms(timing.get("optimized"))]
        if compile_column:
            row.append(_ms(timing.get("compile")))
        row += [_speedup(timing.get("script")), _speedup(timing.get("optimized"))]
        if compile_column:
            row.append(_speedup(timing.get("compile")))
        table.add_row(*row)
        if timing.get("skipped"):
            skipped.setdefault(timing["skipped"], []).append(record["name"])
    out.append(table)
    for reason, names in skipped.items():
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        out.append(Text(f"Timing skipped for {shown}: {reason}", style="dim"))
    torchscript = report.get("torchscript", {})
    if not torchscript.get("available", True):
        out.append(Text(f"torch {env.get('torch')} refuses TorchScript ({torchscript.get('error')}); "
                        "static findings stand and torch.export was still tried.", style="bold yellow"))
    summary = report.get("summary", {})
    out.append(Text(
        f"{summary.get('scripted', 0)} of {summary.get('targets', 0)} target(s) scripted, "
        f"{summary.get('script_failed', 0)} failed, {summary.get('not_verified', 0)} not verified; "
        f"{summary.get('not_confirmed', 0)} static error(s) not confirmed by the compiler.", style="bold"))
    missed = report.get("missed", [])
    if missed:
        out.append(Text(f"Missed by static analysis ({len(missed)}), please report to tsl:", style="bold red"))
        for item in missed:
            out.append(Text(f"  {item['path']}:{item['line']}:{item['column']}: {item['message']} "
                            f"[{', '.join(item['targets'])}]"))
    return out
