"""Command line: tsl check | rules | explain."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import click

from tsl import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it


class Failure(Exception):
    """Usage or environment problem: print the message and exit 2."""


def write_report(path: Path, text: str) -> None:
    from tsl.report.output import OutputError, write_report as write

    try:
        write(path, text)
    except OutputError as exc:
        raise Failure(str(exc)) from None


class StdoutFailure(Failure):
    """stdout cannot be written (a full disk, a closed pipe)."""


@contextmanager
def _stdout():
    try:
        yield
    except OSError as exc:
        raise StdoutFailure(f"cannot write to stdout: {exc.strerror or exc}") from None


def _codes(values: tuple[str, ...]) -> list[str]:
    codes = []
    for value in values:
        codes += [c for c in value.replace(" ", ",").split(",") if c]
    return codes


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="tsl", message="%(prog)s %(version)s")
def cli() -> None:
    """tsl: find what stops torch.jit.script, before anything runs."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (replaces the config's).")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option("--extend-select", multiple=True, help="Rule codes or prefixes to enable in addition.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
              show_default=True, help="text, json, sarif (SARIF 2.1.0) or github (Actions annotations).")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the report to FILE.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary.")
@click.option("--statistics", is_flag=True, help="Print counts per rule.")
@click.option("--no-color", is_flag=True, help="Never use colour.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to files named explicitly too.")
@click.option("--stdin-filename", metavar="PATH", help="Read the source from stdin (path '-') and report it as PATH.")
@click.option("--verify", is_flag=True, help="Also run the real compiler (needs torch): script, save/load, freeze, "
              "optimize, parity, timing and torch.export for each target.")
@click.option("--device", default="cpu", show_default=True, metavar="cpu|cuda|cuda:N", help="Device for --verify.")
@click.option("--verify-timeout", type=float, default=None, metavar="S", callback=lambda c, p, v: _timeout(v),
              help="Seconds allowed for importing each file and for each target (default 120).")
@click.option("--compile", "compile_", is_flag=True, help="With --verify: also time torch.compile(module).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes for big runs (default: all cores).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache in .tsl_cache/.")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix, --fix-only or --diff: also apply unsafe fixes.")
@click.option("--fix-only", is_flag=True, help="Apply fixes and report nothing else (exit 0 unless a write fails).")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff and write nothing "
              "(exit 1 when there is something to fix).")
def check(paths, select, ignore, extend_select, output_format, output, exit_zero, quiet, statistics, no_color,
          force_exclude, stdin_filename, verify, device, verify_timeout, compile_, jobs, no_cache, fix, unsafe_fixes,
          fix_only, diff) -> None:
    """Check PATHS (default: .) for TorchScript blockers."""
    from tsl.config import ConfigError, load_config, validate_codes
    from tsl.discovery import DiscoveryError, discover
    from tsl.result import inputs_for
    from tsl.run import check as run_check

    stdin = _stdin_wanted(paths, stdin_filename)
    try:
        config = load_config(Path.cwd())
        if select:
            if not _codes(select):  # an empty selection would silently check nothing
                raise ConfigError("--select: expected at least one rule code or prefix (see `tsl rules`)")
            config.select = validate_codes(_codes(select), "--select")
        if ignore:
            config.ignore += validate_codes(_codes(ignore), "--ignore")
        if extend_select:
            config.extend_select += validate_codes(_codes(extend_select), "--extend-select")
        if stdin:
            files = []
            inputs = _stdin_inputs(stdin_filename, config, force_exclude)
        else:
            files = discover(list(paths) or [Path(".")], config.root, config.exclude + config.extend_exclude,
                             force_exclude, warn=lambda message: click.echo(f"tsl: warning: {message}", err=True))
            inputs = inputs_for(files, config.root)
        verifier = None
        if verify:  # imports no torch here: tsl.verify runs it in child processes
            from tsl.verify.command import prepare

            verifier = prepare(config, device, verify_timeout, compile_, stdin)
    except (ConfigError, DiscoveryError) as exc:
        raise Failure(str(exc)) from None
    document = output_format in ("json", "sarif")  # stdout holds the report and nothing else
    if stdin and document and (fix or fix_only) and not diff and not output:
        raise Failure(f"--fix with stdin prints the fixed source on stdout; write the {output_format} report "
                      "with --output FILE")
    if output:
        _check_output(output, files or ([Path(stdin_filename)] if stdin_filename else []))
    if not inputs and output_format == "text" and not output:
        # pre-commit with --force-exclude may hand over only excluded files: say nothing then
        if not quiet and not (force_exclude and (paths or stdin)):
            click.echo("No Python files found.", err=True)
        sys.exit(EXIT_CLEAN)
    fixing = None
    if fix or fix_only or diff:  # rewrites files: see tsl/fix.py and the README
        from tsl.run.fixing import fix_command

        fixing = fix_command(inputs, config, unsafe=unsafe_fixes, diff=diff, fix_only=fix_only, stdin=stdin,
                             quiet=quiet, exit_zero=exit_zero, echo=lambda m: click.echo(m, err=True),
                             write_stdout=_write_stdout,
                             check_options={"jobs": jobs or _default_jobs()}, report=document)
        if fixing.exit is not None and not document:
            sys.exit(fixing.exit)
        result = fixing.result
    else:
        config.fixes = output_format in ("json", "sarif")  # the only outputs that show fixes
        result = run_check(inputs, config, jobs=jobs or _default_jobs(), cache=None if no_cache else _cache(config))
    if verifier is not None:
        verifier.run(result, quiet=quiet or output_format != "text")
    if output_format in ("json", "sarif", "github"):
        from tsl.report import github as github_report, json as json_report, sarif as sarif_report

        if output_format == "sarif":
            text = sarif_report.render(result, sources=_sources(result, inputs), root=config.root)
        else:
            text = (json_report if output_format == "json" else github_report).render(result)
        if output:
            write_report(output, text)
        else:
            with _stdout():
                click.echo(text, nl=False)
    else:
        _print_text(result, files, config.root, output, quiet, statistics, no_color,
                    sources=_sources(result, inputs) if stdin else None)
        if verifier is not None:
            with _stdout():
                verifier.print_table(result.verify, no_color)
    if fixing is not None and fixing.exit is not None:
        sys.exit(fixing.exit)  # --diff, --fix-only, stdin with a JSON or SARIF report
    if fixing is not None and fixing.failed:
        sys.exit(EXIT_ERROR)  # a file could not be written (read-only, changed on disk)
    if result.findings and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def _check_output(output: Path, sources) -> None:
    """Refuse --output that is a directory or a checked source, before anything is written."""
    from tsl.report.output import OutputError, check_output

    try:
        check_output(output, sources)
    except OutputError as exc:
        raise Failure(str(exc)) from None


