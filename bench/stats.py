"""Medians with their range, and ratios computed round by round."""

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """The median of several runs, with their minimum and maximum."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values):
        values = [value for value in values if value is not None]
        if not values:
            return None
        return cls(statistics.median(values), min(values), max(values), len(values))


def throughput(results):
    """Requests per second of each round's run."""
    return Spread.of([result.rps for result in results])


def latency(results, percentile):
    """Median over rounds of one latency percentile (ms)."""
    return Spread.of([getattr(result, f"{percentile}_ms") for result in results])


def ratios(ours, other):
    """ours/other throughput, round by round (runs of the same round side by side)."""
    return Spread.of([mine.rps / theirs.rps for mine, theirs in zip(ours, other) if theirs.rps])
