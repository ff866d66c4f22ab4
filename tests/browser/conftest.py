"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Chromium is started once for the whole browser suite; each test gets a fresh context (no shared
cookies) that may only reach the live server. Tests are skipped when /usr/bin/chromium is missing
(`make test` installs it when it can).
"""

import os

import pytest

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, PHONE, new_context, watch_errors


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the whole browser suite.

    Package scope (this folder), not session: while Playwright's sync API is started, an asyncio
    loop counts as running in the main thread, and Django then refuses ORM calls ("async unsafe").
    The browser tests allow them for their own duration only; the rest of the suite, collected
    after this folder, runs with the check on and no loop.
    """
    if not CHROMIUM.exists():
        pytest.skip("Chromium absent (/usr/bin/chromium) : tests navigateur ignorés")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test requirements install it
        pytest.skip("Playwright n'est pas installé")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def context(browser, live_server):
    context = new_context(browser, live_server)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors = watch_errors(page)
    yield page
    assert not errors, f"Erreurs JavaScript dans la page : {errors}"


@pytest.fixture
def login(page):
    """Log in through the login form, as a user would."""
    from tests.factories import PASSWORD

    def _login(user, password=PASSWORD):
        page.goto("/compte/connexion/")
        page.fill("input[name=username]", user.email)
        page.fill("input[name=password]", password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        assert "/compte/connexion/" not in page.url, page.inner_text("main")
        return page

    return _login


@pytest.fixture(scope="package")
def axe():
    """axe-core, for the accessibility checks (a module may still define its own)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def phone(browser, live_server):
    """A page on a phone's screen, touch and all (a module may still define its own)."""
    context = new_context(browser, live_server, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = watch_errors(page)
    yield page
    context.close()
    assert not errors, f"Erreurs JavaScript dans la page : {errors}"
