"""tsl: a static linter for TorchScript readiness."""

__version__ = "0.1.0"
