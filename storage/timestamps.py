"""How the database writes instants: ISO 8601 in UTC, one fixed width, so text order is time order."""

from datetime import UTC, datetime


def to_db(instant: datetime) -> str:
    """Format an aware datetime for storage; naive ones are refused because their zone is a guess.

    :raises ValueError: ``instant`` has no time zone.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str) -> datetime:
    """Read back what :func:`to_db` wrote."""
    return datetime.fromisoformat(text)
