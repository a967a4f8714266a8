"""Browser-side test helpers: what a person does in Chromium that several browser tests need.

What it does: :func:`sign_in` signs a page in on the console's sign-in form with the server's organizer
key.  What it does not do: talk to the API (the API side of a browser test uses ``tests/helpers.py``
with the server's ``api()`` client), or assert anything a test is about.
"""

from __future__ import annotations

from playwright.sync_api import Page


def sign_in(page: Page, server, path: str = "/console") -> None:
    """Type the organizer key into the sign-in form that ``path`` shows, and wait to be back on ``path``."""
    page.goto(server.url + path)
    page.fill("#key", server.key)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + path)
