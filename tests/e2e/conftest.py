"""Chromium driven by Playwright (sync API) against pytest-django's live server.

Tests here are marked `browser`: without Chromium or Playwright they are skipped with the reason
(a failure in CI), and like every live-server test they restore the migrated data when they end.
"""

import os

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made from the test itself are safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

FACTORY_PASSWORD = "secret-pass-123"  # what tests.factories.UserFactory gives every user
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab on the live server, in English until the user switches."""
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def sign_in(page):
    """sign_in(username, password) through the sign-in form; returns the page on the overview."""

    def submit(username: str, password: str = FACTORY_PASSWORD):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("form[action='/accounts/login/'] button[type=submit]")
        page.wait_for_url("**/")
        return page

    return submit
