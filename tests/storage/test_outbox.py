import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlite_utils

from storage.db import open_db
from storage.errors import NotFoundError, OutboxClosedError
from storage.outbox import Outbox, OutboxStatus
from storage.timestamps import to_db

from .conftest import NOW


def enqueue(outbox: Outbox, key: str, at=NOW, user_id: str = "U1"):
    return outbox.enqueue(
        idempotency_key=key,
        team_id="T1",
        user_id=user_id,
        operation="create_entry",
        payload={"project_id": 1, "task_id": 2, "hours": 1.5, "notes": "café"},
        now=at,
    )


def test_enqueue_creates_a_pending_item_due_now(db: sqlite_utils.Database) -> None:
    item, created = enqueue(Outbox(db), "k1")
    assert created is True
    assert item.status is OutboxStatus.PENDING
    assert (item.attempts, item.next_attempt_at, item.last_error, item.result) == (
        0,
        NOW,
        None,
        None,
    )
    assert item.payload == {
        "project_id": 1,
        "task_id": 2,
        "hours": 1.5,
        "notes": "café",
    }


def test_enqueue_with_a_known_key_returns_the_first_item(
    db: sqlite_utils.Database,
) -> None:
    outbox = Outbox(db)
    first, _ = enqueue(outbox, "k1")
    again, created = enqueue(outbox, "k1", at=NOW + timedelta(seconds=5))
    assert created is False
    assert again == first


def test_claim_due_leases_due_items_and_counts_attempts(
    db: sqlite_utils.Database,
) -> None:
    outbox = Outbox(db)
    enqueue(outbox, "now")
    enqueue(outbox, "later", at=NOW + timedelta(minutes=5))
    claimed = outbox.claim_due(NOW, lease=timedelta(minutes=2))
    assert [(i.idempotency_key, i.attempts) for i in claimed] == [("now", 1)]
    assert claimed[0].next_attempt_at == NOW + timedelta(minutes=2)
    # Leased: not due again within the lease, due again once it runs out (the worker died).
    assert outbox.claim_due(NOW + timedelta(minutes=1)) == []
    again = outbox.claim_due(NOW + timedelta(minutes=2), limit=1)
    assert [(i.idempotency_key, i.attempts) for i in again] == [("now", 2)]


def test_claim_due_respects_the_limit_oldest_first(db: sqlite_utils.Database) -> None:
    outbox = Outbox(db)
    for n in range(5):
        enqueue(outbox, f"k{n}", at=NOW + timedelta(seconds=n))
    claimed = outbox.claim_due(NOW + timedelta(minutes=1), limit=3)
    assert [i.idempotency_key for i in claimed] == ["k0", "k1", "k2"]


def test_mark_done_records_the_result_and_closes_the_item(
    db: sqlite_utils.Database,
) -> None:
    outbox = Outbox(db)
    item, _ = enqueue(outbox, "k1")
    outbox.claim_due(NOW)
    done = outbox.mark_done(item.id, {"entry_id": 99}, NOW + timedelta(seconds=1))
    assert (done.status, done.result, done.attempts) == (
        OutboxStatus.DONE,
        {"entry_id": 99},
        1,
    )
    assert outbox.claim_due(NOW + timedelta(days=1)) == []
    with pytest.raises(OutboxClosedError):
        outbox.mark_failed(item.id, "late", NOW)
    with pytest.raises(OutboxClosedError):
        outbox.reschedule(item.id, at=NOW, error="late", now=NOW)


def test_reschedule_then_fail(db: sqlite_utils.Database) -> None:
    outbox = Outbox(db)
    item, _ = enqueue(outbox, "k1")
    outbox.claim_due(NOW)
    retry_at = NOW + timedelta(seconds=30)
    later = outbox.reschedule(
        item.id, at=retry_at, error="Harvest is throttling", now=NOW
    )
    assert (later.status, later.next_attempt_at, later.last_error) == (
        OutboxStatus.PENDING,
        retry_at,
        "Harvest is throttling",
    )
    assert outbox.claim_due(retry_at - timedelta(seconds=1)) == []
    (claimed,) = outbox.claim_due(retry_at)
    failed = outbox.mark_failed(claimed.id, "The entry is locked", retry_at)
    assert (failed.status, failed.last_error, failed.attempts) == (
        OutboxStatus.FAILED,
        "The entry is locked",
        2,
    )
    with pytest.raises(OutboxClosedError):
        outbox.mark_done(item.id, {}, NOW)


def test_unknown_ids_are_reported(db: sqlite_utils.Database) -> None:
    outbox = Outbox(db)
    with pytest.raises(NotFoundError):
        outbox.get(404)
    with pytest.raises(NotFoundError):
        outbox.mark_done(404, {}, NOW)
    assert outbox.by_key("nope") is None


