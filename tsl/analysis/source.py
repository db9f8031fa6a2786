"""Reading and parsing one Python file, honouring its coding cookie."""
from __future__ import annotations

import io
import tokenize
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

from tsl.analysis.walk import install_fast_visit, parent_map

METADATA = (PositionProvider, QualifiedNameProvider, ScopeProvider, ParentNodeProvider)
install_fast_visit()


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

    def _resolve(self, provider):
        if provider is ParentNodeProvider:
            return parent_map(self.module)
        if provider is QualifiedNameProvider:
            return _QualifiedNames(self[ScopeProvider])
        if self._wrapper is None:
            self._wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        return self._wrapper.resolve(provider)


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

    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


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
    name = ".".join(parts)
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

    def meta(self, provider, node: cst.CSTNode, default=None):
        """Metadata for node (libcst may store it lazily)."""
        value = self.metadata[provider].get(node, default)
        return value() if isinstance(value, LazyValue) else value

    def position(self, node: cst.CSTNode):
        return self.meta(PositionProvider, node)

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


def resolve_relative(name: str, package: str) -> str:
    dots = len(name) - len(name.lstrip("."))
    base = package.split(".") if package else []
    if dots > 1:
        base = base[: len(base) - (dots - 1)]
    rest = name[dots:]
    return ".".join([*base, rest]) if base else rest


def parse_source(path: Path, relpath: str, data: Optional[bytes] = None) -> SourceFile:
    if data is None:
        data = path.read_bytes()
    text, encoding = decode(data)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise ParseFailure(f"syntax error: {exc.message}", exc.raw_line, exc.raw_column + 1) from None
    except Exception as exc:  # libcst raises a few other kinds on odd input
        raise ParseFailure(f"cannot parse: {exc}") from None
    metadata = LazyMetadata(module)
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
        lines=text.splitlines(),
    )
