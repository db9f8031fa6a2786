"""SARIF 2.1.0 output, for editors (VS Code's SARIF viewer) and GitHub code scanning.

One run; tool.driver lists only the rules that fired, sorted by id. Each result has
one physical location relative to %SRCROOT% (the project root), the call chains
that compile it (as relatedLocations and as codeFlows), a fingerprint that does not
depend on line numbers, and the fix when there is one.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Optional
from urllib.parse import quote

from tsl import __version__
from tsl.finding import ERROR, Edit, Finding, Fix, Step
from tsl.rules.catalog import rule_by_code

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
# Where users read about the tool. Replace when the project has a published home.
INFORMATION_URI = "https://pypi.org/project/tsl/"
FINGERPRINT_KEY = "tslFingerprint/v1"


def level(severity: str) -> str:
    return "error" if severity == ERROR else "warning"


def uri(relpath: str) -> str:
    """A relative URI reference for a POSIX relative path (percent-encoded UTF-8)."""
    return quote(relpath, safe="/")


def root_uri(root: Path) -> str:
    text = root.resolve().as_uri()
    return text if text.endswith("/") else text + "/"


def _artifact(relpath: str) -> dict:
    return {"uri": uri(relpath), "uriBaseId": SRCROOT}


def _region(line: int, column: int, end_line: Optional[int] = None, end_column: Optional[int] = None) -> dict:
    line, column = max(line, 1), max(column, 1)
    region = {"startLine": line, "startColumn": column}
    if end_line is not None and end_column is not None:
        end_line = max(end_line, line)
        end_column = max(end_column, 1)
        if end_line == line:
            end_column = max(end_column, column)
        region.update(endLine=end_line, endColumn=end_column)
    return region


def _location(relpath: str, region: dict, message: Optional[str] = None, **extra) -> dict:
    location = {"physicalLocation": {"artifactLocation": _artifact(relpath), "region": region}, **extra}
    if message:
        location["message"] = {"text": message}
    return location


# -- rules ------------------------------------------------------------------------------------------

def _first_paragraph(text: str) -> str:
    return text.split("\n\n", 1)[0].replace("\n", " ").strip()


def rule_descriptor(code: str, sample: Finding) -> dict:
    """reportingDescriptor for code; a code missing from the catalog is described by its finding."""
    rule = rule_by_code(code)
    if rule is None:
        text = sample.message
        return {
            "id": code,
            "name": sample.name,
            "shortDescription": {"text": text},
            "fullDescription": {"text": text},
            "help": {"text": text, "markdown": text},
            "defaultConfiguration": {"level": level(sample.severity)},
        }
    docs = rule.docs() or rule.message
    text_parts = [docs]
    markdown_parts = [docs]
    if rule.compiler_message:
        text_parts.append(f"The compiler says: {rule.compiler_message}")
        markdown_parts.append(f"The compiler says: `{rule.compiler_message}`")
    if rule.hint:
        text_parts.append(f"Hint: {rule.hint}")
        markdown_parts.append(f"**Hint:** {rule.hint}")
    for title, example in rule.shown_examples():
        body = example.rstrip()
        text_parts.append(f"{title}:\n\n" + "\n".join("    " + line for line in body.splitlines()))
        markdown_parts.append(f"**{title}:**\n\n```python\n{body}\n```")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.message},
        "fullDescription": {"text": _first_paragraph(docs)},
        "help": {"text": "\n\n".join(text_parts), "markdown": "\n\n".join(markdown_parts)},
        "defaultConfiguration": {"level": level(rule.severity)},
    }


# -- fingerprints -----------------------------------------------------------------------------------

def _normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def fingerprints(findings: list[Finding], sources: dict[str, list[str]]) -> list[str]:
    """One fingerprint per finding: code, path, the flagged line's text with whitespace
    normalised, and which occurrence of that triple it is. Line numbers are left out, so
    an alert keeps its identity when unrelated lines above it move."""
    seen: Counter = Counter()
    out = []
    for finding in findings:
        lines = sources.get(finding.path) or []
        if 1 <= finding.line <= len(lines):
            text = _normalized(lines[finding.line - 1])
        else:
            text = _normalized(finding.message)
        key = "\0".join((finding.code, finding.path, text))
        seen[key] += 1
        digest = hashlib.sha256(f"{key}\0{seen[key]}".encode("utf-8")).hexdigest()
        out.append(f"{digest[:32]}:{seen[key]}")
    return out


# -- results ----------------------------------------------------------------------------------------

def _step_message(index: int, step: Step) -> str:
    return f"entry point {step.label}" if index == 0 else f"calls {step.label}"


def _chains(finding: Finding) -> tuple[list[dict], list[dict]]:
    """(relatedLocations, codeFlows) for the call chains that compile the finding."""
    related: list[dict] = []
    ids: dict[tuple, int] = {}
    flows: list[dict] = []
    for chain in finding.chains:
        steps = []
        for index, step in enumerate(chain):
            message = _step_message(index, step)
            key = (step.path, step.line, step.column, message)
            if key not in ids:
                ids[key] = len(related) + 1
                related.append(_location(step.path, _region(step.line, step.column), message, id=ids[key]))
            steps.append({
                "location": _location(step.path, _region(step.line, step.column), message),
                "nestingLevel": index,
            })
        steps.append({
            "location": _location(finding.path, _region(finding.line, finding.column, finding.end_line,
                                                         finding.end_column), finding.message),
            "nestingLevel": len(chain),
        })
        label = " → ".join(step.label for step in chain)
        flows.append({"message": {"text": f"compiled via {label}"}, "threadFlows": [{"locations": steps}]})
    return related, flows


def _replacement(edit: Edit) -> dict:
    return {
        "deletedRegion": _region(edit.line, edit.column, edit.end_line, edit.end_column),
        "insertedContent": {"text": edit.text},
    }


def _fix(finding: Finding, fix: Fix) -> dict:
    return {
        "description": {"text": fix.description},
        "artifactChanges": [{
            "artifactLocation": _artifact(finding.path),
            "replacements": [_replacement(edit) for edit in fix.edits],
        }],
        "properties": {"safe": fix.safe},
    }


def result_to_sarif(finding: Finding, rule_index: int, fingerprint: str) -> dict:
    region = _region(finding.line, finding.column, finding.end_line, finding.end_column)
    result = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": {"text": finding.message},
        "locations": [_location(finding.path, region)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    related, flows = _chains(finding)
    if related:
        result["relatedLocations"] = related
        result["codeFlows"] = flows
    if finding.fix is not None and finding.fix.edits:
        result["fixes"] = [_fix(finding, finding.fix)]
    properties = {}
    if finding.hint:
        properties["hint"] = finding.hint
    if finding.targets:
        properties["targets"] = finding.targets
    if properties:
        result["properties"] = properties
    return result


def document(result, sources: Optional[dict[str, list[str]]] = None, root: Optional[Path] = None) -> dict:
    findings: list[Finding] = list(result.findings)
    samples: dict[str, Finding] = {}
    for finding in findings:
        samples.setdefault(finding.code, finding)
    codes = sorted(samples)
    index = {code: i for i, code in enumerate(codes)}
    prints = fingerprints(findings, sources or {})
    base = {"description": {"text": "The project root: the folder of the nearest pyproject.toml."}}
    if root is not None:
        base["uri"] = root_uri(root)
    run = {
        "tool": {
            "driver": {
                "name": "tsl",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(code, samples[code]) for code in codes],
            }
        },
        "originalUriBaseIds": {SRCROOT: base},
        "columnKind": "unicodeCodePoints",
        "results": [result_to_sarif(f, index[f.code], p) for f, p in zip(findings, prints)],
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render(result, sources: Optional[dict[str, list[str]]] = None, root: Optional[Path] = None, **_) -> str:
    return json.dumps(document(result, sources, root), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
