"""Harvest v2's paginated lists: follow ``links.next`` until it is null.

Every v2 list comes in an envelope (``{"time_entries": [...], "links": {"next": ...}, ...}``);
page-based and cursor-based endpoints alike say where the next page is, and Harvest asks
clients to use that link rather than build page URLs (v2-notes §4), so nothing here counts
pages. A link to another host is refused (the bearer token would go with it), and so is a
link already followed (a server looping would otherwise keep the bot busy forever).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from bot.harvest.errors import Unavailable
from bot.harvest.records import Record
from bot.harvest.scalars import is_blank

#: More pages than this is a server gone wrong (2,000 records a page by default).
MAX_PAGES = 1000

Params = Mapping[str, str | int]
#: Sends one GET (``params`` only on the first page) and returns the decoded body.
Fetch = Callable[[str, Params | None], Any]


def page_records(tree: Any, key: str) -> list[Record]:
    """The records of one page. :raises ValueError: not an envelope holding ``key``."""
    if not isinstance(tree, dict):
        raise ValueError(f"expected a page of {key}, got {type(tree).__name__}")
    value = tree.get(key)
    if value is None and key not in tree:
        raise ValueError(f"expected a page of {key}, got an object with {sorted(tree)[:6]}")
    if is_blank(value):
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"expected a list of {key} records")
    return value


def next_link(tree: Any, current_url: str) -> str | None:
    """The absolute URL of the next page, or None on the last one.

    :raises ValueError: a link to another host, or a next page announced without a link.
    """
    if not isinstance(tree, dict):
        return None
    links = tree.get("links")
    target = links.get("next") if isinstance(links, dict) else None
    if is_blank(target):
        if not isinstance(links, dict) and not is_blank(tree.get("next_page")):
            raise ValueError("Harvest announced a next page without a link to it")
        return None
    if not isinstance(target, str):
        raise ValueError(f"a next-page link that is not a URL: {type(target).__name__}")
    url = urljoin(current_url, target.strip())
    if _origin(url) != _origin(current_url):
        raise ValueError("Harvest's next-page link points to another host")
    return url


def collect(fetch: Fetch, url: str, params: Params | None, key: str) -> list[Record]:
    """Every record of a list, page after page.

    :raises Unavailable: a page that is not an envelope of ``key``, or links that go wrong.
    """
    records: list[Record] = []
    seen = {url}
    current, query = url, params
    while True:
        tree = fetch(current, query)
        path = urlsplit(current).path
        try:
            records.extend(page_records(tree, key))
            following = next_link(tree, current)
        except ValueError as exc:
            raise Unavailable(
                f"Harvest sent an unreadable list: {exc}", method="GET", path=path
            ) from exc
        if following is None:
            return records
        if following in seen or len(seen) >= MAX_PAGES:
            raise Unavailable(f"Harvest's pages of {key} do not end", method="GET", path=path)
        seen.add(following)
        current, query = following, None


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()
