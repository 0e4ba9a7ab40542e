"""Signed ``/harvest`` commands at a steady rate against ``harvest-bot serve``: acks, answers, RSS.

    python bench/load.py [--rate 200] [--seconds 60] [--harvest-rate 1] [--drain 30]
                         [--generators 2] [--wire v1]

What runs, all on loopback:

- ``harvest-bot serve`` as an operator starts it: its own process, configured by the
  environment, a fresh SQLite file; the demo people are linked in that file before it starts;
- the Harvest emulator (demo account, throttle on as Harvest's) and the local Slack Web API
  (``tests/fakes/slack_api.py``), both in this process, which also checks what arrived;
- the load: ``bench/ack_latency.py``'s generator processes (one asyncio loop and pooled httpx
  clients each), given the signed requests before the clock starts.

The commands, ``--rate`` a second for ``--seconds`` (open loop: the schedule does not wait for
acks), dealt round robin over three kinds:

- ``log 0:15 mobile / design -- load <n>`` by a linked demo person, ``--harvest-rate`` a second:
  a Harvest write. Harvest lets one account make 100 calls in 15 s and the bot paces itself
  under that (95), about 2.5 calls a write, so a linked person's commands cannot come faster
  than ~2.5 a second for long, whatever the bot does; the rest of the load is commands that
  need no Harvest call, so the whole rate reaches the bot and every command can be answered;
- ``today`` by a Slack user who never linked Harvest: the database, ``users.info`` (cached) and
  the app's error path ("connect first");
- ``help`` by anyone.

Counted: every HTTP answer (an ack later than Slack's 3 s, or not 2xx, is a failure); every
command's answer at its ``response_url`` (none within ``--drain`` s after the last is lost; one
that is not the answer its kind expects is a failure; two are a duplicate); each write's
entries in the emulator (exactly one each); the serve process's RSS (``/proc/<pid>/status``)
after the warm-up, every few seconds, and after the drain; its exit status on SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make ``bench`` and ``tests`` importable
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.ack_latency import (  # noqa: E402
    ACK_DEADLINE,
    Generators,
    Shot,
    machine_cpu,
    percentile,
    process_cpu,
    schedule,
)
from tests.fakes.slack_signing import SlackSigner  # noqa: E402

if TYPE_CHECKING:
    from emulator.runner import RunningEmulator
    from tests.fakes.slack_api import FakeSlackApi

TEAM = "T0DEMO"
SIGNING_SECRET = "load-signing-secret"
BOT_TOKEN = "xoxb-load-bot-token"
#: The emulator's demo people: Slack user id, time zone.
PEOPLE = {
    "sybil": ("U0SYBIL", "Europe/London"),
    "basil": ("U0BASIL", "Europe/London"),
    "polly": ("U0POLLY", "Europe/London"),
    "manuel": ("U0MANUEL", "Europe/Madrid"),
}
#: Slack users who never linked Harvest.
GUESTS = tuple(f"U0GUEST{i:02d}" for i in range(16))
SCRIPT = Path(sys.executable).parent / "harvest-bot"

# What each kind of command's answer says (a word of it, lower case).
LOG, UNLINKED, HELP = "log", "unlinked", "help"
EXPECTED = {LOG: "logged", UNLINKED: "connect", HELP: "harvest commands"}


# -- the bot as a process ------------------------------------------------------------------


def serve_env(workdir: Path, slack: FakeSlackApi, emulator: RunningEmulator, *,
              wire: str = "v1", **settings: str) -> dict[str, str]:
    """This environment without any Slack or Harvest setting, plus the bot's own for a run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HARVEST_"))}
    env.update({
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.base_url,
        "HARVEST_BASE_URL": emulator.base_url,
        "HARVEST_WIRE": wire,
        "HARVEST_API_V2_URL": emulator.v2_url,
        "HARVEST_ID_URL": emulator.id_url,
        "HARVEST_BOT_DATABASE": str(workdir / "bot.sqlite"),
        "HARVEST_BOT_SECRET_KEY_FILE": str(workdir / "keys" / "secret.key"),
        **settings,
    })
    return env


def link_people(env: dict[str, str], emulator: RunningEmulator, wire: str = "v1",
                who: Sequence[str] = tuple(PEOPLE)) -> None:
    """Link demo people in the bot's database through its Accounts service, before it serves."""
    from bot.accounts import HarvestClients
    from bot.config import load_settings
    from bot.services import build_services

    clients = HarvestClients(None)
    services = build_services(load_settings(env=env), env=env, clients=clients)
    try:
        for name in who:
            user_id, tz = PEOPLE[name]
            if wire == "v2":
                services.accounts.link_pat(TEAM, user_id, emulator.info.pats[name],
                                           str(emulator.info.account_id), timezone=tz)
            else:
                login = emulator.info.logins[name]
                services.accounts.link_basic(TEAM, user_id, emulator.base_url, login.email,
                                             login.password, timezone=tz)
    finally:
        services.close()
        clients.close()  # the services' own close leaves the factory to whoever made it
        services.db.conn.close()


