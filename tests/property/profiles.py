"""Which Hypothesis profile the property tests run with (registered in conftest.py)."""

from __future__ import annotations

import os

from hypothesis import settings


def profile(scale: float = 1.0) -> settings:
    """The profile named by HYPOTHESIS_PROFILE (default `ci`), its example count scaled for cheap tests."""
    chosen = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
    return settings(chosen, max_examples=max(1, int(chosen.max_examples * scale)))
