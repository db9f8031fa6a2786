"""A whole run: plan, summaries, workers, cache and the fix loop."""
from __future__ import annotations

from typing import Iterable

from tsl.config import Config
from tsl.result import Input, Result


def check(inputs: Iterable[Input], config: Config, jobs: int = 1, cache=None, blank: bool = True) -> Result:
    """Check inputs: jobs > 1 uses worker processes for big runs; cache is a tsl.run.cache.Cache.

    The findings are the same for any jobs, with or without a cache (see tsl.run.pipeline)."""
    from tsl.run.pipeline import run

    return run(inputs, config, jobs=jobs, cache=cache, blank=blank)
