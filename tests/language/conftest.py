"""Fixtures for the language tests: the shipped scorers are loaded once per session."""

from __future__ import annotations

import pytest

from closeknit.language.scorer import default_scorer


@pytest.fixture(scope="session")
def fast_scorer():
    return default_scorer("fast")


@pytest.fixture(scope="session")
def accurate_scorer():
    return default_scorer("accurate")
