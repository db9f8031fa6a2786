"""Applying fixes to text: non-overlapping exact edits, never one that drops a comment."""
from __future__ import annotations

import io
import re
import tokenize
from typing import Iterable, Optional

from tsl.finding import Fix


# -- applying edits to one text ------------------------------------------------


class _Offsets:
    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def __call__(self, line: int, column: int) -> int:
        if not 1 <= line <= len(self.starts):
            raise ValueError("line out of range")
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        value = start + column - 1
        if not start <= value <= end:
            raise ValueError("column out of range")
        return value


def _comment_spans(text: str) -> Optional[list[tuple[int, int, str]]]:
    offsets = _Offsets(text)
    spans = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
            if token.type == tokenize.COMMENT:
                start = offsets(token.start[0], token.start[1] + 1)
                spans.append((start, start + len(token.string), token.string))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return spans


IMPORT_NAMES = re.compile(r"^, (\w+(?:, \w+)*)$")
IMPORT_LINE = re.compile(r"^(\r\n|\r|\n|)from ([\w.]+) import (\w+(?:, \w+)*)(\r\n|\r|\n|)$")
NEW_LINES = re.compile(r"^(?:(?:\r\n|\r|\n)[^\r\n]*)+$")


def _merge(a: str, b: str) -> Optional[str]:
    """Two insertions at one place as one: imports with each name once, or two new lines; else None."""
    x, y = IMPORT_NAMES.match(a), IMPORT_NAMES.match(b)
    if x and y:
        return ", " + ", ".join(dict.fromkeys(x.group(1).split(", ") + y.group(1).split(", ")))
    x, y = IMPORT_LINE.match(a), IMPORT_LINE.match(b)
    if x and y and (x.group(1), x.group(2), x.group(4)) == (y.group(1), y.group(2), y.group(4)):
        names = ", ".join(dict.fromkeys(x.group(3).split(", ") + y.group(3).split(", ")))
        return f"{x.group(1)}from {x.group(2)} import {names}{x.group(4)}"
    if NEW_LINES.match(a) and NEW_LINES.match(b):
        return a + b
    return None


def _conflict(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    if a == b:
        return False  # the same edit from two fixes (an import both need): apply it once
    (s1, e1, _), (s2, e2, _) = a, b
    if s1 < e2 and s2 < e1:
        return True
    if s1 == e1 and s2 <= s1 <= e2:
        return True
    if s2 == e2 and s1 <= s2 <= e1:
        return True
    return False


def _comments_kept(text: str, spans, comments) -> bool:
    replacement = "".join(t for _, _, t in spans)
    return not any(
        start < c_end and c_start < end and comment not in replacement
        for start, end, _ in spans
        for c_start, c_end, comment in comments
    )


def _take(taken: list, spans) -> Optional[list]:
    """taken with spans added (insertions at one place merged); None if a span touches a taken one.

    Each taken entry is (start, end, text, parts): parts are the edits merged into it.
    """
    result = list(taken)
    for span in spans:  # a fix's own edits may touch each other: compare with what was taken before
        for index, (start, end, text, parts) in enumerate(result[: len(taken)]):
            if span[2] in parts and span[:2] == (start, end):
                break  # the same edit again
            if not _conflict(span, (start, end, text)):
                continue
            combined = _merge(text, span[2]) if span[0] == span[1] == start == end else None
            if combined is None:
                return None
            result[index] = (start, end, combined, parts + (span[2],))
            break
        else:
            result.append((*span, (span[2],)))
    return result


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, list[Fix], list[Fix]]:
    """Apply the fixes that do not touch each other: (new text, applied, deferred).

    A fix applies whole or not at all; earlier fixes win. One whose edits touch
    an edit already taken is deferred to the next pass, except that imports
    and whole new lines inserted at one place merge. A fix with invalid positions, or that would
    drop a comment, is left out.
    """
    offsets = _Offsets(text)
    comments = None
    taken: list[tuple[int, int, str, tuple[str, ...]]] = []
    applied: list[Fix] = []
    deferred: list[Fix] = []
    for fix in fixes:  # in the order given (findings are sorted by position)
        if not fix.edits:
            continue
        try:
            spans = sorted({(offsets(e.line, e.column), offsets(e.end_line, e.end_column), e.text) for e in fix.edits})
        except ValueError:
            continue
        if any(start > end for start, end, _ in spans) or any(
            a[0] < b[1] and b[0] < a[1] or a[0] == a[1] == b[0] == b[1] for i, a in enumerate(spans)
            for b in spans[i + 1 :]
        ):
            continue  # a fix's own edits may touch, not overlap
        if any(end > start for start, end, _ in spans):
            if comments is None:
                comments = _comment_spans(text)
                if comments is None:
                    comments = [(0, len(text), "\0")]  # cannot tokenize: replace nothing
            if not _comments_kept(text, spans, comments):
                continue
        combined = _take(taken, spans)
        if combined is None:
            deferred.append(fix)
            continue
        taken = combined
        applied.append(fix)
    for start, end, replacement, _ in sorted(taken, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text, applied, deferred


# -- fixing a set of files -------------------------------------------------------
