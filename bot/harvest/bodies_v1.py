"""Request bodies for Harvest v1 and Co-op writes, in JSON or XML. Pure functions.

The shapes follow the documents: time entries are flat JSON but wrapped in ``<request>`` in
XML; projects are ``{"project": {...}}`` with dashed XML tags; Co-op wraps ``status``,
``group`` and ``membership``. Fields left as None are not sent, so an update changes only
what the caller named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import Any

from bot.harvest.documents import Format, XmlTyped, encode, plain
from bot.harvest.scalars import format_clock, format_day


def _present(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _wrapped(root: str, fields: Mapping[str, Any], fmt: Format) -> bytes:
    return encode({root: fields} if fmt == "xml" else {root: plain(fields)}, fmt)


def entry_body(
    fmt: Format,
    *,
    project_id: int | None = None,
    task_id: int | None = None,
    spent_at: date | None = None,
    hours: float | None = None,
    notes: str | None = None,
    started_at: time | None = None,
    ended_at: time | None = None,
    start_timer: bool = False,
) -> bytes:
    """``POST /daily/add`` and ``POST /daily/update/{id}``.

    ``start_timer`` sends ``hours`` blank, which is how v1 is told to start a timer.

    :raises ValueError: both hours and start/end times (v1 and v2 each document one or the
        other per account type, never both).
    """
    if hours is not None and (started_at is not None or ended_at is not None):
        raise ValueError("give hours or start/end times, not both")
    fields = _present(
        {
            "notes": notes,
            "hours": "" if start_timer else None if hours is None else XmlTyped(round(hours, 4)),
            "started_at": None if started_at is None else format_clock(started_at),
            "ended_at": None if ended_at is None else format_clock(ended_at),
            "project_id": None if project_id is None else XmlTyped(project_id, "integer"),
            "task_id": None if task_id is None else XmlTyped(task_id, "integer"),
            "spent_at": None if spent_at is None else XmlTyped(format_day(spent_at), "date"),
        }
    )
    # The documents: "Omit the request wrapper when making this call over JSON."
    return encode({"request": fields}, "xml") if fmt == "xml" else encode(plain(fields), "json")


def project_body(
    fmt: Format,
    *,
    name: str | None = None,
    client_id: int | None = None,
    code: str | None = None,
    notes: str | None = None,
    active: bool | None = None,
    billable: bool | None = None,
    bill_by: str | None = None,
    budget: float | None = None,
    budget_by: str | None = None,
) -> bytes:
    """``POST /projects`` and ``PUT /projects/{id}``: dashed XML tags, underscored JSON keys."""
    fields = _present(
        {
            "name": name,
            "active": None if active is None else XmlTyped(active, "boolean"),
            "billable": None if billable is None else XmlTyped(billable, "boolean"),
            "bill_by": bill_by,
            "client_id": None if client_id is None else XmlTyped(client_id, "integer"),
            "code": code,
            "notes": notes,
            "budget": None if budget is None else XmlTyped(round(budget, 4), "decimal"),
            "budget_by": budget_by,
        }
    )
    if fmt == "xml":
        return encode({"project": {key.replace("_", "-"): v for key, v in fields.items()}}, fmt)
    return encode({"project": plain(fields)}, fmt)


def status_body(fmt: Format, text: str) -> bytes:
    """``POST /groups/{id}/statuses``."""
    return _wrapped("status", {"text": text}, fmt)


def group_body(
    fmt: Format,
    *,
    name: str | None = None,
    timezone: str | None = None,
    member_emails: Sequence[str] = (),
) -> bytes:
    """``POST /groups`` and ``PUT /groups/{id}``; emails go comma-separated, as documented."""
    fields = _present(
        {
            "name": name,
            "timezone": timezone,
            "member_emails": ", ".join(member_emails) if member_emails else None,
        }
    )
    return _wrapped("group", fields, fmt)


def change_owner_body(fmt: Format, new_owner_id: int) -> bytes:
    """``PUT /groups/{id}/change_owner``: a bare ``new_group_owner_id``."""
    return encode({"new_group_owner_id": new_owner_id}, fmt)


def membership_body(fmt: Format, email: str) -> bytes:
    """``POST /groups/{id}/memberships``: one invitation."""
    return _wrapped("membership", {"email": email}, fmt)


def refresh_form(refresh_token: str, client_id: str, client_secret: str) -> dict[str, str]:
    """The form of ``POST /oauth2/token`` that trades a refresh token for new tokens."""
    return {
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
        "grant_type": "refresh_token",
    }
