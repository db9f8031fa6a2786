"""Reading and parsing one Python file, honouring its coding cookie."""
from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import libcst as cst
from libcst.metadata.base_provider import LazyValue
from libcst.metadata import (
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from tsl.discovery import printable
from tsl.frontend.walk import parent_map

METADATA = (PositionProvider, QualifiedNameProvider, ScopeProvider, ParentNodeProvider)


class LazyMetadata:
    """file.metadata[Provider]: computed on first use, once per file.

    Parents come from a walk that does not rebuild nodes, and qualified names are
    asked of the scope only for the nodes a rule looks at: both give what
    ParentNodeProvider and QualifiedNameProvider would.
    """

    def __init__(self, module: cst.Module):
        self.module = module
        self._wrapper: Optional[MetadataWrapper] = None
        self._resolved: dict = {}

    def __getitem__(self, provider):
        found = self._resolved.get(provider)
        if found is None:
            found = self._resolved[provider] = self._resolve(provider)
        return found

    def __contains__(self, provider) -> bool:
        return provider in self._resolved

    def release(self) -> None:
        """Free the scope analysis now, for a file no one will ask about again. LibCST's
        scopes, assignments and accesses refer to one another, so only the cycle collector
        would free them (a full collection scans every live object); cut, they go at once."""
        scopes = self._resolved.get(ScopeProvider)
        try:
            for scope in {scope for scope in (scopes.values() if scopes is not None else ()) if scope is not None}:
                for group in (scope._assignments, scope._accesses_by_name, scope._accesses_by_node):
                    for items in group.values():
                        for item in items:
                            _clear(item)
                _clear(scope)
        except AttributeError:  # another LibCST: leave it to the collector
            pass
        self._resolved.clear()
        self._wrapper = None

    def forget(self) -> None:
        """Drop the parents and positions (cheap to compute again), keep the scopes."""
        for provider in (ParentNodeProvider, PositionProvider):
            self._resolved.pop(provider, None)

    def _resolve(self, provider):
        if provider is ParentNodeProvider:
            return parent_map(self.module)
        if provider is QualifiedNameProvider:
            return _QualifiedNames(self[ScopeProvider])
        if provider is PositionProvider and self.text is not None:
            return _Positions(self)
        return self.resolve_with_libcst(provider)

    def resolve_with_libcst(self, provider):
        if self._wrapper is None:
            self._wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        return self._wrapper.resolve(provider)

    # -- where statements start, from CPython's parser (several times faster than a codegen) --
    text: Optional[str] = None
    tree: Optional[ast.Module] = None  # CPython's tree, when the caller has it (lines as in text)
    _anchors: Optional[tuple] = None

    def anchors(self) -> Optional[tuple[list[int], dict[int, tuple[int, int]]]]:
        """(start line of each top-level statement, {id(def or class): (line, column)} for the
        top-level and class-level defs and classes), or None when CPython's parser cannot
        vouch for them (it rejects the file, or its statements do not line up with LibCST's)."""
        if self._anchors is None:
            self._anchors = (_anchors(self.module, self.text, self.tree),)
            self.tree = None
        return self._anchors[0]


def _clear(obj) -> None:
    """Drop every attribute of obj (its __dict__ and its slots)."""
    found = getattr(obj, "__dict__", None)
    if found is not None:
        found.clear()
    for kind in type(obj).__mro__:
        for slot in getattr(kind, "__slots__", ()):
            try:
                delattr(obj, slot)
            except (AttributeError, TypeError):
                pass


_COMPOUND = {
    cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: (ast.ClassDef,),
    cst.If: (ast.If,),
    cst.For: (ast.For, ast.AsyncFor),
    cst.While: (ast.While,),
    cst.With: (ast.With, ast.AsyncWith),
    cst.Try: (ast.Try,),
    cst.TryStar: (getattr(ast, "TryStar", ()),),
    cst.Match: (getattr(ast, "Match", ()),),
}
_AST_COMPOUND = tuple(kind for kinds in _COMPOUND.values() for kind in kinds if isinstance(kind, type))


_REJECTED = (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError)


def _compile(text: str, filename: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compile(text, filename, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)


def cpython_parse(text: str, filename: str = "<tsl>") -> Optional[ast.Module]:
    """CPython's tree of text (its warnings silenced), or None when CPython rejects it."""
    try:
        return _compile(text, filename)
    except _REJECTED:
        return None


# What CPython's parser says of code nested too deeply for it: its tokenizer stops at 200
# open brackets and 100 indents, its parser at a fixed stack (MemoryError), its AST at the
# recursion limit. LibCST's native parser has no such limits and overflows the C stack
# (SIGSEGV) a little further on, so such files never reach it.
_NESTING = frozenset({"too many nested parentheses", "too many levels of indentation"})


def nesting_failure(text: str) -> Optional["ParseFailure"]:
    """Why CPython rejects text for its nesting, or None when it parses it (or rejects it
    for something else: LibCST then says what)."""
    try:
        _compile(text, "<tsl>")
    except SyntaxError as exc:
        if exc.msg in _NESTING:
            return ParseFailure(f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1)
    except RecursionError as exc:
        return ParseFailure(f"nested too deeply for CPython's parser: RecursionError: {exc}")
    except MemoryError:
        return ParseFailure("nested too deeply for CPython's parser: MemoryError (its stack overflowed)")
    except (ValueError, OverflowError):
        pass
    return None


def cpython_failure(text: str) -> "ParseFailure":
    """Why CPython rejects text that LibCST parses (syntax newer than this Python)."""
    version = f"Python {sys.version_info[0]}.{sys.version_info[1]}"
    try:
        _compile(text, "<tsl>")
    except SyntaxError as exc:
        return ParseFailure(f"syntax error ({version}): {exc.msg}", exc.lineno or 1, exc.offset or 1)
    except _REJECTED as exc:
        return ParseFailure(f"cannot parse ({version}): {exc or type(exc).__name__}")
    return ParseFailure(f"cannot parse ({version})")


def _anchors(module: cst.Module, text: str, tree: Optional[ast.Module] = None):
    if tree is None:
        tree = cpython_parse(text)
        if tree is None:
            return None
    # Group CPython's statements into LibCST's: a compound statement each, and simple
    # statements sharing a logical line (a; b) into one SimpleStatementLine.
    groups: list[list] = []
    previous = None
    for statement in tree.body:
        if isinstance(statement, _AST_COMPOUND):
            groups.append([statement])
            previous = None
        elif previous is not None and statement.lineno == previous.end_lineno:
            groups[-1].append(statement)
            previous = statement
        else:
            groups.append([statement])
            previous = statement
    if len(groups) != len(module.body):
        return None
    starts: list[int] = []
    defs: dict[int, tuple[int, int]] = {}
    for group, statement in zip(groups, module.body):
        first = group[0]
        if not _same_kind(statement, group, first):
            return None
        starts.append(first.lineno)
        # Lines from CPython; columns from LibCST's own code, which starts a top-level
        # statement at column 0 and a class body's at the width of its indent.
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            defs[id(statement)] = (first.lineno, 0)
        if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            inner = [s for s in statement.body.body if isinstance(s, cst.BaseCompoundStatement)]
            others = [s for s in first.body if isinstance(s, _AST_COMPOUND)]
            if len(inner) != len(others):
                return None
            indent = statement.body.indent
            width = len(module.default_indent if indent is None else indent)
            for node, found in zip(inner, others):
                if not _same_kind(node, [found], found):
                    return None
                if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                    defs[id(node)] = (found.lineno, width)
    return starts, defs


def _same_kind(statement: cst.CSTNode, group: list, first) -> bool:
    if isinstance(statement, cst.SimpleStatementLine):
        return not isinstance(first, _AST_COMPOUND) and len(statement.body) == len(group)
    kinds = _COMPOUND.get(type(statement))
    if kinds is None or len(group) != 1 or not isinstance(first, kinds):
        return False
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and statement.name.value != first.name:
        return False
    return True


class _Positions:
    """PositionProvider's mapping, generated one top-level statement at a time.

    A statement's code comes out of LibCST's codegen the same alone as within the
    module, only shifted by whole lines; CPython's parser says where it starts."""

    def __init__(self, metadata: "LazyMetadata"):
        self.metadata = metadata
        self.known: dict = {}
        self.full = None
        self.done: set[int] = set()
        self.index: Optional[dict[int, int]] = None

    def get(self, node, default=None):
        found = self.known.get(node)
        if found is None:
            found = self._find(node)
        elif type(found) is tuple:  # (position within its statement's code, lines to add)
            found = self.known[node] = _shifted(*found)
        return default if found is None else found

    def __getitem__(self, node):
        found = self.get(node)
        if found is None:
            raise KeyError(node)
        return found

    def __contains__(self, node) -> bool:
        return self.get(node) is not None

    def __iter__(self):
        return iter(self._full())

    def __len__(self) -> int:
        return len(self._full())

    def items(self):
        return self._full().items()

    def keys(self):
        return self._full().keys()

    def values(self):
        return self._full().values()

    def _full(self):
        if self.full is None:
            self.full = self.metadata.resolve_with_libcst(PositionProvider)
        return self.full

    def _find(self, node):
        if self.full is not None:
            return self.full.get(node)
        anchors = self.metadata.anchors()
        module = self.metadata.module
        if anchors is None:
            return self._full().get(node)
        if self.index is None:
            self.index = {id(statement): i for i, statement in enumerate(module.body)}
        parents = self.metadata[ParentNodeProvider]
        top = node
        while top is not None and id(top) not in self.index:
            top = parents.get(top)
        if top is None or module.body[self.index[id(top)]] is not top:
            return self._full().get(node) if node is module or node in parents else None
        i = self.index[id(top)]
        if i in self.done:
            found = self.known.get(node)
            return _shifted(*found) if type(found) is tuple else found
        self.done.add(i)
        from libcst.metadata.position_provider import PositionProvidingCodegenState

        class _Sink:
            _computed: dict = {}

        sink = _Sink()
        sink._computed = {}
        state = PositionProvidingCodegenState(default_indent=module.default_indent,
                                              default_newline=module.default_newline, provider=sink)
        top._codegen(state)
        offset = anchors[0][i] - sink._computed[top].start.line
        if sink._computed[top].start.column != 0:
            return self._full().get(node)
        if offset:
            for key, value in sink._computed.items():
                self.known[key] = (value, offset)
        else:
            self.known.update(sink._computed)
        found = self.known.get(node)
        return _shifted(*found) if type(found) is tuple else found


def _shifted(value, offset: int):
    from libcst._position import CodePosition, CodeRange

    return CodeRange(CodePosition(value.start.line + offset, value.start.column),
                     CodePosition(value.end.line + offset, value.end.column))


class _QualifiedNames:
    """QualifiedNameProvider's mapping, computed per node on request."""

    def __init__(self, scopes):
        self._scopes = scopes
        self._cache: dict = {}

    def get(self, node, default=None):
        found = self._cache.get(node)
        if found is None:
            scope = self._scopes.get(node)
            found = self._cache[node] = scope.get_qualified_names_for(node) if scope else set()
        return found

    def __getitem__(self, node):
        return self.get(node)


class ParseFailure(Exception):
    """A file that does not decode or parse; carries a 1-based location."""

    code = "TSL001"  # the finding it is

    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class TooComplex(ParseFailure):
    """CPython parses the file, but LibCST's parser cannot: tsl could not analyse it."""

    code = "TSL002"


# LibCST nests an and/or chain a node per operand (CPython keeps it flat), and its native
# parser overflows the C stack at about 8,000 operands (an 8 MiB stack).
_CHAIN_LIMIT = 4000
_BOOL_WORD = re.compile(r"\b(?:and|or)\b")


def chain_failure(text: str, tree: Optional[ast.Module]) -> Optional[TooComplex]:
    """Why LibCST's parser cannot take text (an and/or chain too long for it), or None.
    Cheap unless text holds thousands of `and`s and `or`s."""
    if len(text) < 4 * _CHAIN_LIMIT or text.count("and") + text.count("or") < _CHAIN_LIMIT:
        return None
    if len(_BOOL_WORD.findall(text)) < _CHAIN_LIMIT:
        return None
    tree = tree if tree is not None else cpython_parse(text)
    if tree is None:
        return None
    longest = max((node for node in ast.walk(tree) if isinstance(node, ast.BoolOp)),
                  key=lambda node: len(node.values), default=None)
    if longest is None or len(longest.values) < _CHAIN_LIMIT:
        return None
    return TooComplex(f"an and/or chain of {len(longest.values)} operands is more than LibCST's parser takes",
                      longest.lineno, longest.col_offset + 1)


def decode(data: bytes) -> tuple[str, str]:
    """Decode source bytes as Python does (BOM, then coding cookie, then UTF-8)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise ParseFailure(f"cannot decode: {exc}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ParseFailure(f"cannot decode as {encoding}: {exc}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def module_name_for(path: Path) -> tuple[str, str]:
    """(module name, package) from the chain of __init__.py files above path."""
    parts = [] if path.stem == "__init__" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    name = printable(".".join(parts))  # a file name that is not UTF-8 names no importable module
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    return name, package


@dataclass
class SourceFile:
    path: Path
    relpath: str  # POSIX, relative to the project root
    text: str
    encoding: str
    module: cst.Module
    module_name: str
    package: str
    metadata: LazyMetadata = None  # type: ignore[assignment]
    lines: list[str] = field(default_factory=list)
    # CPython's tree of text, when the caller had it (taken by tsl.model.self_attributes.view_of)
    cpython_tree: Optional[ast.Module] = None

    def meta(self, provider, node: cst.CSTNode, default=None):
        """Metadata for node (libcst may store it lazily)."""
        value = self.metadata[provider].get(node, default)
        return value() if isinstance(value, LazyValue) else value

    def position(self, node: cst.CSTNode):
        return self.meta(PositionProvider, node)

    def def_start(self, node: cst.CSTNode) -> tuple[int, int]:
        """(line, 0-based column) where a top-level or class-level def or class starts:
        what position(node).start says, without generating the module's code."""
        anchors = self.metadata.anchors() if isinstance(self.metadata, LazyMetadata) else None
        found = anchors[1].get(id(node)) if anchors is not None else None
        if found is None:
            start = self.position(node).start
            return start.line, start.column
        return found

    def parent(self, node: cst.CSTNode):
        return self.meta(ParentNodeProvider, node)

    def scope(self, node: cst.CSTNode):
        return self.meta(ScopeProvider, node)

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """Absolute dotted names node may refer to (locals get the module prefix)."""
        found = self.meta(QualifiedNameProvider, node, ())
        names = set()
        for qn in found:
            name = qn.name
            if name.startswith("."):
                name = resolve_relative(name, self.package)
            elif qn.source.name == "LOCAL" and self.module_name and "<locals>" not in name:
                name = f"{self.module_name}.{name}"
            names.add(name)
        return names


_NEWLINE = re.compile(r"\r\n|\r|\n")


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def header_lines(file, node) -> Optional[tuple[int, int]]:
    """(line of the def, line of its body's first statement), as positions would say, but from
    a tokenizer over the header alone (generating positions costs a whole class's code)."""
    if any(c in file.text for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\r"):
        return None  # file.lines would not number lines as the tokenizer does
    start, _ = file.def_start(node)
    lines = file.lines
    depth = 0
    source = iter(line + "\n" for line in lines[start - 1:])
    try:
        for token in tokenize.generate_tokens(lambda: next(source, "")):
            if token.type != tokenize.OP:
                continue
            if token.string in "([{":
                depth += 1
            elif token.string in ")]}":
                depth -= 1
            elif token.string == ":" and depth == 0:
                row = start + token.start[0] - 1
                rest = lines[row - 1][token.end[1]:].strip()
                if rest and not rest.startswith("#"):
                    return start, row  # def f(x): return x
                for number in range(row + 1, len(lines) + 1):
                    text = lines[number - 1].strip()
                    if text.startswith("@"):  # a decorated def: positions start at the def
                        for later in range(number + 1, len(lines) + 1):
                            if lines[later - 1].lstrip().startswith(("def ", "async ", "class ")):
                                return start, later
                        return None
                    if text and not text.startswith("#") and text != "\\":
                        return start, number
                return None
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return None


TYPE_COMMENT = re.compile(r"#\s*type:\s*\(")


def has_type_comment(file: "SourceFile", node: cst.FunctionDef) -> bool:
    """A `# type: (...) -> ...` comment in the def's header (its lines up to the body's first
    statement): the compiler then reads the parameter types from it."""
    if "type:" not in file.text or not TYPE_COMMENT.search(file.text):  # no need for positions
        return False
    found = header_lines(file, node)
    if found is not None:
        start, first = found
    else:
        position = file.position(node)
        start, first = position.start.line, file.position(node.body).start.line
    return any(TYPE_COMMENT.search(line) for line in file.lines[start - 1: first])


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """Lines as Python (and LibCST's positions) count them: only \\r\\n, \\r and \\n end a
    line; str.splitlines would also split at form feeds, \\x1c..\\x1e, \\x85 and \\u2028."""
    if keepends:
        return _LINE.findall(text)
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def resolve_relative(name: str, package: str) -> str:
    dots = len(name) - len(name.lstrip("."))
    base = package.split(".") if package else []
    if dots > 1:
        base = base[: len(base) - (dots - 1)]
    rest = name[dots:]
    return ".".join([*base, rest]) if base else rest


def parse_source(path: Path, relpath: str, data: Optional[bytes] = None,
                 parse_text: Optional[str] = None, cpython_tree: Optional[ast.Module] = None) -> SourceFile:
    """parse_text: what LibCST parses instead of the text, line for line the same where kept
    (tsl.frontend.blank); the SourceFile's text and lines stay the file's own.
    cpython_tree: CPython's tree of the text, if the caller has it (saves parsing it again)."""
    if data is None:
        data = path.read_bytes()
    text, encoding = decode(data)
    if cpython_tree is None:  # CPython may reject it for its nesting: LibCST must not see it then
        failure = nesting_failure(text if parse_text is None else parse_text)
        if failure is not None:
            raise failure
    failure = chain_failure(text if parse_text is None else parse_text, cpython_tree)
    if failure is not None:
        raise failure
    try:
        module = cst.parse_module(text if parse_text is None else parse_text)
    except cst.ParserSyntaxError as exc:
        raise ParseFailure(f"syntax error: {exc.message}", exc.raw_line, exc.raw_column + 1) from None
    except Exception as exc:  # libcst raises a few other kinds on odd input
        raise ParseFailure(f"cannot parse: {exc}") from None
    metadata = LazyMetadata(module)
    metadata.text = text if parse_text is None else parse_text
    metadata.tree = cpython_tree
    name, package = module_name_for(path)
    return SourceFile(
        path=path,
        relpath=relpath,
        text=text,
        encoding=encoding,
        module=module,
        module_name=name,
        package=package,
        metadata=metadata,
        lines=split_lines(text),
        cpython_tree=cpython_tree,
    )