def add_slack_users(slack: FakeSlackApi) -> None:
    for name, (user_id, tz) in PEOPLE.items():
        slack.add_user(user_id, name=name, email=f"{name}@fawltytowers.example", tz=tz)
    for user_id in GUESTS:
        slack.add_user(user_id, name=user_id.lower(), email=f"{user_id.lower()}@guests.example")


class ServeProcess:
    """``harvest-bot serve`` in a child process; its output goes to a file beside its database."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str = "serve") -> None:
        command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "bot"]
        self.log = workdir / f"{name}.log"
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [*command, "serve", "--host", "127.0.0.1", "--port", "0"], env=env, cwd=workdir,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        self._from = self.log.stat().st_size if self.log.exists() else 0
        self.url = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def output(self) -> str:
        """What this process wrote (the log file may hold earlier runs' output before it)."""
        with open(self.log, "rb") as log:
            log.seek(self._from)
            return log.read().decode(errors="replace")

    def ready(self, timeout: float = 60.0) -> str:
        """Its URL once it answers ``/healthz``.

        :raises RuntimeError: it exited or did not answer in time (its output says why).
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", self.output)
            if found:
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(found.group(1) + "/healthz", timeout=5).status_code == 200:
                        self.url = found.group(1)
                        return self.url
            time.sleep(0.1)
        raise RuntimeError(f"harvest-bot serve did not start:\n{self.output[-3000:]}")

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"

    def rss(self) -> int:
        """Resident memory in bytes (``VmRSS``); 0 once it has exited."""
        return rss_of(self.pid)

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM (uvicorn's graceful shutdown), then its exit status; killed if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, as a crash or the OOM killer."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


def rss_of(pid: int) -> int:
    """``pid``'s resident memory in bytes, from ``/proc``; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# -- the commands --------------------------------------------------------------------------


@dataclass
class Command:
    """One signed command of the run and what became of it."""

    shot: Shot
    kind: str
    note: str = ""  # a write's notes, to find its entry in Harvest
    answers: list[str] = field(default_factory=list)
    answered_at: float = 0.0

    @property
    def acked(self) -> bool:
        return self.shot.status is not None and 200 <= self.shot.status < 300 \
            and self.shot.ack <= ACK_DEADLINE


def plan(signer: SlackSigner, slack: FakeSlackApi, prefix: str, count: int, rate: float,
         harvest_rate: float) -> list[Command]:
    """``count`` signed commands, a ``log`` every ``rate / harvest_rate``, the rest alternating
    ``today`` by someone unlinked and ``help`` (by a demo person and a guest in turn)."""
    every = max(1, round(rate / harvest_rate)) if harvest_rate > 0 else 0
    linked = [uid for uid, _ in PEOPLE.values()]
    commands = []
    for i in range(count):
        key = f"{prefix}-{i}"
        url = slack.response_url(key)
        if every and i % every == 0:
            kind, note = LOG, f"{prefix} {i}"
            user, text = linked[(i // every) % len(linked)], f"log 0:15 mobile / design -- {note}"
        elif i % 2:
            kind, note, user, text = UNLINKED, "", GUESTS[i % len(GUESTS)], "today"
        else:
            kind, note, text = HELP, "", "help"
            user = (linked + list(GUESTS))[i % (len(linked) + len(GUESTS))]
        request = signer.slash_command(text, user_id=user, response_url=url)
        commands.append(Command(Shot(key, request), kind, note))
    return commands


def collect(slack: FakeSlackApi, commands: Sequence[Command], until: float,
            settle: float = 0.0) -> None:
    """Each command's answers at its ``response_url``, waiting until all have one or ``until``;
    then ``settle`` seconds more, so that a second answer to one would be counted too."""
    from tests.fakes.slack_api import RESPONSE_URL

    by_key = {c.shot.key: c for c in commands}

    def read() -> None:
        for c in commands:
            c.answers.clear()
        for call in slack.calls_to(RESPONSE_URL):
            found = by_key.get(call.args.get("key"))
            if found is not None:
                if not found.answers:
                    found.answered_at = call.at
                found.answers.append(_text(call.args))

    read()
    while not all(c.answers for c in commands) and time.monotonic() < until:
        time.sleep(0.2)
        read()
    if settle > 0:
        time.sleep(settle)
        read()


def _text(args: dict[str, Any]) -> str:
    from tests.e2e.harness import text_of

    return text_of(args)


# -- the run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    rate: float = 200.0  # commands a second
    seconds: float = 60.0  # how long they are sent
    harvest_rate: float = 1.0  # of which Harvest writes (log) a second
    drain: float = 30.0  # after the last command, how long its answers may take
    generators: int = 2  # load generator processes
    timeout: float = 10.0  # a generator gives up on an ack after this
    wire: str = "v1"  # the Harvest API the demo people are linked over

    @property
    def count(self) -> int:
        return max(1, round(self.rate * self.seconds))

    @property
    def senders(self) -> int:
        """Requests each generator may have out at once: enough to keep the rate while acks
        take up to Slack's 3 s."""
        return max(8, math.ceil(self.rate * ACK_DEADLINE / self.generators))


@dataclass
class LoadReport:
    options: Options
    commands: list[Command]
    rss: list[tuple[float, int]]  # (seconds since the load started, bytes)
    entries: dict[str, int]  # a write's notes -> entries with them in Harvest
    exit_status: int | None
    tracebacks: int
    sent_rate: float
    notes: list[str]
    #: CPU seconds from the first command to the last answer: the bot's, the whole machine's.
    cpu: tuple[float, float] = (math.nan, math.nan)
    wall: float = math.nan

    @property
    def requests(self) -> int:
        return len(self.commands)

    @property
    def late_or_refused(self) -> list[Command]:
        """Not acknowledged with a 2xx within 3 s."""
        return [c for c in self.commands if not c.acked]

    @property
    def lost(self) -> list[Command]:
        return [c for c in self.commands if not c.answers]

    @property
    def wrong(self) -> list[Command]:
        """Answered, but not with what the command's kind should get."""
        return [c for c in self.commands
                if c.answers and EXPECTED[c.kind] not in c.answers[0].lower()]

    @property
    def duplicates(self) -> int:
        """Answers beyond the first, and Harvest entries beyond one per write."""
        return sum(len(c.answers) - 1 for c in self.commands if c.answers) \
            + sum(n - 1 for n in self.entries.values() if n > 1)

    @property
    def missing_entries(self) -> int:
        return sum(1 for n in self.entries.values() if n == 0)

    @property
    def failures(self) -> int:
        return len({id(c) for c in self.late_or_refused + self.wrong})

    @property
    def acks(self) -> list[float]:
        return sorted(c.shot.ack for c in self.commands if c.shot.status is not None)

    @property
    def answer_times(self) -> list[float]:
        return sorted(c.answered_at - c.shot.sent for c in self.commands if c.answers)

    @property
    def rss_start(self) -> int:
        return self.rss[0][1]

    @property
    def rss_end(self) -> int:
        return self.rss[-1][1]

    @property
    def rss_peak(self) -> int:
        return max(b for _, b in self.rss)


def measure(options: Options, progress: Callable[[str], None] = lambda _: None) -> LoadReport:
    """One run (see the module docstring): the figures, not yet printed.

    :raises RuntimeError: the bot did not start.
    """
    from emulator.runner import running_emulator
    from tests.fakes.slack_api import FakeSlackApi

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    notes = [f"machine: {os.cpu_count()} cores, load average {load} before the run"]
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-")))
        slack = stack.enter_context(FakeSlackApi(team_id=TEAM))
        add_slack_users(slack)
        emulator = stack.enter_context(running_emulator("demo"))
        env = serve_env(workdir, slack, emulator, wire=options.wire)
        progress("linking the demo people")
        link_people(env, emulator, options.wire)
        progress("starting harvest-bot serve")
        bot = ServeProcess(env, workdir)
        stack.callback(bot.kill)
        generators = Generators(options.generators, options.senders)
        stack.callback(generators.close)
        bot.ready()
        signer = SlackSigner(SIGNING_SECRET, team_id=TEAM)

        progress("warming up")  # first-request costs (imports, auth.test) off the books
        warm = plan(signer, slack, "warm", 4 * options.generators, 1, 1)
        schedule([c.shot for c in warm], None)
        generators.start(bot.events_url, [c.shot for c in warm], options.timeout, True)
        generators.finish([c.shot for c in warm])
        collect(slack, warm, time.monotonic() + 30)

        commands = plan(signer, slack, "load", options.count, options.rate, options.harvest_rate)
        shots = [c.shot for c in commands]
        progress(f"{options.rate:g}/s for {options.seconds:g} s: {len(commands)} commands")
        schedule(shots, options.rate, lead=1.0)
        started = shots[0].due
        rss: list[tuple[float, int]] = [(0.0, bot.rss())]
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(5.0):
                rss.append((time.monotonic() - started, bot.rss()))

        sampler = threading.Thread(target=sample, daemon=True, name="rss")
        sampler.start()
        cpu_before = process_cpu(bot.pid), machine_cpu()
        generators.start(bot.events_url, shots, options.timeout)
        generators.finish(shots)
        progress(f"sent; waiting up to {options.drain:g} s for the answers")
        collect(slack, commands, max(s.sent for s in shots) + options.drain, settle=2.0)
        sampling.set()
        sampler.join()
        wall = time.monotonic() - started
        cpu = process_cpu(bot.pid) - cpu_before[0], machine_cpu() - cpu_before[1]
        rss.append((wall, bot.rss()))

        entries = {c.note: int(emulator.store.scalar(
            "SELECT COUNT(*) FROM day_entries WHERE notes = ?", c.note))
            for c in commands if c.kind == LOG}
        progress("stopping harvest-bot serve (SIGTERM)")
        status = bot.terminate()
        output = bot.output
        left = sorted(s.wire or s.sent for s in shots)
        rate = (len(left) - 1) / (left[-1] - left[0]) if len(left) > 1 and left[-1] > left[0] \
            else math.nan
        notes.append(f"processes: harvest-bot serve {bot.pid}, generators "
                     f"{'+'.join(map(str, generators.pids))}, emulator and local Slack {os.getpid()}")
        return LoadReport(options, commands, rss, entries, status, output.count("Traceback"),
                          rate, notes, cpu, wall)
    raise AssertionError("unreachable")  # for mypy: an ExitStack may swallow exceptions


# -- the printout --------------------------------------------------------------------------


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f}"


def report_lines(report: LoadReport) -> list[str]:
    o = report.options
    acks, answers = report.acks, report.answer_times
    kinds = Counter(c.kind for c in report.commands)
    lines = [*report.notes,
             f"load: {o.rate:g}/s for {o.seconds:g} s ({report.requests} commands: "
             + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
             + f"), {o.generators} generator processes, Harvest wire {o.wire}; "
             f"sent at {report.sent_rate:.0f}/s", "",
             "| commands | acks > 3 s or not 2xx | ack p50 ms | ack p99 ms | ack max ms "
             "| answered | lost | wrong answer | duplicates | answer p50 s | answer p99 s "
             "| answer max s |",
             "|---------:|----------------------:|-----------:|-----------:|-----------:"
             "|---------:|-----:|-------------:|-----------:|-------------:|-------------:"
             "|-------------:|",
             f"| {report.requests} | {len(report.late_or_refused)} "
             f"| {percentile(acks, 0.5) * 1000:.1f} | {percentile(acks, 0.99) * 1000:.1f} "
             f"| {(acks[-1] if acks else math.nan) * 1000:.1f} "
             f"| {report.requests - len(report.lost)} | {len(report.lost)} | {len(report.wrong)} "
             f"| {report.duplicates} | {percentile(answers, 0.5):.2f} "
             f"| {percentile(answers, 0.99):.2f} | {answers[-1] if answers else math.nan:.2f} |",
             "",
             f"Harvest writes: {len(report.entries)} logged, "
             f"{sum(1 for n in report.entries.values() if n == 1)} with exactly one entry, "
             f"{report.missing_entries} with none, "
             f"{sum(1 for n in report.entries.values() if n > 1)} with more than one",
             "RSS of harvest-bot serve (MiB) after the warm-up, every 5 s, after the drain: "
             + " ".join(_mb(b) for _, b in report.rss)
             + f"; start {_mb(report.rss_start)}, peak {_mb(report.rss_peak)}, "
             f"end {_mb(report.rss_end)}",
             f"CPU from the first command to the last answer ({report.wall:.0f} s): harvest-bot "
             f"serve {report.cpu[0] / report.wall:.2f} cores, "
             f"{report.cpu[0] / report.requests * 1000:.2f} ms a command; the whole machine "
             f"{report.cpu[1] / report.wall:.2f} of {os.cpu_count()} cores",
             f"SIGTERM: exit status {report.exit_status}; tracebacks in its output: "
             f"{report.tracebacks}"]
    for c in report.wrong[:5]:
        lines.append(f"  wrong answer to a {c.kind}: {c.answers[0][:120]!r}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="commands a second (200)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long (60)")
    parser.add_argument("--harvest-rate", type=float, default=1.0,
                        help="of which Harvest writes a second (1)")
    parser.add_argument("--drain", type=float, default=30.0,
                        help="seconds the answers may take after the last command (30)")
    parser.add_argument("--generators", type=int, default=2, help="load processes (2)")
    parser.add_argument("--wire", choices=["v1", "v2"], default="v1")
    args = parser.parse_args(argv)
    options = Options(rate=args.rate, seconds=args.seconds, harvest_rate=args.harvest_rate,
                      drain=args.drain, generators=args.generators, wire=args.wire)
    report = measure(options, progress=lambda line: print(f"... {line}", file=sys.stderr))
    print("\n".join(report_lines(report)))
    ok = not (report.late_or_refused or report.lost or report.wrong or report.duplicates
              or report.missing_entries)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
