"""Requests per credential per window, as Cal.com counts them: the rule and the headers it answers.

Fixed windows aligned on multiples of the window length (Unix time): every request of a window
counts, refused ones included, so a caller hammering past the limit stays refused until the
window ends. Pure: the count itself comes from the store.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WINDOW_SECONDS = 60
LIMIT_HEADER = "X-RateLimit-Limit-Default"
REMAINING_HEADER = "X-RateLimit-Remaining-Default"
RESET_HEADER = "X-RateLimit-Reset-Default"  # Unix seconds
API_KEY, ACCESS_TOKEN = "apiKey", "accessToken"  # the authorizer's authMethod values


@dataclass(frozen=True, slots=True)
class Window:
    start: int  # Unix seconds
    seconds: int

    @property
    def reset_at(self) -> int:
        return self.start + self.seconds


def window_at(now: float, seconds: int = WINDOW_SECONDS) -> Window:
    return Window(int(now) // seconds * seconds, seconds)


@dataclass(frozen=True, slots=True)
class RateLimitState:
    """Where a credential stands once this request is counted."""

    limit: int
    count: int  # requests in the window, this one included
    window: Window

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    def retry_after(self, now: float) -> int:
        """Whole seconds until the window ends (at least 1: a client never retries at once)."""
        return max(1, math.ceil(self.window.reset_at - now))

    def headers(self) -> dict[str, str]:
        return {
            LIMIT_HEADER: str(self.limit),
            REMAINING_HEADER: str(self.remaining),
            RESET_HEADER: str(self.window.reset_at),
        }
