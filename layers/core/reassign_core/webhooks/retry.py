"""When a failed delivery is tried again: the delays of WEBHOOK_RETRY_DELAYS, with jitter."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_RETRY_DELAYS = "30,120,600,3600,21600"  # 6 attempts over about 7 hours
MAX_DELAY_SECONDS = 43200  # the longest an SQS message can stay invisible (12 hours)
MAX_RETRIES = 9  # the delivery queue's redrive policy must allow more receives than attempts
JITTER = 0.1  # each delay is stretched or shrunk by up to 10%, so retries of one outage spread out


def parse_delays(text: str) -> tuple[int, ...]:
    """`30,120,600` -> (30, 120, 600); an empty text means no retries. ValueError when malformed."""
    if not text.strip():
        return ()
    delays = []
    for raw in text.split(","):
        part = raw.strip()
        if not (part.isascii() and part.isdigit()):
            raise ValueError(f"retry delays must be whole seconds separated by commas, not {part!r}")
        delays.append(int(part))
    if len(delays) > MAX_RETRIES:
        raise ValueError(f"at most {MAX_RETRIES} retry delays")
    if any(d > MAX_DELAY_SECONDS for d in delays):
        raise ValueError(f"a retry delay may be at most {MAX_DELAY_SECONDS} seconds")
    return tuple(delays)


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    delays: tuple[int, ...]

    @classmethod
    def parse(cls, text: str) -> RetrySchedule:
        return cls(parse_delays(text))

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(self, attempt: int, rand: Callable[[], float] = random.random) -> int | None:
        """Seconds to wait after failed attempt `attempt` (1 = the first), or None: it was the last."""
        if attempt < 1 or attempt > len(self.delays):
            return None
        base = self.delays[attempt - 1]
        stretched = base * (1 - JITTER + 2 * JITTER * rand())
        return max(0, min(MAX_DELAY_SECONDS, round(stretched)))
