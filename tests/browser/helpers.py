"""Browser-side test helpers: what a person does in Chromium that several browser tests need.

What it does: :func:`sign_in` signs a page in on the console's sign-in form with the server's organizer
key; :func:`new_page` opens a page in a fresh browser context (1366×768 unless told, 8 s timeouts), signed
in when asked; :func:`demo_setup` is the demo contest's setup as the API gives it; :func:`entrance_done` waits
until a page's entrance animations (``.anim``, static/screen.css) have played out, :func:`animations_done`
until every finite animation and transition on it has; :func:`fast_animations` plays a page's
animations faster (for tests that need a view's end state, not its entrance).  What it does not do: talk to the API (the API side of a browser test uses ``tests/helpers.py``
with the server's ``api()`` client), or assert anything a test is about.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page


def sign_in(page: Page, server, path: str = "/console") -> None:
    """Type the organizer key into the sign-in form that ``path`` shows, and wait to be back on ``path``."""
    page.goto(server.url + path)
    page.fill("#key", server.key)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + path)


def new_page(browser: Browser, server, *, signed_in: bool, **ctx) -> Page:
    """A page in its own context (``ctx``: Playwright context options, e.g. ``viewport``), signed in or not."""
    context = browser.new_context(**({"viewport": {"width": 1366, "height": 768}} | ctx))
    context.set_default_timeout(8000)
    page = context.new_page()
    if signed_in:
        sign_in(page, server)
    return page


def demo_setup(server, cid: str = "c1") -> dict:
    """The setup (judges with their tokens, the screen link …) of contest ``cid`` on a live server."""
    with server.api() as http:
        r = http.get(f"/api/contests/{cid}")
        assert r.status_code == 200, r.text
        return r.json()["setup"]


# True once every finite animation of an entrance-animated element (``.anim`` and what is inside it, its
# ::before/::after too) has finished; endless ones (the countdown's pulse, a blinking dot) do not count.
# getAnimations() brings the styles up to date first, so a view drawn a moment ago already has its
# (delayed) animations listed.
ANIMATIONS_DONE_JS = """(only) => document.getAnimations().every((a) => {
  const t = a.effect && a.effect.target;
  if (only && (!t || !t.closest || !t.closest(only))) return true;
  return !a.effect || a.effect.getTiming().iterations === Infinity || a.playState !== 'running';
})"""


def entrance_done(page: Page, timeout: float = 15000) -> None:
    """Wait until the view on ``page`` has finished its entrance (instead of a fixed pause for it)."""
    page.wait_for_function(ANIMATIONS_DONE_JS, arg=".anim", timeout=timeout)


def animations_done(page: Page, timeout: float = 15000) -> None:
    """Wait until nothing on ``page`` is still animating or in a transition (endless animations aside)."""
    page.wait_for_function(ANIMATIONS_DONE_JS, arg=None, timeout=timeout)


def fast_animations(page: Page, rate: float = 8) -> None:
    """Play ``page``'s CSS animations and transitions ``rate`` times faster (Chromium's DevTools
    protocol), as tests/browser/test_screen.py does: the same animations, their end state sooner."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Animation.enable")
    cdp.send("Animation.setPlaybackRate", {"playbackRate": rate})
