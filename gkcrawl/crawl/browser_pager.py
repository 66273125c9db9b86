"""Driving a rendered list's pager in chromium when its service cannot be read from the page.

Some list scripts build their service call at run time (an address joined from pieces, a
signature, values fetched first), so `list_services` finds nothing to walk. The browser
then does what a reader does: on the rendered list, click 下一页 (or the number after the
current page) until there is none, the list stops changing or the list budget is spent.
Each state's DOM is handed back to the spider to read; the service answers behind each
state are fetched and archived by the page's route (`browser.confine_page`: captures rows
and WARC records), so every record reached this way is traceable to the bytes received.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Any

logger = logging.getLogger(__name__)

NEXT_WORDS = re.compile(r"^\s*(?:下一页|下页|后一页|下一頁|next|›|»|>)\s*$", re.I)
SETTLE_TIMEOUT_MS = 10000
POLL_MS = 200
# The clickable things of a pager, and the mark of one that cannot be clicked.
_CONTROLS = "a, button, span, li, input[type=button]"
_DISABLED = re.compile(r"disabled|disable|unable|gray|grey", re.I)


async def _settle(page: Any) -> None:
    try:
        await page.wait_for_load_state("networkidle", timeout=SETTLE_TIMEOUT_MS)
    except Exception as error:  # noqa: BLE001 - a page that keeps polling: read what it shows
        logger.debug("pager page did not settle: %s", error)


async def _signature(page: Any) -> tuple[str, ...]:
    hrefs = await page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    return tuple(h for h in hrefs if h)


async def _next_control(page: Any) -> Any | None:
    """The enabled 下一页 control, else the link whose number follows the current page's."""
    controls = page.locator(_CONTROLS).filter(has_text=NEXT_WORDS)
    for index in range(await controls.count()):
        control = controls.nth(index)
        text = (await control.inner_text()).strip()
        if not NEXT_WORDS.match(text):
            continue
        classes = (await control.get_attribute("class")) or ""
        if _DISABLED.search(classes) or await control.get_attribute("disabled") is not None:
            continue
        if await control.is_visible():
            return control
    current = page.locator(".cur, .current, .active, [aria-current]").filter(has_text=re.compile(r"^\s*\d+\s*$"))
    if await current.count():
        number = int((await current.first.inner_text()).strip()) + 1
        following = page.locator("a").filter(has_text=re.compile(rf"^\s*{number}\s*$"))
        if await following.count():
            return following.first
    return None


async def _changed(page: Any, before: tuple[str, ...]) -> None:
    """Wait until the list shows other links than `before` (the service answered and the script
    drew it), or the settle time passes. A click that only fires an XHR leaves the page's load
    state as it was, so waiting for a load state alone would read the old list."""
    waited = 0
    while waited < SETTLE_TIMEOUT_MS:
        await _settle(page)
        try:
            if await _signature(page) != before:
                return
        except Exception as error:  # noqa: BLE001 - the page is navigating (a form pager): try again
            logger.debug("pager page busy: %s", error)
        await page.wait_for_timeout(POLL_MS)
        waited += POLL_MS


async def drive_pager(page: Any, max_states: int) -> AsyncIterator[str]:
    """Yield the rendered list's HTML, then again after each click of its pager, to the end."""
    await _settle(page)
    seen: set[tuple[str, ...]] = set()
    for _ in range(max(1, max_states)):
        signature = await _signature(page)
        if signature in seen:
            return  # the click changed nothing: the last page
        seen.add(signature)
        yield await page.content()
        control = await _next_control(page)
        if control is None:
            return
        try:
            await control.click(timeout=SETTLE_TIMEOUT_MS)
        except Exception as error:  # noqa: BLE001 - an unclickable pager ends the walk, said once
            logger.info("could not click the pager of %s: %s", page.url, error)
            return
        await _changed(page, signature)
