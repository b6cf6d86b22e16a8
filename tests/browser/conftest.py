"""Browser tests: Playwright drives Debian's headless Chromium against a live server.

Playwright never downloads a browser here; it is pointed at /usr/bin/chromium (.ci/run
installs it). The live server shares the test database; pages run real JavaScript (htmx).
"""

import os
import shutil
from contextlib import contextmanager

import pytest

CHROMIUM = os.environ.get("EDIRAE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test itself (fixtures, assertions) are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (see .ci/run)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@contextmanager
def browser_page(browser, live_server):
    """A page in its own browser context (its own cookies: one person), in Paris time; the
    test fails on any JavaScript error the page raised."""
    context = browser.new_context(base_url=live_server.url, timezone_id="Europe/Paris")
    context._base_url = live_server.url
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser, live_server):
    with browser_page(browser, live_server) as page:
        yield page


@pytest.fixture
def mentor_page(browser, live_server):
    """A second person's browser, for journeys with a learner and a mentor."""
    with browser_page(browser, live_server) as page:
        yield page
