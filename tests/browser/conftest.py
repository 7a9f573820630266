"""One Chromium for all the browser tests, and axe-core for the accessibility checks. Without playwright or
Chromium every test that asks for the browser is skipped, saying which is missing."""
import pathlib

import pytest

from tests.browser.support import CHROMIUM, FLAGS, axe_source, playwright, violations

_launched = []


@pytest.fixture(scope="session")
def browser():
    if playwright is None:
        pytest.skip("playwright (requirements-dev.txt) not installed")
    if not pathlib.Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    playwright.expect.set_options(timeout=60_000)  # a loaded machine answers slowly
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        _launched.append(b)
        yield b
        b.close()


@pytest.fixture(scope="module", autouse=True)
def _pages_closed_after_each_module():
    """What a test module left open is closed when it ends, as when each module had its own browser."""
    yield
    for b in _launched:
        for context in b.contexts:
            context.close()


@pytest.fixture(scope="session")
def axe(browser):
    """``axe(page)``: axe-core's violations on the page as it is now (an empty list when it has none)."""
    source = axe_source()
    return lambda page: violations(page, source)
