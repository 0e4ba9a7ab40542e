"""Client throughput against the emulator: one pooled connection vs a new connection per call.

    python bench/client_throughput.py [--calls 500] [--format json|xml] [--threads 8]
                                      [--url http://127.0.0.1:8000]

Without ``--url`` an emulator with the demo seed is started in this process (uvicorn in a
thread), with its throttle off, so the figures measure the client and the HTTP round trip,
not the pacing. Emulator and client then share one interpreter (and its GIL): an emulator
started apart (``harvest-bot emulator``) and ``--url`` give the cleaner figure. With ``--url``
the emulator's throttle is turned off through its admin endpoint for the run and back on
after. Every call is ``GET /daily`` (the bot's commonest), and the client's pacer is given a
budget no run can reach. "New connection per call" keeps one client whose transport keeps no
connection alive; "new client per call" also builds a client (and its TLS context) each time.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

from bot.harvest.auth import BasicAuth
from bot.harvest.client_v1 import HarvestV1Client
from bot.harvest.documents import Format
from bot.harvest.pacing import Pacer

DEMO_LOGIN = BasicAuth("sybil@fawltytowers.example", "harvest-demo")


@dataclass(frozen=True)
class Result:
    name: str
    calls: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds

    def row(self) -> str:
        ms = sorted(x * 1000 for x in self.latencies)
        p50 = statistics.median(ms)
        p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        return (
            f"| {self.name:<34} | {self.calls:>6} | {self.per_second:>9.0f} "
            f"| {p50:>8.2f} | {p95:>8.2f} |"
        )


def unbounded_pacer() -> Pacer:
    """A pacer no benchmark reaches: pacing is tested elsewhere, here it would only wait."""
    return Pacer(max_calls=10**9, window=1.0, margin=0)


def new_client(base_url: str, fmt: Format, pacer: Pacer) -> HarvestV1Client:
    return HarvestV1Client(base_url, DEMO_LOGIN, format=fmt, pacer=pacer)


def timed(name: str, calls: int, run: Callable[[list[float]], None]) -> Result:
    latencies: list[float] = []
    started = time.perf_counter()
    run(latencies)
    return Result(name, calls, time.perf_counter() - started, latencies)


def pooled(base_url: str, fmt: Format, calls: int) -> Result:
    def run(latencies: list[float]) -> None:
        with new_client(base_url, fmt, unbounded_pacer()) as client:
            for _ in range(calls):
                began = time.perf_counter()
                client.day()
                latencies.append(time.perf_counter() - began)

    return timed(f"pooled, 1 thread ({fmt})", calls, run)


def connection_per_call(base_url: str, fmt: Format, calls: int) -> Result:
    """One client whose transport keeps no connection alive: a TCP connect per call."""
    no_keepalive = httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))

    def run(latencies: list[float]) -> None:
        client = HarvestV1Client(
            base_url,
            DEMO_LOGIN,
            format=fmt,
            pacer=unbounded_pacer(),
            transport=no_keepalive,
        )
        with client:
            for _ in range(calls):
                began = time.perf_counter()
                client.day()
                latencies.append(time.perf_counter() - began)

    return timed(f"new connection per call ({fmt})", calls, run)


def client_per_call(base_url: str, fmt: Format, calls: int) -> Result:
    """A new client (pool, TLS context and all) per call: what not to do."""
    pacer = unbounded_pacer()

    def run(latencies: list[float]) -> None:
        for _ in range(calls):
            began = time.perf_counter()
            with new_client(base_url, fmt, pacer) as client:
                client.day()
            latencies.append(time.perf_counter() - began)

    return timed(f"new client per call ({fmt})", calls, run)


def pooled_threads(base_url: str, fmt: Format, calls: int, threads: int) -> Result:
    each = max(1, calls // threads)

    def run(latencies: list[float]) -> None:
        lock = threading.Lock()
        with new_client(base_url, fmt, unbounded_pacer()) as client:

            def work() -> None:
                mine = []
                for _ in range(each):
                    began = time.perf_counter()
                    client.day()
                    mine.append(time.perf_counter() - began)
                with lock:
                    latencies.extend(mine)

            workers = [threading.Thread(target=work) for _ in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()

    return timed(f"pooled, {threads} threads ({fmt})", each * threads, run)


@contextlib.contextmanager
def emulator_at(url: str | None) -> Iterator[str]:
    """The base URL to measure: the one given (throttle off for the run), or a fresh emulator."""
    if url is not None:
        admin = url.rstrip("/") + "/__emulator__/throttle"
        with httpx.Client() as http:
            http.post(admin, json={"enabled": False}).raise_for_status()
            try:
                yield url.rstrip("/")
            finally:
                http.post(admin, json={"enabled": True})
        return
    from emulator.runner import running_emulator

    with running_emulator("demo") as running:
        assert running.throttle is not None
        running.throttle.configure(enabled=False)
        yield running.base_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--format", choices=["json", "xml", "both"], default="both")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--url", help="an emulator already running (default: start one here)"
    )
    args = parser.parse_args(argv)
    formats: list[Format] = ["json", "xml"] if args.format == "both" else [args.format]

    with emulator_at(args.url) as base_url:
        with new_client(base_url, formats[0], unbounded_pacer()) as warm_up:
            warm_up.day()
        results = []
        for fmt in formats:
            results.append(pooled(base_url, fmt, args.calls))
            results.append(connection_per_call(base_url, fmt, args.calls))
            results.append(client_per_call(base_url, fmt, max(20, args.calls // 5)))
            results.append(pooled_threads(base_url, fmt, args.calls, args.threads))

    where = args.url or "an in-process emulator (same interpreter)"
    print(f"Client throughput, GET /daily against {where}")
    print()
    print(
        f"| {'run':<34} | {'calls':>6} | {'calls/s':>9} | {'p50 ms':>8} | {'p95 ms':>8} |"
    )
    print(f"|{'-' * 36}|{'-' * 7}:|{'-' * 10}:|{'-' * 9}:|{'-' * 9}:|")
    for result in results:
        print(result.row())
    print()
    for fmt in formats:
        rate = {
            r.name.split(" (")[0]: r.per_second for r in results if f"({fmt})" in r.name
        }
        pooled_rate = rate["pooled, 1 thread"]
        print(
            f"{fmt}: pooled is {pooled_rate / rate['new connection per call']:.1f}x a new "
            f"connection per call and {pooled_rate / rate['new client per call']:.1f}x a new "
            "client per call"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