def _timeout(value: Optional[float]) -> Optional[float]:
    """--verify-timeout: a finite positive number of seconds, at most a day."""
    if value is None:
        return None
    from tsl.verify.settings import timeout_problem  # no torch there

    problem = timeout_problem(value)
    if problem is not None:
        raise click.BadParameter(f"{value:g} {problem}")
    return value


def _write_stdout(data: bytes) -> None:
    """Bytes to stdout as they are (fixed source keeps its encoding)."""
    with _stdout():
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            sys.stdout.write(data.decode("utf-8", errors="replace"))
        else:
            buffer.write(data)
            buffer.flush()


def _default_jobs() -> int:
    from tsl.run.workers import default_jobs

    return default_jobs()


def _cache(config):
    from tsl.run.cache import Cache

    return Cache(config.root, config, warn=lambda message: click.echo(f"tsl: warning: {message}", err=True))


def _stdin_wanted(paths, stdin_filename) -> bool:
    """True when the source comes from stdin: the path '-', or --stdin-filename and no paths."""
    if "-" in [str(p) for p in paths]:
        if len(paths) > 1:
            raise Failure("'-' (stdin) cannot be combined with other paths")
        return True
    if stdin_filename is not None:
        if paths:
            raise Failure("--stdin-filename reads from stdin; pass '-' instead of paths")
        return True
    return False


def _stdin_inputs(stdin_filename, config, force_exclude) -> list:
    from tsl.discovery import matches, relative
    from tsl.result import Input

    path = Path(stdin_filename) if stdin_filename else Path("-")
    relpath = relative(path, config.root) if stdin_filename else "-"
    if force_exclude and stdin_filename and matches(relpath, config.exclude + config.extend_exclude):
        return []
    try:
        data = click.get_binary_stream("stdin").read()
    except OSError as exc:
        raise Failure(f"cannot read stdin: {exc.strerror or exc}") from None
    return [Input(path=path, relpath=relpath, data=data)]


def _sources(result, inputs) -> dict[str, list[str]]:
    """Source lines of each file with findings, by relative path (for code frames and fingerprints)."""
    from tsl.frontend.source import ParseFailure, decode, split_lines

    wanted = {f.path for f in result.findings}
    sources: dict[str, list[str]] = {}
    for item in inputs:
        if item.relpath not in wanted or item.relpath in sources:
            continue
        try:
            data = item.data if item.data is not None else item.path.read_bytes()
        except OSError:
            sources[item.relpath] = []
            continue
        try:
            text = decode(data)[0]
        except ParseFailure:
            text = data.decode("utf-8", errors="replace")
        sources[item.relpath] = split_lines(text)
    return sources