def test_for_user_lists_a_persons_items(db: sqlite_utils.Database) -> None:
    outbox = Outbox(db)
    a, _ = enqueue(outbox, "a")
    enqueue(outbox, "b")
    enqueue(outbox, "c", user_id="U2")
    outbox.mark_done(a.id, {}, NOW)
    assert [i.idempotency_key for i in outbox.for_user("T1", "U1")] == ["b"]
    assert [i.idempotency_key for i in outbox.for_user("T1", "U1", status=None)] == [
        "a",
        "b",
    ]
    assert [
        i.idempotency_key for i in outbox.for_user("T1", "U1", OutboxStatus.DONE)
    ] == ["a"]


def test_naive_datetimes_are_refused(db: sqlite_utils.Database) -> None:
    with pytest.raises(ValueError, match="timezone"):
        enqueue(Outbox(db), "k", at=NOW.replace(tzinfo=None))


@pytest.mark.parametrize(
    "shared", [True, False], ids=["shared-connection", "own-connections"]
)
def test_concurrent_workers_never_claim_the_same_item(
    db_path: Path, shared: bool
) -> None:
    main = open_db(db_path)
    outbox = Outbox(main)
    for n in range(200):
        enqueue(outbox, f"k{n}")
    databases = [main if shared else open_db(db_path) for _ in range(8)]
    claimed: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(databases))

    def work(database: sqlite_utils.Database) -> None:
        worker = Outbox(database)
        barrier.wait()
        while batch := worker.claim_due(NOW, limit=7):
            with lock:
                claimed.extend(i.id for i in batch)
            for item in batch:
                worker.mark_done(item.id, {"ok": True}, NOW)

    threads = [threading.Thread(target=work, args=(d,)) for d in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(set(claimed))
    assert len(claimed) == 200
    assert all(i.attempts == 1 for i in outbox.for_user("T1", "U1", OutboxStatus.DONE))
    for database in {id(d): d for d in databases}.values():
        database.conn.close()


def test_a_closed_item_owes_its_notice_until_told(db: sqlite_utils.Database) -> None:
    outbox = Outbox(db)
    landed, _ = enqueue(outbox, "landed")
    refused, _ = enqueue(outbox, "refused")
    waiting, _ = enqueue(outbox, "waiting")
    assert outbox.claim_notices(NOW) == []  # nothing closed, nothing owed
    outbox.mark_done(landed.id, {"entry_id": 9}, NOW)
    outbox.mark_failed(refused.id, "The project is archived", NOW + timedelta(seconds=1))

    later = NOW + timedelta(seconds=1)
    owed = outbox.claim_notices(later)
    assert [(o.item.idempotency_key, o.item.notice_attempts, o.in_doubt_since) for o in owed] == [
        ("landed", 1, None), ("refused", 1, None)]
    assert outbox.claim_notices(later) == []  # leased: nobody else tells them meanwhile
    assert [i.idempotency_key for i in outbox.claim_due(later)] == ["waiting"]  # writes apart

    outbox.mark_told(landed.id, later)
    outbox.notice_later(refused.id, later + timedelta(seconds=10))
    assert outbox.claim_notices(later + timedelta(seconds=9)) == []
    (again,) = outbox.claim_notices(later + timedelta(seconds=10))
    assert (again.item.idempotency_key, again.item.notice_attempts, again.item.last_error,
            again.in_doubt_since) == ("refused", 2, "The project is archived", None)
    assert outbox.get(landed.id).told_at == later
    # A worker that died holding the notice: owed again once its lease ran out, and the attempt
    # that never reached a verdict is in doubt (Slack may have the DM).
    (after_lease,) = outbox.claim_notices(later + timedelta(minutes=3))
    assert (after_lease.item.id, after_lease.in_doubt_since) == (
        refused.id, later + timedelta(seconds=10))


def test_items_closed_before_the_notices_migration_count_as_told(tmp_path: Path) -> None:
    from storage.db import MIGRATIONS

    path = tmp_path / "old.db"
    old = open_db(path, migrations=MIGRATIONS[:4])
    old.execute(
        "INSERT INTO outbox (idempotency_key, team_id, user_id, operation, payload, status, "
        "next_attempt_at, created_at, updated_at) VALUES ('old', 'T1', 'U1', 'add_entry', '{}', "
        "'done', ?, ?, ?)", [to_db(NOW)] * 3)
    old.conn.close()

    outbox = Outbox(open_db(path))
    assert outbox.claim_notices(NOW + timedelta(days=1)) == []
    item = outbox.by_key("old")
    assert item is not None and item.told_at == NOW
