"""Entries, expenses and time reports over a date range, for v2: digests and drill-downs.

Entries and expenses are ``/time_entries`` and ``/expenses`` filtered by project or person
(general budget, page after page). Aggregates come from the Reports API (``/reports/time/*``),
which spends its own budget of 100 calls per 15 minutes and refuses ranges over a year, so
longer ranges are asked for a year at a time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import get_args

from bot.harvest import parse_v2
from bot.harvest.calls_v2 import V2Calls
from bot.harvest.models import Entry, Expense, ReportKind, ReportRow

#: The Reports API refuses ranges longer than a year (365 days).
REPORT_SPAN_DAYS = 365


def report_spans(start: date, end: date) -> list[tuple[date, date]]:
    """``start``..``end`` cut into ranges the Reports API accepts (at most 365 days each).

    :raises ValueError: ``start`` after ``end``.
    """
    if start > end:
        raise ValueError("a report's start must not be after its end")
    spans = []
    while start <= end:
        last = min(end, start + timedelta(days=REPORT_SPAN_DAYS - 1))
        spans.append((start, last))
        start = last + timedelta(days=1)
    return spans


def _in_order(entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
    """Oldest first, as v1 listed them (v2 lists newest first, order within a day unknown)."""
    epoch = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(entries, key=lambda e: (e.spent_at, e.created_at or epoch, e.id)))


class ReportsV2Calls(V2Calls):
    """Mixed into ``HarvestV2Client``."""

    def _entries(self, params: dict[str, str | int]) -> tuple[Entry, ...]:
        now = self._now()
        found = self._list(
            "/time_entries", "time_entries", lambda records: parse_v2.entries(records, now), params
        )
        return _in_order(found)

    # --- reports -----------------------------------------------------------------------------

    @staticmethod
    def _span(start: date, end: date, **extra: int | None) -> dict[str, str | int]:
        params: dict[str, str | int] = {"from": start.isoformat(), "to": end.isoformat()}
        params.update({key: value for key, value in extra.items() if value is not None})
        return params

    def project_entries(
        self, project_id: int, start: date, end: date, *, user_id: int | None = None
    ) -> tuple[Entry, ...]:
        return self._entries(self._span(start, end, project_id=project_id, user_id=user_id))

    def person_entries(
        self, user_id: int, start: date, end: date, *, project_id: int | None = None
    ) -> tuple[Entry, ...]:
        return self._entries(self._span(start, end, user_id=user_id, project_id=project_id))

    def person_expenses(self, user_id: int, start: date, end: date) -> tuple[Expense, ...]:
        return self._expenses(self._span(start, end, user_id=user_id))

    def project_expenses(self, project_id: int, start: date, end: date) -> tuple[Expense, ...]:
        return self._expenses(self._span(start, end, project_id=project_id))

    def _expenses(self, params: dict[str, str | int]) -> tuple[Expense, ...]:
        found = self._list("/expenses", "expenses", parse_v2.expenses, params)
        return tuple(sorted(found, key=lambda e: (e.spent_at, e.id)))

    def time_report(self, kind: ReportKind, start: date, end: date) -> tuple[ReportRow, ...]:
        """``/reports/time/{kind}``, on the Reports API budget; ranges over a year are asked
        for a year at a time (so a subject may then have a row per year and currency).

        :raises ValueError: an unknown ``kind``, or ``start`` after ``end``.
        """
        if kind not in get_args(ReportKind):
            raise ValueError(f"unknown time report {kind!r}")
        rows: list[ReportRow] = []
        for first, last in report_spans(start, end):
            rows.extend(
                self._list(
                    f"/reports/time/{kind}",
                    "results",
                    lambda records: parse_v2.report_rows(records, kind),
                    self._span(first, last),
                )
            )
        return tuple(rows)
