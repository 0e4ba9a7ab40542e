"""Harvest and Slack misbehaving under ``harvest-bot serve``: what people were told, what landed.

    python bench/faults.py [--writes 10] [--wire v1 --wire v2] [--only NAME ...]

The bot runs as an operator runs it (its own process, one SQLite file, its own outbox worker:
every 5 s, backing off from 5 s), the emulator and the local Slack in this process
(``bench/crashes.py``'s scene). For each fault, ``--writes`` people's ``log`` commands (four
demo people in turn) and as many ``today`` are sent while the fault is on; then the fault is
lifted and the kept writes are waited for. Counted:

- requests: the commands sent; an ack later than 3 s counts as a failure;
- failures: commands with no answer, or one that is neither the result nor a plain "Harvest
  isn't answering" / "kept, I'll tell you" (a stack trace, "something went wrong");
- duplicates: Harvest entries beyond one per write; answers beyond one per command;
- lost: writes that never reached Harvest, and kept writes whose person was never told.

Harvest faults (emulator fault injection, on each ``--wire``): ``latency`` 5 s on every call;
``500`` on every call; ``drop-before`` / ``drop-after`` the write's connection (after: Harvest
made the entry, the answer is lost); ``garbled`` answers to writes and reads; ``throttle``
Harvest's throttle cut to 6 calls in 2 s (v1 503 + Retry-After, v2 429).

Slack faults (local Slack, v1): the answers' response_urls refuse twice (``slack-429``,
``slack-500``), hold an answer past the bot's 10 s (``slack-timeout``), or have expired
(``slack-expired``: answered by DM); the "Harvest is back" DMs meet two 429s
(``slack-dm-429``), two 500s (``slack-dm-500``), or one DM meets 429, 429, 500 in a row
(``slack-dm-mixed``: past the client's retries, which count every kind together).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make ``bench`` and ``tests`` importable
    sys.path.insert(0, str(ROOT))

from bench.ack_latency import ACK_DEADLINE  # noqa: E402
from bench.crashes import KEPT, LANDED, Scene, wait_until  # noqa: E402
from tests.fakes.slack_api import RESPONSE_URL  # noqa: E402

PEOPLE = ("sybil", "basil", "polly", "manuel")
AWAY = "Harvest isn't answering right now"
#: Words of a clear answer: the result (logged, a timesheet, help) or Harvest being away.
CLEAR = (AWAY, "Logged *", "Harvest commands", "— total *")


@dataclass
class Figures:
    scenario: str
    wire: str
    fault: str
    requests: int = 0
    failures: int = 0
    duplicates: int = 0
    lost: int = 0
    kept: int = 0
    note: str = ""


@dataclass(frozen=True)
class HarvestFault:
    name: str
    describe: str
    apply: Callable[[Scene, str], Callable[[], None]]  # (scene, wire) -> lift


def _write_route(wire: str) -> str:
    return "/daily/add" if wire == "v1" else "/v2/time_entries"


def _rule(path: str | None = None, **fault: object) -> Callable[[Scene, str], Callable[[], None]]:
    def apply(scene: Scene, wire: str) -> Callable[[], None]:
        rule = scene.emulator.faults.add(path or _write_route(wire), **fault)  # type: ignore[arg-type]
        return lambda: scene.emulator.faults.remove(rule.id)
    return apply


def _throttle(scene: Scene, wire: str) -> Callable[[], None]:
    throttle = scene.emulator.throttle if wire == "v1" else scene.emulator.v2_throttle
    throttle.configure(limit=6, window=2)
    return lambda: throttle.configure(limit=100, window=15)


HARVEST_FAULTS = (
    HarvestFault("latency", "every call held 5 s", _rule("*", latency=5.0)),
    HarvestFault("500", "every call answered 500", _rule("*", status=500)),
    HarvestFault("drop-before", "the write's connection dropped before Harvest read it",
                 _rule(method="POST", drop="before")),
    HarvestFault("drop-after", "the write made, then its connection dropped",
                 _rule(method="POST", drop="after")),
    HarvestFault("garbled", "every answer cut off mid-document", _rule("*", malformed=True)),
    HarvestFault("throttle", "throttle cut to 6 calls in 2 s (v1 503, v2 429)", _throttle),
)


def _clear(text: str) -> bool:
    return any(words in text for words in CLEAR) or KEPT in text


def _send_all(scene: Scene, commands: Sequence[tuple[str, str]]) -> list[tuple[str, float]]:
    """Send the commands at once (a thread each), as several people would."""
    sent: list[tuple[str, float] | None] = [None] * len(commands)

    def one(i: int) -> None:
        sent[i] = scene.send(*commands[i])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(commands))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return [s if s is not None else ("", float("inf")) for s in sent]


def harvest_fault(fault: HarvestFault, wire: str, writes: int) -> Figures:
    figures = Figures(f"Harvest {fault.name}", wire, fault.describe)
    with contextlib.ExitStack() as stack:
        scene = Scene(stack, linked=PEOPLE, wire=wire)
        scene.start()
        for who in PEOPLE:  # each person's projects seen once, as after a day's use
            scene.command(who, "projects")
        notes = [f"{fault.name} {wire} {i}" for i in range(writes)]
        commands = [(PEOPLE[i % 4], f"log 0:15 mobile / design -- {n}") for i, n in enumerate(notes)]
        commands += [(PEOPLE[i % 4], "today") for i in range(writes)]
        lift = fault.apply(scene, wire)
        sent = _send_all(scene, commands)
        answers = []
        for key, _ in sent:
            try:
                answers.append(scene.answer(key, timeout=60) if key else "")
            except AssertionError:
                answers.append("")
        lift()
        kept = sum(1 for a in answers if KEPT in a)

        def entries(note: str) -> int:
            return int(scene.emulator.store.scalar(
                "SELECT COUNT(*) FROM day_entries WHERE notes = ?", note))

        wait_until(lambda: all(entries(n) for n in notes)
                   and not scene.sql("SELECT 1 FROM outbox WHERE status = 'pending'"), 120, 0.5)
        wait_until(lambda: _told(scene) >= kept, 20, 0.2)
        time.sleep(2.0)
        counts = [entries(n) for n in notes]
        told = _told(scene)
        late = sum(1 for _, ack in sent if ack > ACK_DEADLINE)
        unclear = sum(1 for a in answers if not _clear(a))
        answered_twice = sum(max(0, len(scene.slack.calls_to(
            RESPONSE_URL, lambda c, k=key: c.args.get("key") == k and c.ok)) - 1)
            for key, _ in sent)
        figures.requests = len(commands)
        figures.failures = late + unclear
        figures.duplicates = sum(n - 1 for n in counts if n > 1) + answered_twice
        figures.lost = sum(1 for n in counts if n == 0) + max(0, kept - told)
        figures.kept = kept
        figures.note = (f"{kept} writes kept and told when they landed ({told} told); "
                        f"{late} acks over 3 s; {unclear} unclear answers")
        scene.stop()
    return figures


def _told(scene: Scene) -> int:
    return len([c for c in scene.slack.calls_to("chat.postMessage")
                if c.ok and LANDED in str(c.args.get("text", ""))])


def slack_fault(name: str, count: int) -> Figures:
    """Answers (``help``) whose response_url misbehaves, or "Harvest is back" DMs that do."""
    describe = {
        "slack-429": "each answer's response_url answers 429 (Retry-After 1) twice",
        "slack-500": "each answer's response_url answers 500 twice",
        "slack-timeout": "an answer held 11 s by Slack (the bot waits 10), never made",
        "slack-expired": "each answer's response_url has expired (404 expired_url)",
        "slack-dm-429": "the DMs meet two 429s (Retry-After 1)",
        "slack-dm-500": "the DMs meet two 500s",
        "slack-dm-mixed": "one DM meets 429, 429, 500 in a row",
    }[name]
    figures = Figures(name, "v1", describe)
    with contextlib.ExitStack() as stack:
        scene = Scene(stack, linked=("polly",))
        scene.start()
        slack = scene.slack
        if name.startswith("slack-dm"):
            down = scene.emulator.faults.add("/daily/add", method="POST", status=500)
            notes = [f"dm {i}" for i in range(count)]
            answers = [scene.command("polly", f"log 0:15 mobile / design -- {n}") for n in notes]
            if name != "slack-dm-500":
                slack.fail_next("chat.postMessage", status=429, retry_after=1, times=2)
            if name != "slack-dm-429":
                slack.fail_next("chat.postMessage", status=500, times=1 if "mixed" in name else 2)
            scene.emulator.faults.remove(down.id)
            kept = sum(1 for a in answers if KEPT in a)
            wait_until(lambda: _told(scene) >= kept, 60, 0.2)
            time.sleep(2.0)
            figures.requests, figures.kept = count, kept
            figures.duplicates = max(0, _told(scene) - kept)
            figures.lost = max(0, kept - _told(scene))
            figures.note = f"{kept} kept; {_told(scene)} DMs delivered"
        else:
            keys = []
            for _ in range(count if name != "slack-timeout" else 1):
                if name == "slack-429":
                    slack.fail_next(RESPONSE_URL, status=429, retry_after=1, times=2)
                elif name == "slack-500":
                    slack.fail_next(RESPONSE_URL, status=500, times=2)
                elif name == "slack-timeout":
                    slack.delay_next(RESPONSE_URL, 11, status=503)
                key = f"help{time.monotonic_ns()}"
                if name == "slack-expired":
                    slack.expire(key)  # Slack takes no more answers there
                scene.send("polly", "help", key=key)
                keys.append(key)
                wait_until(lambda k=key: bool(slack.calls_to(
                    RESPONSE_URL, lambda c: c.args.get("key") == k and c.ok))
                    or (name == "slack-expired" and bool(slack.calls_to(
                        RESPONSE_URL, lambda c: c.args.get("key") == k))), 40, 0.1)
            if name == "slack-expired":  # the DMs take their turns, a second apart
                wait_until(lambda: sum(1 for c in slack.calls_to("chat.postMessage") if c.ok
                                       and "Harvest commands" in str(c.args.get("text", "")))
                           >= len(keys), 20, 0.2)
            time.sleep(2.0)
            at_url = [len(slack.calls_to(RESPONSE_URL, lambda c, k=k: c.args.get("key") == k
                                         and c.ok)) for k in keys]
            dms = len([c for c in slack.calls_to("chat.postMessage")
                       if c.ok and "Harvest commands" in str(c.args.get("text", ""))])
            delivered = sum(at_url) + dms
            figures.requests = len(keys)
            figures.duplicates = max(0, delivered - len(keys)) + sum(n - 1 for n in at_url if n > 1)
            figures.lost = max(0, len(keys) - delivered)
            figures.note = f"{sum(at_url)} answered at the response_url, {dms} by DM"
        scene.stop()
    return figures


SLACK_FAULTS = ("slack-429", "slack-500", "slack-timeout", "slack-expired", "slack-dm-429",
                "slack-dm-500", "slack-dm-mixed")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--writes", type=int, default=10,
                        help="writes (and as many reads) per Harvest fault (10)")
    parser.add_argument("--wire", action="append", choices=["v1", "v2"],
                        help="Harvest wires (default both)")
    names = [f.name for f in HARVEST_FAULTS] + list(SLACK_FAULTS)
    parser.add_argument("--only", action="append", choices=names, help="only these faults")
    args = parser.parse_args(argv)
    wanted = args.only or names
    print("| scenario | wire | faults injected | requests | failures | duplicates | lost "
          "| notes |")
    print("|----------|------|-----------------|---------:|---------:|-----------:|-----:"
          "|-------|")
    results = []
    for fault in HARVEST_FAULTS:
        for wire in args.wire or ["v1", "v2"]:
            if fault.name in wanted:
                print(f"... {fault.name} on {wire}", file=sys.stderr)
                results.append(harvest_fault(fault, wire, args.writes))
                _row(results[-1])
    for name in SLACK_FAULTS:
        if name in wanted:
            print(f"... {name}", file=sys.stderr)
            results.append(slack_fault(name, 5))
            _row(results[-1])
    return 0 if all(not (r.failures or r.duplicates or r.lost) for r in results) else 1


def _row(f: Figures) -> None:
    print(f"| {f.scenario} | {f.wire} | {f.fault} | {f.requests} | {f.failures} "
          f"| {f.duplicates} | {f.lost} | {f.note} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
