"""Digest subscriptions, personal DMs, and the send records that make "exactly once" hold."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import sqlite_utils

from storage.db import open_db
from storage.digests import (
    DigestSends,
    DigestSubscription,
    DigestSubscriptions,
    PersonalDigest,
    PersonalDigests,
)
from tests.storage.conftest import NOW

LEASE = timedelta(minutes=15)


def subscription(**changes: object) -> DigestSubscription:
    values: dict[str, object] = dict(
        team_id="T1", channel_id="C1", kind="daily", owner_user_id="U1", at=time(9),
        days=(0, 1, 2, 3, 4), timezone="Europe/London",
        scope={"kind": "projects", "ids": [5, 6], "names": ["Acme", "Web"]},
        by_task=True, mention_missing=False, week_start=6)
    values.update(changes)
    return DigestSubscription(**values)  # type: ignore[arg-type]


def test_a_subscription_round_trips(db: sqlite_utils.Database) -> None:
    subs = DigestSubscriptions(db)
    saved = subs.save(subscription(), NOW)
    assert saved.id is not None and saved.target == f"sub:{saved.id}"
    assert saved == subscription(id=saved.id, created_at=NOW, updated_at=NOW)
    assert subs.get(saved.id) == saved
    assert subs.for_channel("T1", "C1") == [saved] and subs.all() == [saved]


def test_replacing_a_channels_digest_keeps_its_id(db: sqlite_utils.Database) -> None:
    subs = DigestSubscriptions(db)
    first = subs.save(subscription(), NOW)
    later = NOW + timedelta(hours=1)
    second = subs.save(subscription(at=time(10, 30), owner_user_id="U2", days=(0,)), later)
    assert second.id == first.id and second.at == time(10, 30) and second.owner_user_id == "U2"
    assert (second.created_at, second.updated_at) == (NOW, later)
    weekly = subs.save(subscription(kind="weekly", days=(0,)), NOW)
    assert weekly.id != first.id
    assert [s.kind for s in subs.for_channel("T1", "C1")] == ["daily", "weekly"]
    assert subs.delete("T1", "C1", "weekly") == 1
    assert subs.delete("T1", "C1") == 1 and subs.all() == []
    assert subs.get(first.id or 0) is None


def test_clear_team(db: sqlite_utils.Database) -> None:
    subs = DigestSubscriptions(db)
    subs.save(subscription(), NOW)
    subs.save(subscription(team_id="T2"), NOW)
    assert subs.clear_team("T1") == 1 and [s.team_id for s in subs.all()] == ["T2"]


def test_personal_digests(db: sqlite_utils.Database) -> None:
    mine = PersonalDigests(db)
    saved = mine.save(PersonalDigest("T1", "U1", time(18), (0, 1, 2, 3, 4), "Europe/Madrid"), NOW)
    assert mine.get("T1", "U1") == saved and saved.running_after == time(20)
    assert saved.target == "me:T1:U1"
    mine.save(PersonalDigest("T1", "U1", time(17, 30), (0,), "UTC", time(19), 9.5), NOW)
    again = mine.get("T1", "U1")
    assert again is not None and (again.at, again.max_hours, again.created_at) == (
        time(17, 30), 9.5, NOW)
    assert len(mine.all()) == 1 and mine.delete("T1", "U1") and mine.get("T1", "U1") is None


def test_a_period_is_claimed_once(db: sqlite_utils.Database) -> None:
    sends = DigestSends(db)
    fire = NOW - timedelta(minutes=1)
    assert sends.claim("sub:1", "2026-11-19", fire, NOW, LEASE)
    assert not sends.claim("sub:1", "2026-11-19", fire, NOW, LEASE)
    assert sends.claim("sub:1", "2026-11-18", fire, NOW, LEASE)
    assert sends.claim("sub:2", "2026-11-19", fire, NOW, LEASE)
    sends.posting("sub:1", "2026-11-19", NOW)
    sends.posted("sub:1", "2026-11-19", NOW, "1700000000.000100")
    sent = sends.get("sub:1", "2026-11-19")
    assert sent is not None and (sent.state, sent.message_ts, sent.fire_at) == (
        "posted", "1700000000.000100", fire)
    assert not sends.claim("sub:1", "2026-11-19", fire, NOW + timedelta(days=1), LEASE)


def test_a_stale_claim_is_taken_over_but_posting_never_is_claimed(db: sqlite_utils.Database) -> None:
    sends = DigestSends(db)
    assert sends.claim("sub:1", "d1", NOW, NOW, LEASE)
    assert not sends.claim("sub:1", "d1", NOW, NOW + LEASE - timedelta(seconds=1), LEASE)
    assert sends.claim("sub:1", "d1", NOW, NOW + LEASE, LEASE)  # its process died
    sends.posting("sub:1", "d1", NOW + LEASE)
    assert not sends.claim("sub:1", "d1", NOW, NOW + timedelta(days=2), LEASE)
    record = sends.get("sub:1", "d1")
    assert record is not None and record.state == "posting"


def test_a_post_in_doubt_is_rechecked_by_one_caller_once_its_attempt_is_over(
        db: sqlite_utils.Database) -> None:
    sends, after = DigestSends(db), timedelta(minutes=5)
    assert sends.recheck("sub:1", "d1", NOW, after) is None  # no record
    assert sends.claim("sub:1", "d1", NOW, NOW, LEASE)
    assert sends.recheck("sub:1", "d1", NOW + after, after) is None  # claimed, not posting
    began = NOW + timedelta(minutes=1)
    sends.posting("sub:1", "d1", began)
    assert sends.recheck("sub:1", "d1", began + after - timedelta(seconds=1), after) is None
    record = sends.recheck("sub:1", "d1", began + after, after)
    assert record is not None and (record.state, record.updated_at) == ("posting", began)
    # Taken: nobody else checks until ``after`` has passed since this check.
    assert sends.recheck("sub:1", "d1", began + after + timedelta(minutes=1), after) is None
    again = sends.recheck("sub:1", "d1", began + 2 * after, after)
    assert again is not None and again.updated_at == began  # still the attempt's start
    sends.posted("sub:1", "d1", began + 2 * after, "1.000001")
    assert sends.recheck("sub:1", "d1", began + 4 * after, after) is None


def test_release_lets_a_later_run_retry(db: sqlite_utils.Database) -> None:
    sends = DigestSends(db)
    assert sends.claim("sub:1", "d1", NOW, NOW, LEASE)
    sends.release("sub:1", "d1")
    assert sends.get("sub:1", "d1") is None
    assert sends.claim("sub:1", "d1", NOW, NOW, LEASE)
    sends.posting("sub:1", "d1", NOW)
    sends.release("sub:1", "d1")  # only a claim is released
    assert sends.get("sub:1", "d1") is not None


def test_skip_records_once_and_blocks_a_claim(db: sqlite_utils.Database) -> None:
    sends = DigestSends(db)
    assert sends.skip("sub:1", "d1", NOW, NOW, "missed by 3:00:00")
    assert not sends.skip("sub:1", "d1", NOW, NOW, "again")
    assert not sends.claim("sub:1", "d1", NOW, NOW, LEASE)
    record = sends.get("sub:1", "d1")
    assert record is not None and (record.state, record.note) == ("skipped", "missed by 3:00:00")
    assert [r.period for r in sends.recent("sub:1")] == ["d1"]


def test_two_connections_claim_a_period_once(db_path: Path, db: sqlite_utils.Database) -> None:
    # Two processes on one file (a restart overlapping the old one): one wins.
    other = open_db(db_path)
    try:
        won = [DigestSends(conn).claim("sub:1", "d1", NOW, NOW, LEASE) for conn in (db, other)]
    finally:
        other.conn.close()
    assert won == [True, False]
