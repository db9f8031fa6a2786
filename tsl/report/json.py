"""Versioned, deterministic JSON output."""
from __future__ import annotations

import json
from collections import Counter

from tsl import __version__
from tsl.finding import ERROR, Finding

SCHEMA_VERSION = 1


def fix_to_json(fix):
    if fix is None:
        return None
    return {
        "description": fix.description,
        "safe": fix.safe,
        "edits": [
            {"line": e.line, "column": e.column, "end_line": e.end_line, "end_column": e.end_column, "text": e.text}
            for e in fix.edits
        ],
    }


def finding_to_json(finding: Finding) -> dict:
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity,
        "message": finding.message,
        "hint": finding.hint,
        "targets": finding.targets,
        "fix": fix_to_json(finding.fix),
    }


def summary(result) -> dict:
    counts = Counter(f.code for f in result.findings)
    return {
        "files": len(result.files),
        "findings": len(result.findings),
        "errors": sum(1 for f in result.findings if f.severity == ERROR),
        "warnings": sum(1 for f in result.findings if f.severity != ERROR),
        "by_code": dict(sorted(counts.items())),
    }


def render(result, **_) -> str:
    document = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "tsl", "version": __version__},
        "findings": [finding_to_json(f) for f in result.findings],
        "summary": summary(result),
    }
    if getattr(result, "verify", None) is not None:
        document["verify"] = result.verify
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
