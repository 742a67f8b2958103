"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

Every test here is marked `e2e`. A test gets a fresh browser context in Berlin time with a
British locale (so "your time" differs from both AoE and UTC), fails on any JavaScript error or
content-security-policy violation, and leaves a full-page screenshot in test-artifacts/ when it
fails.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# No browser download and no internet here: these flags stop Chromium from phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEZONE_ID = "Europe/Berlin"
LOCALE = "en-GB"
ARTIFACTS = "test-artifacts"
CSP_VIOLATION = re.compile(r"Content Security Policy|Refused to")

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    # This hook sees the whole session's items, not only this folder's.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item, so fixtures can tell in teardown whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(item):
    reports = (getattr(item, "rep_setup", None), getattr(item, "rep_call", None))
    return any(report is not None and report.failed for report in reports)


@pytest.fixture(scope="session")
def browser():
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        reason = "Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio event loop in this thread (in a greenlet) for as long
    # as it is started. Django sees that running loop and refuses ORM calls from the thread with
    # SynchronousOnlyOperation, although the tests' own queries (arranging data, reading the
    # outbox, flushing the database afterwards) are plain synchronous code that never runs on
    # the loop. Allow them while the browser lives, and only then: other tests keep the check.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser, live_server, request):
    """A new page in a new context; after the test, asserts the browser reported no error."""
    context = browser.new_context(timezone_id=TIMEZONE_ID, locale=LOCALE)
    # The server is local: ten seconds is plenty, and a failing step should not hang for thirty.
    context.set_default_timeout(10_000)
    page = context.new_page()
    console_errors, page_errors, csp_violations = [], [], []

    def on_console(message):
        if message.type == "error":
            (csp_violations if CSP_VIOLATION.search(message.text) else console_errors).append(
                f"{message.text} ({message.location.get('url', '')})"
            )

    page.on("console", on_console)
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    yield page

    try:
        if _failed(request.node):
            directory = request.config.rootpath / ARTIFACTS
            directory.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            page.screenshot(path=directory / f"{name}.png", full_page=True)
    finally:
        context.close()
    assert not csp_violations, "Content security policy violations (no inline script or style):\n" + "\n".join(
        csp_violations
    )
    assert not page_errors, "Uncaught JavaScript errors:\n" + "\n".join(page_errors)
    assert not console_errors, "Errors in the browser console:\n" + "\n".join(console_errors)
