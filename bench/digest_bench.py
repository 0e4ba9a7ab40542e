"""A digest for a big account: 1,000 people, 100 projects, 20,000 entries on the day reported.

    python bench/digest_bench.py [--people 1000] [--projects 100] [--entries 20000]
                                 [--no-throttle]

An emulator is started in this process (the ``empty`` seed: its administrator only) and its
store is filled directly: the people, ten clients, five tasks (Meetings not billable), the
projects (every tenth not billable) with their task assignments, the entries of Friday
2026-03-27 spread over people and projects (a few still running), half as many on Thursday
(the comparison), and one expense for every twentieth entry. The administrator's daily digest
for Friday (fired Monday 09:00 in London) is then built twice through the bot's own service,
client, pacer and lookups cache: cold, then warm (names cached). Reported for each: Harvest
calls (counted at the client's transport, so retries count), wall time, peak Python memory
(``tracemalloc``, which traces the in-process emulator too, so it is an upper bound,
and slows every allocation: ``--no-trace`` for wall times without it; the process's max RSS is
printed too) and the digest's totals, with the time
to render the message and the chart.

The emulator's throttle (100 calls per 15 s) is on unless ``--no-throttle``, and the client
paces itself below it (95 per 15 s), so a cold run's wall time is mostly the pacer waiting:
which is the point. A sum over the store is printed beside the digest's total as a check.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.accounts import HarvestClients  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.digest_blocks import digest_message  # noqa: E402
from bot.digest_chart import chart_png  # noqa: E402
from bot.digest_report import hours_text  # noqa: E402
from bot.digests import Digests  # noqa: E402
from bot.parsing.digest_words import WORK_DAYS, DigestSubscribe  # noqa: E402
from bot.services import build_services  # noqa: E402
from emulator.clock import iso  # noqa: E402
from emulator.runner import RunningEmulator, running_emulator  # noqa: E402

FRIDAY, THURSDAY = date(2026, 3, 27), date(2026, 3, 26)
FIRE = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # Monday 09:00 in London
TEAM, OWNER = "T0BENCH", "U0ADMIN"


class CountingTransport(httpx.HTTPTransport):
    """Counts the requests the bot's clients send."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.throttled = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.count += 1
        response = super().handle_request(request)
        if response.status_code in (429, 503):
            with self._lock:
                self.throttled += 1
        return response


class Clicks(threading.Thread):
    """A person's interactive calls (their timesheet) every ``every`` seconds while the digest
    runs: how long each waits shows whether batch work starves them."""

    def __init__(self, call, every: float = 2.0) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self._call, self._every = call, every
        self.latencies: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self._every):
            began = time.perf_counter()
            self._call()
            self.latencies.append(time.perf_counter() - began)


