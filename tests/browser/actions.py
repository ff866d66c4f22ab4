"""What a person does on a page, made steady for browser tests run on a loaded machine."""

from playwright.sync_api import Error as PlaywrightError


def tick(box) -> None:
    """Check a DSFR checkbox or radio. DSFR draws the box over its label, so the click is forced
    on the input; a forced click computed while the page still scrolls (to an error summary, just
    rendered) can land beside it, and Playwright then reports that the state did not change — seen
    only under load. The click is tried again once the page has settled."""
    for _attempt in range(4):
        try:
            box.check(force=True)
            return
        except PlaywrightError:
            box.page.wait_for_timeout(300)
    box.check(force=True)