def _print_text(result, files, root, output, quiet, statistics, no_color, sources=None) -> None:
    from rich.console import Console

    from tsl.frontend.source import split_lines
    from tsl.discovery import relative
    from tsl.report import text as text_report

    wanted = {f.path for f in result.findings}
    sources = dict(sources or {})
    for path in files:
        rel = relative(path, root)
        if rel in wanted:
            try:
                sources[rel] = split_lines(path.read_bytes().decode("utf-8", errors="replace"))
            except OSError:
                sources[rel] = []
    lines = text_report.render(result, sources, quiet=quiet, statistics=statistics)
    if output:
        console = Console(record=True, file=open(os.devnull, "w"), no_color=True, width=200)
        for line in lines:
            console.print(line, soft_wrap=True)
        write_report(output, console.export_text())
        return
    console = Console(no_color=no_color or bool(os.environ.get("NO_COLOR")), highlight=False, soft_wrap=True)
    with _stdout():
        for line in lines:
            console.print(line)


@cli.command()
def clean() -> None:
    """Remove the cache (.tsl_cache/ at the project root)."""
    from tsl.run.cache import CACHE_DIR, clean as remove
    from tsl.config import ConfigError, load_config

    try:
        root = load_config(Path.cwd()).root
    except ConfigError as exc:
        raise Failure(str(exc)) from None
    try:
        removed = remove(root)
    except OSError as exc:
        raise Failure(f"cannot remove {root / CACHE_DIR}: {exc.strerror or exc}") from None
    click.echo(f"Removed {root / CACHE_DIR}." if removed else f"No cache at {root / CACHE_DIR}.", err=True)


@cli.command()
def rules() -> None:
    """List every rule."""
    from rich.console import Console
    from rich.table import Table

    from tsl.rules.catalog import all_rules

    table = Table(show_lines=False)
    for column in ("code", "name", "severity", "fixable", "torch", "message"):
        table.add_column(column)
    for rule in all_rules():
        table.add_row(rule.code, rule.name, rule.severity, "yes" if rule.fixable() else "no", rule.versions(),
                      rule.message)
    with _stdout():
        Console(highlight=False, soft_wrap=True).print(table)


@cli.command()
@click.argument("code")
def explain(code: str) -> None:
    """Explain rule CODE: what fails, why, the fix, and examples."""
    from tsl.rules.catalog import rule_by_code

    rule = rule_by_code(code)
    if rule is None:
        raise Failure(f"unknown rule code '{code}' (see `tsl rules`)")
    with _stdout():
        click.echo(explain_text(rule))


def explain_text(rule) -> str:
    parts = [f"{rule.code} ({rule.name}) [{rule.severity}]", "", rule.docs()]
    if rule.versions() != "all":
        parts += ["", f"Applies to torch {rule.versions()} (set target-version in [tool.tsl])."]
    if rule.compiler_message:
        parts += ["", f"The compiler says: {rule.compiler_message}"]
    for title, example in rule.shown_examples():
        parts += ["", f"{title}:", "", *("    " + line for line in example.rstrip().splitlines())]
    return "\n".join(parts) + "\n"


def main(argv: Optional[list[str]] = None) -> None:
    code = _main(argv)
    try:
        sys.stdout.flush()  # what is still buffered: a full disk shows here
    except OSError as exc:
        code = _stdout_failed(f"cannot write to stdout: {exc.strerror or exc}")
    sys.exit(code)


def _main(argv: Optional[list[str]]):
    """The exit code of one command; never a traceback."""
    try:
        returned = cli.main(args=argv, prog_name="tsl", standalone_mode=False)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click's word for Ctrl-C
            click.echo("tsl: interrupted", err=True)
            return EXIT_INTERRUPTED
        click.echo("tsl: aborted", err=True)
        return EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except StdoutFailure as exc:
        return _stdout_failed(str(exc))
    except Failure as exc:
        click.echo(f"tsl: error: {exc}", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("tsl: interrupted", err=True)
        return EXIT_INTERRUPTED
    except SystemExit as exc:
        return exc.code
    except Exception as exc:  # never a traceback
        click.echo(f"tsl: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("Please report this with the file that caused it.", err=True)
        return EXIT_ERROR
    return returned if isinstance(returned, int) else EXIT_CLEAN


def _stdout_failed(message: str) -> int:
    click.echo(f"tsl: error: {message}", err=True)
    try:  # what is left in the buffer goes nowhere, instead of a second error at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    return EXIT_ERROR
