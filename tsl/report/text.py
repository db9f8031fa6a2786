"""Human output: a code frame with a caret, the chain that compiles it, and a hint."""
from __future__ import annotations

from collections import Counter

from rich.text import Text

from tsl.finding import ERROR, Finding

MAX_CHAINS = 3


def _frame(finding: Finding, lines: list[str]) -> list[Text]:
    if not (1 <= finding.line <= len(lines)):
        return []
    source = lines[finding.line - 1].rstrip("\n").expandtabs(1)
    gutter = str(finding.line)
    pad = " " * len(gutter)
    start = max(finding.column - 1, 0)
    end = finding.end_column - 1 if finding.end_line == finding.line else len(source)
    width = max(end - start, 1)
    return [
        Text(f" {pad} |", style="blue"),
        Text.assemble((f" {gutter} | ", "blue"), source),
        Text.assemble((f" {pad} | ", "blue"), (" " * start + "^" * width, "bold red")),
    ]


def render_finding(finding: Finding, lines: list[str]) -> list[Text]:
    color = "red" if finding.severity == ERROR else "yellow"
    out = [
        Text.assemble(
            (f"{finding.path}:{finding.line}:{finding.column}: ", "bold"),
            (finding.code, f"bold {color}"),
            " ",
            (f"[{finding.severity}]", color),
            f" {finding.message}",
        )
    ]
    out += _frame(finding, lines)
    targets = finding.targets
    for chain in targets[:MAX_CHAINS]:
        out.append(Text.assemble(("   = compiled via: ", "cyan"), chain))
    if len(targets) > MAX_CHAINS:
        out.append(Text(f"   = ... and {len(targets) - MAX_CHAINS} more entry points", style="cyan"))
    if finding.hint:
        out.append(Text.assemble(("   = hint: ", "green"), finding.hint))
    return out


def render(result, sources: dict[str, list[str]], quiet: bool = False, statistics: bool = False) -> list[Text]:
    out: list[Text] = []
    if not quiet:
        for finding in result.findings:
            out += render_finding(finding, sources.get(finding.path, []))
            out.append(Text(""))
    if statistics:
        counts = Counter((f.code, f.name) for f in result.findings)
        for (code, name), count in sorted(counts.items()):
            out.append(Text(f"{count:5d}  {code}  {name}"))
    errors = sum(1 for f in result.findings if f.severity == ERROR)
    warnings = len(result.findings) - errors
    files = len(result.files)
    if result.findings:
        out.append(Text(f"Found {errors} error(s) and {warnings} warning(s) in {files} file(s).", style="bold"))
    elif not quiet:
        out.append(Text(f"All checks passed ({files} file(s)).", style="bold green"))
    return out
