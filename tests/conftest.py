"""Test-wide configuration: Hypothesis profiles, and the `config` marker.

`ci` (chosen when the `CI` environment variable is set, as CI services do) runs every property
and state machine with 500 examples and no per-example deadline; `dev`, the default, runs fewer
so the local loop stays fast. `HYPOTHESIS_PROFILE=ci .venv/bin/pytest` (or
`--hypothesis-profile=ci`) runs the CI budget locally.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from tests import databases

# Built on Hypothesis' own "ci" profile: derandomized, no example database, blob printed on failure.
settings.register_profile("ci", settings.get_profile("ci"), max_examples=500, deadline=None)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def pytest_report_header(config: pytest.Config) -> str:
    return f"atende tests on {databases.ENGINE} (ATENDE_TEST_DATABASE_URL picks PostgreSQL; see tests/databases.py)"


def pytest_sessionfinish(session: pytest.Session) -> None:
    databases.drop_leftovers()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "config(**changes): settings of the test's World or webhook harness (tests.world.settings)"
    )
