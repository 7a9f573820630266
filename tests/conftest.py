"""Fixtures for the tiers that need the stack (integration, e2e, faults). Unit tests need none of this."""
import pytest

from tests.support import Stack, stack_env


@pytest.fixture(scope="session")
def stack() -> Stack:
    return Stack(stack_env())
