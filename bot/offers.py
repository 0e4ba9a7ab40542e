"""The projects (with tasks) Harvest offers each person, remembered for when Harvest is away.

Every fresh ``day()`` answer refreshes the memory; when Harvest is down or throttling, matching
a ``start``/``log`` falls back on it so the write can still be resolved and kept in the outbox.
``on_projects`` hears every fresh answer too (the autocomplete catalog, ``bot.catalog``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

from bot.accounts import Acting
from bot.harvest.errors import Throttled, Unavailable
from bot.harvest.models import Day, Project


class Offers:
    """Reads a person's day through Harvest and remembers the projects it offered."""

    def __init__(
        self, on_projects: Callable[[Acting, tuple[Project, ...]], None] | None = None
    ) -> None:
        self._known: dict[tuple[str, int], tuple[Project, ...]] = {}
        self._lock = threading.Lock()
        self._on_projects = on_projects

    def day(self, acting: Acting, day: date | None = None) -> Day:
        """The day's entries and offered projects (``day`` None: the person's today).

        :raises HarvestError: as ``HarvestApi.day``.
        """
        sheet = acting.api.day(day or acting.today, of_user=acting.of_user)
        with self._lock:
            self._known[self._key(acting)] = sheet.projects
        if self._on_projects is not None:
            self._on_projects(acting, sheet.projects)
        return sheet

    def projects(self, acting: Acting) -> tuple[Project, ...]:
        """The offered projects, from Harvest, or remembered when Harvest is away.

        :raises Unavailable: Harvest is away and nothing is remembered for the person.
        :raises Throttled: likewise.
        """
        try:
            return self.day(acting).projects
        except (Unavailable, Throttled):
            with self._lock:
                known = self._known.get(self._key(acting))
            if known is None:
                raise
            return known

    @staticmethod
    def _key(acting: Acting) -> tuple[str, int]:
        return (acting.account.base_url, acting.harvest_user_id)
