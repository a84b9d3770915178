"""Driving Debian's Chromium through Playwright: the browser, and a page signed in as a persona.

Playwright never downloads a browser here: it launches the system's Chromium
(Debian package ``chromium``, installed by the test command).
"""

from __future__ import annotations

from collections.abc import Iterator

from playwright.sync_api import Browser, Page, sync_playwright

from tests.api.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"


def launched() -> Iterator[Browser]:
    """Yield a headless Chromium until the generator is closed (for module fixtures)."""
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def sign_in(
    browser: Browser, site: str, username: str, *, height: int = 900, downloads: bool = False
) -> Page:
    """Return a new page of ``site`` signed in as ``username`` through the sign-in form."""
    context = browser.new_context(
        viewport={"width": 1200, "height": height}, accept_downloads=downloads
    )
    page = context.new_page()
    page.goto(f"{site}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}/dashboard")
    return page
