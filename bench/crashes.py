"""SIGKILL in the middle of the bot's background work; after a restart, is what it owed delivered
exactly once?

    python bench/crashes.py [--trials 3] [--scenario NAME ...]

Each scenario runs ``harvest-bot serve`` as an operator does (its own process, configured by the
environment, one SQLite file), the emulator and the local Slack in this process, kills the bot
with SIGKILL at a chosen moment, starts it again on the same file, and counts what arrived:

``outbox``        writes kept while Harvest refused them drain once it is back, one second
                  each; the bot is killed once half of them are in Harvest (one is usually in
                  Harvest's hands: it may have landed, its answer lost). Owed: each write in
                  Harvest, and the DM telling its person it landed.
``digest-build``  a digest due at start is being fetched from Harvest (each call held 2 s).
``digest-post``   its ``chat.postMessage`` is held by Slack, which then makes it.
``digest-lost``   the same post is held, and Slack never makes it (the process died waiting).
``coop``          six new Co-op statuses are being posted into the linked channel, one a
                  second; killed once half are there.
``coop-held``     a status's post is held by Slack, which never makes it.
``coop-twice``    a status's post is held by Slack, which then makes it.
``sqlite``        two processes of four writers (and a lock holder each) drain one outbox.
``sqlite-users``  people log time (kept: Harvest refuses) while another process holds the
                  database's write lock most of the time.

A claim or lease the dead process held runs out after 2 minutes (outbox) or 15 (digests), and a
post it left in doubt (a digest "posting", a Co-op attempt) is looked for in the channel's
history once it cannot still be running, 5 minutes after it began
(``bot.slack_history.IN_DOUBT_AFTER``): the scenarios age these in the database rather than
wait, as the clock would. Counted for each: what the bot owed, delivered once, duplicates, lost.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make ``bench`` and ``tests`` importable
    sys.path.insert(0, str(ROOT))

from bench.load import (  # noqa: E402
    PEOPLE,
    SIGNING_SECRET,
    TEAM,
    ServeProcess,
    add_slack_users,
    link_people,
    serve_env,
)
from tests.fakes.slack_api import FakeSlackApi  # noqa: E402
from tests.fakes.slack_signing import SlackSigner  # noqa: E402

if TYPE_CHECKING:
    from emulator.runner import RunningEmulator
    from tests.fakes.slack_api import Call

DIGEST_CHANNEL, COOP_CHANNEL = "C0DIGEST", "C0FRONTDESK"
GROUP = "Fawlty Towers"
KEPT = "Harvest isn't answering right now, so I've kept"
LANDED = "Harvest is back"


class WatchedSlack(FakeSlackApi):
    """The local Slack, noting when each Web API call arrives (before any held answer)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.arrivals: list[tuple[float, str, dict[str, Any]]] = []

    async def _reply(self, method: str, args: dict[str, Any], authorization: str) -> Any:
        self.arrivals.append((time.monotonic(), method, args))
        return await super()._reply(method, args, authorization)

    def arrived(self, method: str, channel: str) -> int:
        return sum(1 for _, m, a in list(self.arrivals) if m == method and a.get("channel") == channel)


