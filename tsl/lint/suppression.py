"""What `# noqa`, `# tsl: noqa` and per-file-ignores suppress."""
from __future__ import annotations

import re

from tsl.config import Config
from tsl.discovery import matches
from tsl.finding import Finding
from tsl.frontend.source import SourceFile

NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
FILE_NOQA = re.compile(r"^\s*#\s*tsl:\s*noqa\s*$", re.IGNORECASE | re.MULTILINE)


def suppressed(finding: Finding, lines: list[str]) -> bool:
    for number in {finding.line, finding.end_line}:
        if 1 <= number <= len(lines):
            match = NOQA.search(lines[number - 1])
            if match:
                codes = match.group("codes")
                if not codes:
                    return True
                if finding.code in {c.upper() for c in re.split(r"[\s,]+", codes) if c}:
                    return True
    return False


def filter_findings(source: SourceFile, findings: list[Finding], config: Config) -> list[Finding]:
    """Drop what per-file-ignores and `# noqa` comments suppress."""
    extra_ignore = tuple(
        code for glob, codes in config.per_file_ignores.items() if matches(source.relpath, [glob]) for code in codes
    )
    kept = []
    for finding in findings:
        if extra_ignore and not config.enabled(finding.code, extra_ignore):
            continue
        if suppressed(finding, source.lines):
            continue
        kept.append(finding)
    return kept
