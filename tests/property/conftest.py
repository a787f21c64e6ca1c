"""Hypothesis profiles for the property tests: `ci` by default, `HYPOTHESIS_PROFILE=thorough` for 1000+.

The profiles are applied per test (see `profile()`), not loaded globally, so other suites' own
Hypothesis settings are left alone.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# The store fixtures are function-scoped but each example resets the tables itself.
_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    "print_blob": True,
}
settings.register_profile("ci", max_examples=150, **_COMMON)
settings.register_profile("thorough", max_examples=1500, **_COMMON)