class Scene:
    """The local Slack, the emulator and ``harvest-bot serve`` on one SQLite file; the bot can be
    killed and started again."""

    def __init__(self, stack: contextlib.ExitStack, *, linked: Sequence[str] = ("polly",),
                 wire: str = "v1", **settings: str) -> None:
        from emulator.runner import running_emulator

        self.workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="crash-")))
        self.slack = stack.enter_context(WatchedSlack(team_id=TEAM))
        add_slack_users(self.slack)
        self.emulator: RunningEmulator = stack.enter_context(running_emulator("demo"))
        self.env = serve_env(self.workdir, self.slack, self.emulator, wire=wire,
                             HARVEST_COOP_URL=self.emulator.coop_url, **settings)
        link_people(self.env, self.emulator, wire, who=linked)
        self.signer = SlackSigner(SIGNING_SECRET, team_id=TEAM)
        self.bot: ServeProcess | None = None
        self.runs = 0
        stack.callback(self.stop)

    @property
    def database(self) -> Path:
        return self.workdir / "bot.sqlite"

    def start(self) -> ServeProcess:
        self.runs += 1
        self.bot = ServeProcess(self.env, self.workdir)
        self.bot.ready()
        return self.bot

    def kill(self) -> None:
        assert self.bot is not None
        self.bot.kill()

    def stop(self) -> None:
        if self.bot is not None and self.bot.process.poll() is None:
            self.bot.terminate()

    def send(self, who: str, text: str, channel: str = "C0GENERAL",
             key: str | None = None) -> tuple[str, float]:
        """``/harvest text`` from ``who`` in ``channel``: the key of its response_url and how
        long the bot took to acknowledge it."""
        assert self.bot is not None
        key = key or f"cmd{time.monotonic_ns()}"
        request = self.signer.slash_command(text, user_id=PEOPLE[who][0], channel_id=channel,
                                            response_url=self.slack.response_url(key))
        started = time.monotonic()
        assert request.post(self.bot.events_url).status_code == 200
        return key, time.monotonic() - started

    def answer(self, key: str, timeout: float = 30.0) -> str:
        """The text of the answer at the response_url ``key``."""
        from tests.e2e.harness import text_of
        from tests.fakes.slack_api import RESPONSE_URL

        return text_of(self.slack.wait_for(RESPONSE_URL, lambda c: c.args["key"] == key,
                                           timeout=timeout))

    def command(self, who: str, text: str, channel: str = "C0GENERAL") -> str:
        """``/harvest text`` from ``who`` in ``channel``: its answer's text."""
        return self.answer(self.send(who, text, channel)[0])

    def sql(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        """A statement on the bot's database (the bot may be running: WAL and a busy timeout)."""
        with contextlib.closing(sqlite3.connect(self.database, timeout=10)) as db:
            with db:
                return db.execute(query, args).fetchall()

    def posts(self, channel: str, predicate: Callable[[Call], bool] = lambda c: True) -> list[Call]:
        """Messages the bot made in ``channel`` (thread replies aside)."""
        return [c for c in self.slack.calls_to("chat.postMessage")
                if c.ok and c.args.get("channel") == channel and not c.args.get("thread_ts")
                and predicate(c)]


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


@dataclass
class Outcome:
    scenario: str
    owed: int
    once: int
    duplicates: int
    lost: int
    note: str = ""

    @property
    def holds(self) -> bool:
        return self.once == self.owed and not self.duplicates and not self.lost


def _tally(scenario: str, counts: Sequence[int], note: str = "") -> Outcome:
    return Outcome(scenario, len(counts), sum(1 for n in counts if n == 1),
                   sum(n - 1 for n in counts if n > 1), sum(1 for n in counts if n == 0), note)


# -- the outbox ----------------------------------------------------------------------------


def outbox(writes: int = 6, kill_after: int | None = None, wire: str = "v1") -> Outcome:
    """Writes kept while Harvest refused them; killed mid-drain; every one in Harvest once.

    The wire matters here: after the restart, whether a write in Harvest's hands at the kill
    landed is found by reading the day's entries, ``/daily`` on v1, ``/v2/time_entries`` on v2.
    """
    kill_after = writes // 2 if kill_after is None else kill_after
    route = "/daily/add" if wire == "v1" else "/v2/time_entries"
    with contextlib.ExitStack() as stack:
        scene = Scene(stack, linked=("polly", "basil"), wire=wire)
        emulator = scene.emulator
        scene.start()
        down = emulator.faults.add(route, method="POST", status=500)
        notes = [f"crash {i}" for i in range(writes)]
        hours = [f"0:{10 + i:02d}" for i in range(writes)]  # each notice names its write's
        for i, note in enumerate(notes):
            answer = scene.command(("polly", "basil")[i % 2],
                                   f"log {hours[i]} mobile / design -- {note}")
            assert KEPT in answer, answer

        def landed() -> int:
            return int(emulator.store.scalar(
                "SELECT COUNT(*) FROM day_entries WHERE notes LIKE 'crash %'"))

        emulator.faults.remove(down.id)
        emulator.faults.add(route, method="POST", latency=1.0)  # a drain one a second
        assert wait_until(lambda: landed() >= kill_after, 60), "the outbox never drained"
        scene.kill()
        at_kill = landed()
        time.sleep(1.5)  # the write in Harvest's hands lands (or not) with nobody to hear it
        # The dead worker's leases (2 minutes) run out: on writes, and on notices it held.
        scene.sql("UPDATE outbox SET next_attempt_at = ? WHERE told_at IS NULL",
                  (datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="microseconds"))
        scene.start()
        assert wait_until(lambda: not scene.sql(
            "SELECT 1 FROM outbox WHERE told_at IS NULL"), 60), "writes kept or notices owed"
        time.sleep(2.0)
        counts = [int(emulator.store.scalar("SELECT COUNT(*) FROM day_entries WHERE notes = ?", n))
                  for n in notes]
        notices = [c for c in scene.slack.calls_to("chat.postMessage")
                   if c.ok and LANDED in str(c.args.get("text"))]
        told = [sum(1 for c in notices if f"{h} on " in str(c.args.get("text"))) for h in hours]
        scene.stop()
        # Owed: each write in Harvest, and its person told it landed.
        return _tally(f"outbox ({wire})", counts + told, f"killed with {at_kill} of {writes} in Harvest; "
                      f"{sum(told)} of {writes} notices that they landed")
    raise AssertionError("unreachable")


# -- posts in doubt ------------------------------------------------------------------------


def age_in_doubt(scene: Scene) -> int:
    """Move the dead process's posts in doubt (digests left "posting", Co-op attempts) back by
    ``IN_DOUBT_AFTER`` and a second, as the clock would have by then; how many."""
    from bot.slack_history import IN_DOUBT_AFTER
    from storage.timestamps import from_db, to_db

    back = IN_DOUBT_AFTER + timedelta(seconds=1)
    aged = 0
    for target, period, updated, claimed in scene.sql(
            "SELECT target, period, updated_at, claimed_at FROM digest_sends "
            "WHERE state = 'posting'"):
        scene.sql("UPDATE digest_sends SET updated_at = ?, claimed_at = ? WHERE target = ? AND "
                  "period = ?", to_db(from_db(updated) - back), to_db(from_db(claimed) - back),
                  target, period)
        aged += 1
    for rowid, attempted in scene.sql("SELECT rowid, attempted_at FROM coop_attempts"):
        scene.sql("UPDATE coop_attempts SET attempted_at = ? WHERE rowid = ?",
                  to_db(from_db(attempted) - back), rowid)
        aged += 1
    return aged


# -- digests -------------------------------------------------------------------------------


def _subscribe(scene: Scene) -> None:
    """Sybil subscribes the channel to a daily digest a minute ago (UTC): due at the next
    start's catch-up. The first process stops before its first sweep (a minute in)."""
    scene.start()
    at = datetime.now(UTC) - timedelta(minutes=1)
    answer = scene.command("sybil", f"digest daily {at:%H:%M} UTC", DIGEST_CHANNEL)
    assert "daily" in answer.lower(), answer
    scene.stop()


def _digests(scene: Scene) -> list[Call]:
    return scene.posts(DIGEST_CHANNEL, lambda c: "logged" in str(c.args.get("text", "")).lower()
                       or "digest" in str(c.args.get("text", "")).lower())


def _state(scene: Scene) -> str | None:
    rows = scene.sql("SELECT state FROM digest_sends")
    return rows[0][0] if rows else None


def digest(moment: str) -> Outcome:
    """``moment``: "build" (fetching from Harvest), "post" (Slack holds the post, then makes
    it), "lost" (Slack holds it and never makes it)."""
    with contextlib.ExitStack() as stack:
        scene = Scene(stack, linked=("sybil",), HARVEST_BOT_DIGEST_GRACE_SECONDS="3600")
        _subscribe(scene)
        slow = None
        if moment == "build":
            slow = scene.emulator.faults.add("*", latency=2.0)
            wanted = "claimed"
        else:
            scene.slack.delay_next("chat.postMessage", 3.0, status=200 if moment == "post" else 503)
            wanted = "posting"
        scene.start()  # its catch-up finds the digest due
        assert wait_until(lambda: _state(scene) == wanted, 60), _state(scene)
        if moment != "build":
            assert wait_until(lambda: scene.slack.arrived("chat.postMessage", DIGEST_CHANNEL) > 0,
                              10)
        scene.kill()
        time.sleep(3.5)  # a held post is made (or not) with nobody to hear it
        if slow is not None:
            scene.emulator.faults.remove(slow.id)
        # The dead process's claim (15 minutes) runs out; a post in doubt settles (5).
        scene.sql("UPDATE digest_sends SET claimed_at = ? WHERE state = 'claimed'",
                  (datetime.now(UTC) - timedelta(minutes=16)).isoformat(timespec="microseconds"))
        age_in_doubt(scene)
        scene.start()  # its catch-up posts what is still owed, or finds it in the channel
        wait_until(lambda: _state(scene) == "posted", 30)
        time.sleep(3.0)
        state = _state(scene)
        count = len(_digests(scene))
        scene.stop()
        return _tally(f"digest-{moment}", [count], f"record left {state!r}")
    raise AssertionError("unreachable")


# -- Co-op mirroring -----------------------------------------------------------------------


def _link_group(scene: Scene) -> None:
    """Basil links the front desk channel to the group (its history is not replayed), with
    Co-op's clock past the demo's seeded note so that new statuses are the newest."""
    emulator = scene.emulator
    now = emulator.clock.now()
    seeded = datetime.combine(now.date(), datetime.min.time().replace(hour=9, minute=30,
                                                                       second=1), tzinfo=UTC)
    if now < seeded:
        emulator.clock.advance((seeded - now).total_seconds())
    answer = scene.command("basil", f"group link {GROUP}", COOP_CHANNEL)
    assert GROUP in answer, answer


def _post_notes(scene: Scene, notes: Sequence[str]) -> int:
    """Statuses written straight into Co-op's store, a second apart, as its API would; the
    last one's id."""
    from emulator.clock import iso

    emulator = scene.emulator
    user = emulator.info.logins["basil"].user_id
    group = emulator.info.ids[f"group:{GROUP}"]
    last = 0
    for note in notes:
        emulator.clock.advance(1)
        now = iso(emulator.clock.now())
        last = emulator.store.insert("statuses", group_id=group, user_id=user, text=note,
                                     created_at=now, updated_at=now)
    return last


def coop(moment: str, statuses: int = 6) -> Outcome:
    """``moment``: "burst" (killed once half of ``statuses`` are in the channel), "held"
    (Slack holds a post and never makes it), "twice" (Slack holds it, then makes it)."""
    with contextlib.ExitStack() as stack:
        scene = Scene(stack, linked=("basil",), HARVEST_BOT_COOP_POLL_SECONDS="5")
        scene.start()
        _link_group(scene)
        count = statuses if moment == "burst" else 1
        notes = [f"Front desk note {i}" for i in range(count)]

        def shown(note: str) -> int:
            return len(scene.posts(COOP_CHANNEL, lambda c: note in str(c.args.get("text", ""))
                                   or note in str(c.args.get("blocks", ""))))

        if moment != "burst":
            scene.slack.delay_next("chat.postMessage", 3.0, status=200 if moment == "twice" else 503)
        last = _post_notes(scene, notes)
        if moment == "burst":
            assert wait_until(lambda: sum(shown(n) for n in notes) >= count // 2, 60)
        else:
            assert wait_until(lambda: scene.slack.arrived("chat.postMessage", COOP_CHANNEL) > 0,
                              30)
        scene.kill()
        at_kill = sum(min(shown(n), 1) for n in notes)
        time.sleep(3.5)
        in_doubt = age_in_doubt(scene)
        scene.start()
        # Done when the group's cursor reached the last status: every later poll starts after
        # it. (A status posted twice is posted by the poll that moves the cursor, not after.)
        wait_until(lambda: scene.sql("SELECT status_id FROM coop_cursors") == [(last,)], 40,
                   step=0.2)
        time.sleep(1.0)
        counts = [shown(n) for n in notes]
        scene.stop()
        return _tally(f"coop-{moment}", counts, f"killed with {at_kill} of {count} shown, "
                      f"{in_doubt} in doubt")
    raise AssertionError("unreachable")


# -- SQLite under concurrent writers -------------------------------------------------------


def _contend(path: str, name: str, threads: int, hold: float, results: Any) -> None:
    """One process of :func:`sqlite_writers`: ``threads`` threads on one shared connection (as
    the bot shares its own) drain the outbox, each item with an event key and a counter bump,
    while one more thread keeps taking the write lock for ``hold`` seconds at a time."""
    import threading

    from storage.channels import ChannelSettings
    from storage.db import atomic, open_db
    from storage.events import SeenEvents
    from storage.outbox import Outbox

    db = open_db(path)
    errors: list[str] = []
    claimed: list[int] = []
    done = threading.Event()

    def drain() -> None:
        outbox, events, settings = Outbox(db), SeenEvents(db), ChannelSettings(db)
        try:
            while batch := outbox.claim_due(datetime.now(UTC), limit=3):
                for item in batch:
                    claimed.append(item.id)
                    events.first_time(f"item:{item.id}", now=datetime.now(UTC))
                    with atomic(db):  # read-modify-write, as a repository does
                        settings.set("T0", "C0", "count",
                                     int(settings.get("T0", "C0", "count", 0)) + 1)
                    outbox.mark_done(item.id, {"by": name}, datetime.now(UTC))
        except Exception as error:  # noqa: BLE001 - counted, this is what is measured
            errors.append(f"{type(error).__name__}: {error}")

    def hog() -> None:
        try:
            while not done.is_set():
                with atomic(db):
                    db.execute("UPDATE channel_settings SET value = value WHERE key = 'count'")
                    time.sleep(hold)
                time.sleep(hold / 10)
        except Exception as error:  # noqa: BLE001
            errors.append(f"{type(error).__name__}: {error}")

    hogging = threading.Thread(target=hog)
    hogging.start()
    workers = [threading.Thread(target=drain) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done.set()
    hogging.join()
    db.conn.close()
    results.put((name, claimed, errors))


def sqlite_writers(items: int = 300, processes: int = 2, threads: int = 4,
                   hold: float = 0.05) -> Outcome:
    """``processes`` processes of ``threads`` writers each on one SQLite file (and one thread
    each holding the write lock ``hold`` s at a time): no "database is locked", every outbox
    item done exactly once."""
    import multiprocessing

    from storage.db import open_db
    from storage.outbox import Outbox

    with tempfile.TemporaryDirectory(prefix="sqlite-") as workdir:
        path = str(Path(workdir) / "bot.sqlite")
        db = open_db(path)
        outbox = Outbox(db)
        for n in range(items):
            outbox.enqueue(idempotency_key=f"k{n}", team_id="T0", user_id="U0",
                           operation="add_entry", payload={"n": n}, now=datetime.now(UTC))
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        children = [context.Process(target=_contend, args=(path, f"p{i}", threads, hold, results))
                    for i in range(processes)]
        for child in children:
            child.start()
        found = [results.get(timeout=120) for _ in children]
        for child in children:
            child.join(30)
        errors = [e for _, _, errs in found for e in errs]
        claims = [i for _, claimed, _ in found for i in claimed]
        count = int(db.execute("SELECT value FROM channel_settings WHERE key = 'count'")
                    .fetchone()[0])
        events = int(db.execute("SELECT COUNT(*) FROM seen_events").fetchone()[0])
        done = int(db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'done'").fetchone()[0])
        db.conn.close()
    per_item = [claims.count(i + 1) for i in range(items)]
    locked = sum(1 for e in errors if "locked" in e)
    outcome = _tally("sqlite", per_item,
                     f"{processes} processes x {threads} writers + a {hold * 1000:.0f} ms lock "
                     f"holder each; {len(errors)} errors ({locked} 'database is locked'); "
                     f"{done} done, {events} event keys, counter {count}")
    outcome.lost += len(errors)  # an error is a write a person would have lost
    return outcome


def hog_database(path: str, hold: float, stop: Any) -> None:
    """A process taking the bot's write lock ``hold`` seconds at a time until ``stop`` is set."""
    from storage.db import atomic, open_db

    db = open_db(path)
    while not stop.is_set():
        with atomic(db):
            db.execute("UPDATE _migrations SET applied_at = applied_at")
            time.sleep(hold)
        time.sleep(hold / 10)
    db.conn.close()


def sqlite_users(commands: int = 30, hold: float = 0.2) -> Outcome:
    """People log time while Harvest refuses writes (each kept: a write to the bot's database)
    and another process holds the database's write lock ``hold`` s out of every ``1.1 hold``:
    every person is told the write was kept; nobody reads "database is locked" or "went wrong"."""
    import multiprocessing

    with contextlib.ExitStack() as stack:
        scene = Scene(stack, linked=("polly", "basil"))
        scene.start()
        scene.emulator.faults.add("/daily/add", method="POST", status=500)
        context = multiprocessing.get_context("spawn")
        stop = context.Event()
        hog = context.Process(target=hog_database, args=(str(scene.database), hold, stop))
        hog.start()
        stack.callback(hog.join, 10)
        stack.callback(stop.set)
        time.sleep(1.0)  # the hog is holding the lock by now
        answers = [scene.command(("polly", "basil")[i % 2],
                                 f"log 0:15 mobile / design -- contended {i}")
                   for i in range(commands)]
        stop.set()
        output = scene.bot.output if scene.bot else ""
        scene.stop()
        kept = [1 if KEPT in a else 0 for a in answers]
        refused = sum(1 for a in answers if "went wrong" in a or "locked" in a)
        pending = len(scene.sql("SELECT 1 FROM outbox WHERE status = 'pending'"))
        return _tally("sqlite-users", kept,
                      f"lock held {hold * 1000:.0f} ms at a time by another process; "
                      f"{refused} answers saying 'went wrong'/'locked'; {pending} writes kept; "
                      f"'database is locked' in the bot's log: {output.count('database is locked')}")
    raise AssertionError("unreachable")


SCENARIOS: dict[str, Callable[[], Outcome]] = {
    "outbox": outbox,
    "outbox-v2": lambda: outbox(wire="v2"),
    "digest-build": lambda: digest("build"),
    "digest-post": lambda: digest("post"),
    "digest-lost": lambda: digest("lost"),
    "coop": lambda: coop("burst"),
    "coop-held": lambda: coop("held"),
    "coop-twice": lambda: coop("twice"),
    "sqlite": sqlite_writers,
    "sqlite-users": sqlite_users,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--trials", type=int, default=3, help="runs of each scenario (3)")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS),
                        help="only these (default: all)")
    args = parser.parse_args(argv)
    print("| scenario | trials | owed | delivered once | duplicates | lost | notes |")
    print("|----------|-------:|-----:|---------------:|-----------:|-----:|-------|")
    for name in args.scenario or list(SCENARIOS):
        outcomes = []
        for trial in range(args.trials):
            print(f"... {name} {trial + 1}/{args.trials}", file=sys.stderr)
            outcomes.append(SCENARIOS[name]())
        print(f"| {name} | {len(outcomes)} | {sum(o.owed for o in outcomes)} "
              f"| {sum(o.once for o in outcomes)} | {sum(o.duplicates for o in outcomes)} "
              f"| {sum(o.lost for o in outcomes)} | {'; '.join(o.note for o in outcomes)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
