"""`tsl check --verify`: the glue between the CLI and the runner (no torch here)."""
from __future__ import annotations

from typing import Optional

from tsl.config import ConfigError


class VerifyUnavailable(ConfigError):
    """--verify cannot run as asked (no torch, no such device, stdin): exit 2."""


class _Progress:
    """A rich progress bar on a terminal's stderr; one line per target otherwise."""

    def __init__(self, quiet: bool):
        from rich.console import Console

        self.console = Console(stderr=True, highlight=False)
        self.quiet = quiet
        self.bar = None
        self.task = None
        self.interactive = self.console.is_terminal and not quiet

    def start(self, total: int) -> None:
        if self.interactive and total:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("verify"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                TextColumn("{task.description}"), console=self.console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("", total=total)

    def begin(self, label: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, description=label)

    def advance(self, label: str, status: str) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)
        elif not self.quiet:
            self.console.print(f"verify: {label}: {status}", soft_wrap=True)

    def notice(self, text: str) -> None:
        self.console.print(f"tsl: {text}", style="yellow", soft_wrap=True)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


class VerifyCommand:
    def __init__(self, config, device: str, timeout: Optional[float], compile: bool):
        from tsl.verify.runner import VerifyError, check_device, probe
        from tsl.verify.settings import load_settings

        self.config = config
        self.settings = load_settings(config)
        self.device = device
        self.timeout = timeout if timeout is not None else self.settings.timeout  # both checked: timeout_problem
        self.compile = compile
        try:
            check_device(device)
            self.environment = probe(device, config.root)
        except VerifyError as exc:
            raise VerifyUnavailable(str(exc)) from None

    def run(self, result, quiet: bool = False) -> dict:
        from tsl.verify.runner import VerifyError, verify

        progress = _Progress(quiet)
        try:
            report = verify(result, self.config, self.settings, self.device, self.timeout, self.compile, progress,
                            self.environment)
        except VerifyError as exc:
            raise VerifyUnavailable(str(exc)) from None
        finally:
            progress.stop()
        result.verify = report
        return report

    @staticmethod
    def print_table(report: dict, no_color: bool = False) -> None:
        import os

        from rich.console import Console

        from tsl.verify.table import render

        console = Console(no_color=no_color or bool(os.environ.get("NO_COLOR")), highlight=False, soft_wrap=False)
        if not console.is_terminal:  # a log or a file: room for every column
            console.width = max(console.width, 180)
        for item in render(report):
            console.print(item)


def prepare(config, device: str, timeout: Optional[float], compile: bool, stdin: bool) -> VerifyCommand:
    if stdin:
        raise VerifyUnavailable("--verify imports the files it checks, so it cannot read the source from stdin")
    return VerifyCommand(config, device, timeout, compile)
