"""Acknowledgement latency of signed ``/harvest start``: the bot beside a bare Bolt app, one run.

    python bench/ack_latency.py [--seconds 10] [--rate 200] [--concurrent 20] [--drain 20]
                                [--latency 1] [--generators 2]

Processes (all on loopback, all sharing this machine's cores), each started by this script:

- the apps under test, each its own process (``--serve bot`` / ``--serve bare``):
  ``bot.web.create_asgi`` under uvicorn with the same settings for both, so they differ only in
  their listeners. ``bot`` is the real app (``bot.app.create_app``, default thread pool, pacer and
  retries), its four demo Slack users linked to the emulator's demo people through its
  ``Accounts`` service before it serves. ``bare`` is a Bolt ``AsyncApp`` whose one listener acks.
- the Harvest emulator (``--serve emulator``): demo seed, every Harvest call slowed by
  ``--latency`` seconds through its fault injection, every call it receives noted on arrival
  by a wrapper that also lists them (that is how Harvest calls per command are counted);
- ``--generators`` load generator processes, each one asyncio loop and pooled
  ``httpx.AsyncClient`` s, the requests signed before each phase starts and dealt round robin;
- this process: the fake Slack Web API (in a thread) that the answers arrive at, and the
  orchestration. Times from different processes are compared on ``time.monotonic`` (one clock
  for the whole machine on Linux).

Each app gets ``--concurrent`` commands released at once, then ``--rate`` commands a second for
``--seconds`` (open loop: the generators keep sending while up to 3 s worth of acks are still
out, and say how late they sent). Printed: ack latency (p50, p99, max), acks over 3 s, non-2xx;
for the bot, command -> answer at the fake Slack's ``response_url`` and the Harvest calls per
command; how the bot's pacer spread its calls; and the CPU each process (and everything else on
the machine) used while the commands were sent.

The emulator's throttle stays on (Harvest's 100 calls per 15 s per account), rather than off:
the bot paces itself below it (95 calls starting in any 15 s per account, shared by everyone
linked to it), so with the throttle off the figures would be the same unless the pacer let too
much through, and with it on the run counts what the throttle refused, and the answer rate is
the one a real Harvest account allows. The price: at 1 s a call and 2 calls a command, answers
come at ~4 a second, so at 200 commands a second most are still queued when ``--drain`` ends;
they are reported as such, not waited for.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import math
import multiprocessing
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make ``tests.fakes`` importable
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.fakes.slack_signing import SignedRequest, SlackSigner  # noqa: E402

# Each process of the bench imports what its own part needs (in the function that starts it):
# a generator then starts in a quarter of the time, which counts on a busy machine.
if TYPE_CHECKING:
    import uvicorn
    from slack_bolt.async_app import AsyncApp
    from starlette.types import Receive, Scope, Send

    from bot.config import Settings
    from tests.fakes.slack_api import FakeSlackApi

TEAM = "T0BENCH"
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
PEOPLE = {  # demo login key -> Slack user id, time zone
    "sybil": ("U0SYBIL", "Europe/London"),
    "basil": ("U0BASIL", "Europe/London"),
    "polly": ("U0POLLY", "Europe/London"),
    "manuel": ("U0MANUEL", "Europe/Madrid"),
}
COMMAND = "start website / design ack latency bench"
STARTED = "Timer started"  # what a started timer's answer says
ACK_DEADLINE = 3.0  # Slack's
HARVEST_WINDOW, HARVEST_LIMIT = 15.0, 100  # the emulator's throttle, as Harvest's
ARRIVALS = "/__bench__/arrivals"  # where the counted emulator lists the calls it received
EMULATOR_ADMIN = "/__emulator__"  # emulator.server.EMULATOR_ADMIN
BOT, BARE, EMULATOR, GENERATOR = "harvest-bot", "bare Bolt", "emulator", "generators"
FAKE_SLACK = "fake Slack"  # and this process's orchestration
OTHERS = "everything else"


@dataclass(frozen=True)
class Options:
    seconds: float = 10.0  # how long the rate phase sends
    rate: float = 200.0  # commands a second in the rate phase
    concurrent: int = 20  # commands released at once in the burst phase
    latency: float = 1.0  # seconds the emulator holds every Harvest call
    drain: float = 20.0  # after the bot's last command, how long to wait for its answers
    timeout: float = 10.0  # the load generator gives up on an ack after this
    generators: int = 2  # load generator processes

    @property
    def senders(self) -> int:
        """Requests each generator may have out at once (its pool's size): enough to keep the
        rate while acks take up to Slack's 3 s, so a slow ack does not slow the sending."""
        return max(self.concurrent, math.ceil(self.rate * ACK_DEADLINE / self.generators))


# -- what was measured ---------------------------------------------------------------------


@dataclass
class Shot:
    """One signed command and what became of it (times from ``time.monotonic``)."""

    key: str
    request: SignedRequest
    due: float = 0.0  # when the schedule says to send it
    sent: float = 0.0  # when the generator asked its pool to send it
    wire: float = 0.0  # when it started connecting or sending (after any wait for the pool)
    done: float = 0.0  # its HTTP answer read (or given up on)
    status: int | None = None  # None: no HTTP answer (timeout, connection refused or reset)

    @property
    def ack(self) -> float:
        """From the request leaving the generator to its answer: what Slack would wait."""
        return self.done - (self.wire or self.sent)

    @property
    def late(self) -> float:
        """How far behind its schedule it left: the generator's own delay (loop or pool)."""
        return max(0.0, (self.wire or self.sent) - self.due)


@dataclass(frozen=True)
class Arrival:
    """One Harvest call as the emulator received it."""

    at: float
    method: str
    path: str
    status: int


@dataclass
class Phase:
    """One app under one load."""

    app: str
    shape: str  # "burst" (all at once) or "rate"
    load: str
    shots: list[Shot]
    started: float
    sending_ended: float = 0.0  # every ack in (or given up on)
    ended: float = 0.0  # and the answers waited for
    cpu: dict[str, float] = field(default_factory=dict)  # cores used while sending, by process
    answers: dict[str, float] = field(default_factory=dict)  # key -> seconds to the answer
    kinds: Counter[str] = field(default_factory=Counter)  # what the answers said
    calls: list[Arrival] = field(default_factory=list)  # Harvest calls during the phase


@dataclass
class Report:
    options: Options
    phases: list[Phase]
    arrivals: list[Arrival]
    notes: list[str]


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence (NaN when empty)."""
    if not ordered:
        return math.nan
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def most_in_window(times: Sequence[float], window: float) -> int:
    """The most of ``times`` (ascending) that fall in any ``window`` seconds."""
    best, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


def per_second(times: Sequence[float], start: float, end: float) -> list[int]:
    buckets = [0] * max(1, math.ceil(end - start))
    for at in times:
        if start <= at < end:
            buckets[int(at - start)] += 1
    return buckets


# -- CPU: what each process, and the rest of the machine, used -----------------------------

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, every thread) ``pid`` has used; NaN without ``/proc``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return math.nan
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime: fields 14 and 15


def machine_cpu() -> float:
    """CPU seconds every process on the machine has used (not idle, not waiting on I/O)."""
    try:
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return math.nan
    return (sum(ticks) - ticks[3] - ticks[4]) / TICK


def cpu_sample(pids: dict[str, list[int]]) -> tuple[float, dict[str, float]]:
    used = {name: sum(process_cpu(pid) for pid in group) for name, group in pids.items()}
    return time.monotonic(), {**used, OTHERS: machine_cpu()}


def cores_used(before: tuple[float, dict[str, float]],
               after: tuple[float, dict[str, float]]) -> dict[str, float]:
    """Cores each process used between two samples; ``OTHERS``: the machine less ours."""
    wall = max(after[0] - before[0], 1e-9)
    used = {name: (after[1][name] - before[1][name]) / wall for name in before[1]}
    used[OTHERS] -= sum(v for name, v in used.items() if name != OTHERS)
    return used


# -- the processes: the apps and the emulator ----------------------------------------------


def bare_app(settings: Settings) -> AsyncApp:
    """Bolt with the bot's Web API client and verification, and one listener that only acks."""
    from slack_bolt.async_app import AsyncAck, AsyncApp

    from bot.app import slack_client

    app = AsyncApp(client=slack_client(settings), signing_secret=settings.slack.signing_secret.reveal(),
                   process_before_response=False, request_verification_enabled=True)

    @app.command("/harvest")
    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    return app


def _uvicorn(asgi: Any, port: int, lifespan: Literal["on", "off"]) -> uvicorn.Server:
    import uvicorn

    # uvicorn binds the port itself: a socket handed over would miss TCP_NODELAY.
    return uvicorn.Server(uvicorn.Config(asgi, host="127.0.0.1", port=port, log_level="warning",
                                         access_log=False, lifespan=lifespan, ws="none",
                                         timeout_keep_alive=30))


def serve_app(kind: str, port: int, logins: Path | None) -> None:
    """A child process: one app under uvicorn on ``port`` until it is terminated.

    With ``logins`` (the emulator's, written once it is seeded), the demo people are linked
    first, as soon as the emulator answers.
    """
    from bot.config import load_settings
    from bot.services import build_services
    from bot.web import create_asgi

    settings = load_settings()
    services = build_services(settings)
    try:
        if logins is not None:
            harvest = settings.harvest.base_url
            if not _wait_for(lambda: logins.exists()
                             and _answers(harvest + EMULATOR_ADMIN + "/health")):
                raise SystemExit(f"the emulator at {harvest} never answered")
            demo = json.loads(logins.read_text())
            for who, (user_id, tz) in PEOPLE.items():
                services.accounts.link_basic(TEAM, user_id, harvest, demo[who]["email"],
                                             demo[who]["password"], timezone=tz)
        asgi = create_asgi(settings, services, app=bare_app(settings) if kind == "bare" else None)
        _uvicorn(asgi, port, "on").run()
    finally:
        services.close()


class CountingASGI:
    """The emulator's ASGI app, noting each Harvest call it receives (admin calls aside) and
    listing them at :data:`ARRIVALS`."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.arrivals: list[Arrival] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == ARRIVALS:
            body = json.dumps([[a.at, a.method, a.path, a.status] for a in self.arrivals])
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        if scope["type"] != "http" or scope["path"].startswith(EMULATOR_ADMIN):
            await self.app(scope, receive, send)
            return
        at, status = time.monotonic(), 0

        async def noting(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            self.arrivals.append(Arrival(at, scope["method"], scope["path"], status))


def serve_emulator(port: int, logins: Path) -> None:
    """A child process: the demo emulator, counted, on ``port``; its demo logins in ``logins``."""
    from emulator.runner import build

    emulator, info = build(":memory:", "demo")
    logins.touch(mode=0o600)
    logins.write_text(json.dumps({key: {"email": login.email, "password": login.password}
                                  for key, login in info.logins.items()}))
    try:
        _uvicorn(CountingASGI(emulator.asgi()), port, "off").run()
    finally:
        emulator.store.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _wait_for(condition: Callable[[], bool], timeout: float = 60.0,
              alive: Callable[[], bool] = lambda: True) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        if condition():
            return True
        time.sleep(0.1)
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Child:
    """``--serve kind`` in a child process; :meth:`ready` waits until ``health`` answers."""

    def __init__(self, kind: str, workdir: Path, env: dict[str, str], health: str,
                 *extra: str) -> None:
        self.kind, self.health, self.port = kind, health, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = workdir / f"{kind}.log"
        command = [sys.executable, str(Path(__file__).resolve()), "--serve", kind,
                   "--port", str(self.port), *extra]
        with open(self._log, "wb") as log:
            self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT)

    def ready(self, timeout: float = 60.0) -> None:
        """:raises RuntimeError: it exited or did not answer in time (its log says why)."""
        if not _wait_for(lambda: _answers(self.url + self.health), timeout,
                         alive=lambda: self.process.poll() is None):
            raise RuntimeError(f"the {self.kind} process did not start:\n{self._log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # threads still waiting on Harvest; nothing to keep
            self.process.kill()
            self.process.wait()


def child_env(workdir: Path, slack_api: str = "", harvest: str = "") -> dict[str, str]:
    """This environment without any Slack or Harvest setting, plus the app's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HARVEST_"))}
    if slack_api:
        env.update({"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_BOT_TOKEN": BOT_TOKEN,
                    "SLACK_API_URL": slack_api, "HARVEST_BASE_URL": harvest,
                    "HARVEST_BOT_DATABASE": str(workdir / "bot.sqlite"),
                    "HARVEST_BOT_SECRET_KEY_FILE": str(workdir / "keys" / "secret.key")})
    return env


# -- the load: generator processes ---------------------------------------------------------


def signed_shots(signer: SlackSigner, slack: FakeSlackApi, name: str, count: int,
                 text: str = COMMAND) -> list[Shot]:
    """``count`` signed ``/harvest text`` commands, round robin over the demo people."""
    users = [uid for uid, _ in PEOPLE.values()]
    return [Shot(f"{name}-{i}", signer.slash_command(
                text, user_id=users[i % len(users)], response_url=slack.response_url(f"{name}-{i}")))
            for i in range(count)]


# httpcore's trace events for a request leaving: on a new connection, or on one kept alive.
_ON_THE_WIRE = (".connect_tcp.started", ".send_request_headers.started")


async def _fire(client: httpx.AsyncClient, url: str, shot: Shot) -> None:
    wait = shot.due - time.monotonic()
    if wait > 0:
        await asyncio.sleep(wait)
    shot.sent = time.monotonic()

    async def trace(event: str, info: Any) -> None:
        if not shot.wire and event.endswith(_ON_THE_WIRE):
            shot.wire = time.monotonic()

    try:
        response = await client.post(url, content=shot.request.body,
                                     headers=dict(shot.request.headers),
                                     extensions={"trace": trace})
        shot.status = response.status_code
    except httpx.HTTPError:
        shot.status = None
    shot.done = time.monotonic()


#: Connections per httpx client: httpcore looks at every connection of its pool (a system call
#: each) for every request, so one big pool cost the generators more CPU the slower the acks
#: came, until they, not the app, set the pace.
POOL = 16


async def send(url: str, shots: list[Shot], timeout: float, senders: int,
               tls: ssl.SSLContext | None = None) -> None:
    """Each shot at its ``due`` time, while fewer than ``senders`` still wait for their acks.

    ``senders`` coroutines take the shots in turn, each with one request out at a time; each
    :data:`POOL` of them share one pooled client (handing one client a thousand requests at once
    made its pool's bookkeeping, not the app, the bottleneck). ``tls``, made once, spares each
    client making its own (60 ms of CPU each, here, for loopback HTTP that never uses it).
    """
    limits = httpx.Limits(max_connections=POOL, max_keepalive_connections=POOL)
    tls = tls or ssl.create_default_context()
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(
                       httpx.AsyncClient(limits=limits, timeout=timeout, verify=tls))
                   for _ in range(math.ceil(senders / POOL))]
        turns = iter(shots)  # shared: each shot is taken by one sender

        async def sender(client: httpx.AsyncClient) -> None:
            for shot in turns:
                await _fire(client, url, shot)

        await asyncio.gather(*(sender(clients[i // POOL]) for i in range(senders)))


def _generate(conn: Connection) -> None:
    """A generator process: send each job's requests on schedule and hand back their times."""
    if importlib.util.find_spec("sniffio") is None:
        # httpcore imports sniffio for every lock it makes; when it is not installed, every
        # failed import searches sys.path again: a quarter of the CPU a request cost here.
        sys.modules["sniffio"] = None  # type: ignore[assignment]
    tls = ssl.create_default_context()
    while (job := conn.recv()) is not None:
        url, requests, dues, timeout, senders = job
        shots = [Shot(str(i), SignedRequest(body, headers), due=due)
                 for i, ((body, headers), due) in enumerate(zip(requests, dues, strict=True))]
        asyncio.run(send(url, shots, timeout, senders, tls))
        conn.send([(shot.sent, shot.wire, shot.done, shot.status) for shot in shots])
    conn.close()


class Generators:
    """Load generator processes (one asyncio loop and one pooled httpx client each), so that
    neither one event loop nor one GIL limits the load; :meth:`send` shares a schedule out."""

    def __init__(self, count: int, senders: int) -> None:
        context = multiprocessing.get_context("spawn")  # nothing of this process's threads
        self.senders, self._pipes, self._processes = senders, [], []
        for i in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=_generate, args=(theirs,), daemon=True,
                                      name=f"generator-{i}")
            process.start()
            theirs.close()
            self._pipes.append(ours)
            self._processes.append(process)

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self._processes if process.pid is not None]

    def start(self, url: str, shots: list[Shot], timeout: float, at_once: bool = False) -> None:
        """Deal ``shots`` (``due`` set) round robin to the generators, which send them."""
        share = len(self._pipes)
        for i, pipe in enumerate(self._pipes):
            mine = shots[i::share]
            senders = len(mine) if at_once else min(self.senders, len(mine))
            pipe.send((url, [(s.request.body, dict(s.request.headers)) for s in mine],
                       [s.due for s in mine], timeout, max(1, senders)))

    def finish(self, shots: list[Shot]) -> None:
        """Wait until every shot of :meth:`start` is acked (or given up on); fill in its times."""
        share = len(self._pipes)
        for i, pipe in enumerate(self._pipes):
            for shot, times in zip(shots[i::share], pipe.recv(), strict=True):
                shot.sent, shot.wire, shot.done, shot.status = times

    def close(self) -> None:
        for pipe in self._pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
            pipe.close()
        for process in self._processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()


def schedule(shots: list[Shot], rate: float | None, lead: float = 0.5) -> None:
    """Set each shot's ``due``: ``lead`` seconds from now, then one every ``1/rate`` seconds
    (``None``: all at once). The lead lets the generators get the job before it starts."""
    start = time.monotonic() + lead
    for i, shot in enumerate(shots):
        shot.due = start + (i / rate if rate else 0.0)


def collect_answers(slack: FakeSlackApi, phase: Phase, until: float) -> None:
    """Wait until every shot of ``phase`` has its answer at the fake Slack, or ``until``."""
    from tests.fakes.slack_api import RESPONSE_URL

    sent = {shot.key: shot.sent for shot in phase.shots}
    while True:
        for call in slack.calls_to(RESPONSE_URL):
            key = call.args.get("key")
            if key in sent and key not in phase.answers:
                phase.answers[key] = call.at - sent[key]
                text = str(call.args.get("text", ""))
                phase.kinds["timer started" if STARTED in text else text[:80]] += 1
        if len(phase.answers) == len(sent) or time.monotonic() >= until:
            return
        time.sleep(0.1)


# -- the run -------------------------------------------------------------------------------


def start_processes(stack: ExitStack, workdir: Path, slack: FakeSlackApi,
                    options: Options) -> tuple[Child, dict[str, Child], Generators]:
    """The emulator, both apps and the generators, ready; each stopped when ``stack`` closes.

    :raises RuntimeError: one of them did not start.
    """
    logins = workdir / "logins.json"
    # Everything starts together (imports take seconds); the bot links the demo people as soon
    # as the emulator answers.
    emulator = Child("emulator", workdir, child_env(workdir), f"{EMULATOR_ADMIN}/health",
                     "--logins", str(logins))
    stack.callback(emulator.stop)
    apps: dict[str, Child] = {}
    for name, kind in ((BOT, "bot"), (BARE, "bare")):
        env = child_env(workdir / kind, slack.base_url, emulator.url)
        extra = ("--logins", str(logins)) if kind == "bot" else ()
        apps[name] = Child(kind, workdir, env, "/healthz", *extra)
        stack.callback(apps[name].stop)
    generators = Generators(options.generators, options.senders)
    stack.callback(generators.close)
    emulator.ready()
    demo = json.loads(logins.read_text())
    for who, (user_id, tz) in PEOPLE.items():
        slack.add_user(user_id, name=who, email=demo[who]["email"], tz=tz)
    for app in apps.values():
        app.ready()
    return emulator, apps, generators


def measure(options: Options, progress: Callable[[str], None] = lambda _: None) -> Report:
    """Both apps under both loads in one run: the figures, not yet printed.

    :raises RuntimeError: a process of the bench did not start.
    """
    from tests.fakes.slack_api import FakeSlackApi

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    notes = [f"machine: {os.cpu_count()} cores, load average {load} before the run; other work "
             "may be running beside it, and every process of the bench shares these cores"]
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ack-latency-")))
        slack = stack.enter_context(FakeSlackApi(team_id=TEAM))
        emulator, apps, generators = start_processes(stack, workdir, slack, options)
        pids = {BOT: [apps[BOT].process.pid], BARE: [apps[BARE].process.pid],
                EMULATOR: [emulator.process.pid], GENERATOR: generators.pids,
                FAKE_SLACK: [os.getpid()]}
        notes.append("processes: " + ", ".join(f"{name} {'+'.join(map(str, group))}"
                                               for name, group in pids.items()))
        notes.append(f"load: {options.generators} generator processes, each one asyncio loop "
                     f"and at most {options.senders} requests out at once, over pooled "
                     f"httpx.AsyncClients of {POOL} connections; "
                     f"{len(PEOPLE)} demo Slack users, linked to the emulator's demo people "
                     "through the bot's Accounts service before it served")
        with httpx.Client(base_url=emulator.url + EMULATOR_ADMIN, timeout=10) as admin:
            throttle = admin.get("/throttle").json()
            admin.post("/faults", json={"path": "*", "latency": options.latency}).raise_for_status()
        notes.append(f"emulator: every Harvest call held {options.latency:g} s (fault rule "
                     f"latency={options.latency:g}); its throttle kept on, not switched off: "
                     f"{throttle['limit']} calls per {throttle['window']:g} s, as Harvest's; the "
                     "bot's pacer should keep under it, and the run counts what it refused")
        notes.append("uvicorn: asyncio loop, h11 (neither uvloop nor httptools is installed)")
        signer = SlackSigner(SIGNING_SECRET, team_id=TEAM)
        for name, app in apps.items():  # first-request costs (auth.test, imports) off the books
            progress(f"warming up {name} (and the generators)")
            warm = Phase(name, "burst", "warm-up", signed_shots(
                signer, slack, f"warm-{app.kind}", 2 * len(PEOPLE), "help"), time.monotonic())
            schedule(warm.shots, None)
            generators.start(app.url + "/slack/events", warm.shots, options.timeout, True)
            generators.finish(warm.shots)
            if name == BOT:
                collect_answers(slack, warm, time.monotonic() + 30)
        phases = []
        # The bot's rate phase last: its queue of answers is still draining when the run ends.
        for name, shape in [(BOT, "burst"), (BARE, "burst"), (BARE, "rate"), (BOT, "rate")]:
            phases.append(run_phase(options, signer, slack, generators, apps[name], name, shape,
                                    pids, progress))
        raw = httpx.get(emulator.url + ARRIVALS, timeout=10).json()
        arrivals = [Arrival(at, method, path, status) for at, method, path, status in raw]
        for phase in phases:
            phase.calls = [a for a in arrivals if phase.started <= a.at < phase.ended]
        return Report(options, phases, arrivals, notes)
    raise AssertionError("unreachable")  # for mypy: an ExitStack may swallow exceptions


def run_phase(options: Options, signer: SlackSigner, slack: FakeSlackApi, generators: Generators,
              app: Child, name: str, shape: str, pids: dict[str, list[int]],
              progress: Callable[[str], None]) -> Phase:
    """One app under one load; for the bot, its answers waited for (up to ``options.drain``)."""
    if shape == "burst":
        load, count = f"{options.concurrent} at once", options.concurrent
    else:
        load = f"{options.rate:g}/s for {options.seconds:g} s"
        count = max(1, round(options.rate * options.seconds))
    progress(f"{name}: {load}")
    shots = signed_shots(signer, slack, f"{app.kind}-{shape}", count)
    schedule(shots, None if shape == "burst" else options.rate)
    generators.start(app.url + "/slack/events", shots, options.timeout, shape == "burst")
    time.sleep(max(0.0, shots[0].due - time.monotonic()))
    before = cpu_sample(pids)
    phase = Phase(name, shape, load, shots, started=before[0])
    generators.finish(shots)
    after = cpu_sample(pids)
    phase.sending_ended, phase.cpu = after[0], cores_used(before, after)
    if name == BOT:
        progress(f"{name}: waiting up to {options.drain:g} s for answers")
        collect_answers(slack, phase, max(shot.sent for shot in shots) + options.drain)
    phase.ended = time.monotonic()
    return phase


# -- the printout --------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def _s(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds:.2f}"


def report_lines(report: Report) -> list[str]:
    """The figures as text: notes, then Markdown tables (ready for bench/RESULTS.md)."""
    lines = [*report.notes, "", *ack_table(report), "", *answer_table(report), "",
             *cpu_table(report), "", pacing_line(report)]
    return lines


def ack_table(report: Report) -> list[str]:
    lines = ["Acknowledgements (a signed POST /slack/events leaving a load generator -> its "
             "HTTP answer read there; sent at: the rate the requests really left; left late: how "
             "far behind its schedule a request left, the generators' own delay, not counted in "
             "the ack):", "",
             "| app         | load            | commands | sent at /s | ack p50 ms | ack p99 ms "
             "| ack max ms | acks > 3 s | non-2xx | left late p99 ms |",
             "|-------------|-----------------|---------:|-----------:|-----------:|-----------:"
             "|-----------:|-----------:|--------:|-----------------:|"]
    for phase in report.phases:
        acks = sorted(shot.ack for shot in phase.shots)
        late = sum(1 for shot in phase.shots if shot.status is None or shot.ack > ACK_DEADLINE)
        bad = sum(1 for shot in phase.shots if shot.status is None or not 200 <= shot.status < 300)
        lag = sorted(shot.late for shot in phase.shots)
        lines.append(f"| {phase.app:<11} | {phase.load:<15} | {len(phase.shots):>8} "
                     f"| {_rate(phase):>10} "
                     f"| {_ms(percentile(acks, 0.5)):>10} | {_ms(percentile(acks, 0.99)):>10} "
                     f"| {_ms(acks[-1]):>10} | {late:>10} | {bad:>7} "
                     f"| {_ms(percentile(lag, 0.99)):>16} |")
    return lines


def _rate(phase: Phase) -> str:
    """Commands a second that actually left the generator (the schedule's, if it kept up)."""
    left = sorted(shot.wire or shot.sent for shot in phase.shots)
    if phase.shape == "burst" or len(left) < 2 or left[-1] <= left[0]:
        return "-"
    return f"{(len(left) - 1) / (left[-1] - left[0]):.0f}"


def answer_table(report: Report) -> list[str]:
    bot = [p for p in report.phases if p.app == BOT]
    lines = [f"{BOT} answers (command sent -> its answer, posted to response_url, arrives at the "
             f"fake Slack; waited for up to {report.options.drain:g} s after the last command; "
             "Harvest calls as the emulator received them, in-flight commands' included):", "",
             "| load            | commands | answered | p50 s | p99 s | max s | Harvest calls "
             "| calls per answer |",
             "|-----------------|---------:|---------:|------:|------:|------:|--------------:"
             "|-----------------:|"]
    for phase in bot:
        answers = sorted(phase.answers.values())
        per = len(phase.calls) / len(answers) if answers else math.nan
        lines.append(f"| {phase.load:<15} | {len(phase.shots):>8} | {len(answers):>8} "
                     f"| {_s(percentile(answers, 0.5)):>5} | {_s(percentile(answers, 0.99)):>5} "
                     f"| {_s(answers[-1] if answers else math.nan):>5} | {len(phase.calls):>13} "
                     f"| {per:>16.2f} |")
    lines.append("")
    for phase in bot:
        routes = Counter(f"{a.method} {re.sub(r'/[0-9]+', '/{n}', a.path)}" for a in phase.calls)
        said = ", ".join(f"{n} {kind!r}" for kind, n in phase.kinds.most_common())
        lines.append(f"- {phase.load}: Harvest calls by route: "
                     + (", ".join(f"{r} {n}" for r, n in routes.most_common()) or "none")
                     + f"; the answers said: {said or 'nothing yet'}")
        if phase.answers and len(phase.answers) < len(phase.shots):
            sent = {shot.key: shot.sent for shot in phase.shots}
            first = min(sent.values())
            last = max(sent[key] + took for key, took in phase.answers.items())
            rate = len(phase.answers) / max(last - first, 1e-9)
            lines.append(f"  {len(phase.shots) - len(phase.answers)} commands were still queued "
                         f"when the bench stopped; answers came at {rate:.1f}/s, so answering "
                         f"all {len(phase.shots)} would take ~{len(phase.shots) / rate:.0f} s")
    return lines


def cpu_table(report: Report) -> list[str]:
    names = [BOT, BARE, EMULATOR, GENERATOR, FAKE_SLACK, OTHERS]
    lines = ["CPU while the commands were sent (cores: 1.00 is one core busy all the time; "
             f"{FAKE_SLACK}: with the bench's own orchestration; {OTHERS}: the machine less "
             "the bench; app ms/command: the app under load's CPU for each command it took, "
             "which the machine's other work hardly changes):", "",
             "| app under load  | load            | " + " | ".join(f"{n:>15}" for n in names)
             + " | app ms/command |",
             "|-----------------|-----------------|" + "|".join("-" * 16 + ":" for _ in names)
             + "|---------------:|"]
    for phase in report.phases:
        wall = phase.sending_ended - phase.started
        if wall < 0.5:
            continue  # too short for /proc's 10 ms ticks to say anything
        cells = " | ".join(f"{phase.cpu.get(n, math.nan):>15.2f}" for n in names)
        per = phase.cpu.get(phase.app, math.nan) * wall / len(phase.shots) * 1000
        lines.append(f"| {phase.app:<15} | {phase.load:<15} | {cells} | {per:>14.2f} |")
    return lines


def pacing_line(report: Report) -> str:
    times = sorted(a.at for a in report.arrivals)
    accepted = sorted(a.at for a in report.arrivals if a.status != 503)
    refused = len(times) - len(accepted)
    rated = [p for p in report.phases if p.app == BOT and p.shape == "rate"]
    spread = ""
    if rated:
        phase = rated[-1]
        buckets = per_second([a.at for a in phase.calls], phase.started, phase.ended)
        spread = (f"; Harvest calls arriving each second of the bot's {phase.load} phase "
                  f"(with its drain): {buckets}")
    return (f"Pacing: {len(times)} Harvest calls in the run (the 4 links' included); most "
            f"arriving in any {HARVEST_WINDOW:g} s: {most_in_window(times, HARVEST_WINDOW)}, "
            f"{most_in_window(accepted, HARVEST_WINDOW)} of them accepted (Harvest's limit "
            f"{HARVEST_LIMIT}, the bot's pacer's 95); refused by the throttle (503): "
            f"{refused}{spread}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="rate phase length (10)")
    parser.add_argument("--rate", type=float, default=200.0, help="commands a second (200)")
    parser.add_argument("--concurrent", type=int, default=20, help="commands at once (20)")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per Harvest call (1)")
    parser.add_argument("--drain", type=float, default=20.0,
                        help="seconds to wait for the bot's answers after its last command (20)")
    parser.add_argument("--generators", type=int, default=2, help="load processes (2)")
    parser.add_argument("--serve", choices=["bot", "bare", "emulator"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--logins", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve == "emulator":
        serve_emulator(args.port, args.logins)
        return 0
    if args.serve:
        serve_app(args.serve, args.port, args.logins)
        return 0
    options = Options(seconds=args.seconds, rate=args.rate, concurrent=args.concurrent,
                      latency=args.latency, drain=args.drain, generators=args.generators)
    report = measure(options, progress=lambda line: print(f"... {line}", file=sys.stderr))
    print("\n".join(report_lines(report)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