def seed(emulator: RunningEmulator, people: int, projects: int, entries: int) -> int:
    """Fill the store; the hundredths of an hour logged on Friday (the check)."""
    store, rng = emulator.store, random.Random(7)
    stamp = iso(datetime(2026, 1, 1, tzinfo=UTC))
    friday_centi = 0
    with store.tx():
        clients = [store.insert("clients", name=f"Client {n}", created_at=stamp,
                                updated_at=stamp) for n in range(10)]
        tasks = [store.insert("tasks", name=name, billable_by_default=int(name != "Meetings"),
                              created_at=stamp, updated_at=stamp)
                 for name in ("Design", "Development", "Meetings", "Research", "Support")]
        project_ids = []
        for n in range(projects):
            pid = store.insert("projects", client_id=clients[n % 10], name=f"Project {n:03d}",
                               code=f"P{n:03d}", active=1, billable=int(n % 10 != 9),
                               created_at=stamp, updated_at=stamp)
            project_ids.append(pid)
            for tid in tasks:
                store.insert("task_assignments", project_id=pid, task_id=tid,
                             billable=int(tid != tasks[2]), created_at=stamp, updated_at=stamp)
        user_ids = [row["id"] for row in store.all("SELECT id FROM users")]
        for n in range(people - len(user_ids)):
            user_ids.append(store.insert(
                "users", email=f"person{n}@bench.example", password="x", first_name="Person",
                last_name=f"{n:04d}", created_at=stamp, updated_at=stamp))
        now = emulator.clock.now()
        for day, count in ((FRIDAY, entries), (THURSDAY, entries // 2)):
            for n in range(count):
                hours = rng.choice([0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 0.33, 0.1])
                running = day == FRIDAY and n % 2000 == 0
                uid = user_ids[n % len(user_ids)]
                pid = rng.choice(project_ids)
                store.insert("day_entries", user_id=uid, project_id=pid, task_id=rng.choice(tasks),
                             spent_at=day.isoformat(), hours=hours, notes="",
                             timer_started_at=iso(now) if running else None,
                             created_at=stamp, updated_at=stamp)
                if day == FRIDAY:
                    friday_centi += round(hours * 100)
                    if n % 20 == 0:
                        store.insert("expenses", user_id=uid, project_id=pid,
                                     expense_category_id=category(store, stamp),
                                     spent_at=day.isoformat(), total_cost=12.5, notes="",
                                     created_at=stamp, updated_at=stamp)
    return friday_centi


def category(store, stamp: str) -> int:  # noqa: ANN001
    row = store.one("SELECT id FROM expense_categories LIMIT 1")
    if row:
        return int(row["id"])
    return store.insert("expense_categories", name="Meals", created_at=stamp, updated_at=stamp)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--no-throttle", action="store_true")
    parser.add_argument("--no-trace", action="store_true",
                        help="skip tracemalloc (it slows every allocation, the emulator's too)")
    args = parser.parse_args()

    with running_emulator("empty") as emulator, tempfile.TemporaryDirectory() as tmp:
        emulator.throttle.configure(enabled=not args.no_throttle)
        started = time.perf_counter()
        check = seed(emulator, args.people, args.projects, args.entries)
        print(f"seeded {args.people} people, {args.projects} projects, {args.entries} entries "
              f"in {time.perf_counter() - started:.1f} s")
        env = {"HARVEST_BASE_URL": emulator.base_url,
               "HARVEST_BOT_DATABASE": str(Path(tmp) / "bot.sqlite"),
               "HARVEST_BOT_SECRET_KEY": Fernet.generate_key().decode()}
        transport = CountingTransport()
        clients = HarvestClients(None, transport=transport)
        services = build_services(load_settings(env=env), env=env, clients=clients,
                                  clock=lambda: FIRE)
        try:
            login = emulator.info.logins["admin"]
            services.accounts.link_basic(TEAM, OWNER, emulator.base_url, login.email,
                                         login.password, timezone="Europe/London")
            digests = Digests(services.db, services.accounts, clock=lambda: FIRE,
                              grace=timedelta(hours=1))
            sub = digests.subscribe(TEAM, "C0BENCH", OWNER, DigestSubscribe(
                "daily", clock_time(9), WORK_DAYS, "Europe/London"))
            print("| run  | Harvest calls | throttled | wall s | peak MB (tracemalloc) | render ms "
                  "| chart ms | clicks: max s | total h | billable h | people | projects |")
            print("|------|--------------:|----------:|-------:|----------------------:|----------:"
                  "|---------:|--------------:|--------:|-----------:|-------:|---------:|")
            interactive = services.accounts.session_for(TEAM, OWNER)
            for run in ("cold", "warm"):
                before, refused = transport.count, transport.throttled
                clicks = Clicks(lambda: interactive.day(FRIDAY))
                if not args.no_trace:
                    tracemalloc.start()
                began = time.perf_counter()
                clicks.start()
                report = digests.report(sub, FIRE)
                wall = time.perf_counter() - began
                clicks.done.set()
                clicks.join()
                calls = transport.count - before - len(clicks.latencies)
                rendered = time.perf_counter()
                digest_message(sub, report)
                render_ms = (time.perf_counter() - rendered) * 1000
                charted = time.perf_counter()
                chart_png(report, "bench")
                chart_ms = (time.perf_counter() - charted) * 1000
                _, peak = tracemalloc.get_traced_memory() if not args.no_trace else (0, 0)
                tracemalloc.stop()
                slowest = max(clicks.latencies, default=0.0)
                print(f"| {run} | {calls:>13} | {transport.throttled - refused:>9} | {wall:>6.1f} | "
                      f"{peak / 2**20:>21.1f} | {render_ms:>9.0f} | {chart_ms:>8.0f} | "
                      f"{slowest:>6.2f} ({len(clicks.latencies)}) | "
                      f"{hours_text(report.total):>7} | {hours_text(report.billable):>10} | "
                      f"{len(report.people):>6} | {len(report.projects):>8} |")
            print(f"check: the store's Friday sum is {hours_text(check)} h (running timers add "
                  "their elapsed time on top)")
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"process max RSS {rss:.0f} MB (emulator, store and bot in one process)")
        finally:
            services.close()
            clients.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
