"""Emulator requests per second, per route, with the throttle off.

    python bench/emulator_throughput.py [--seconds 5] [--threads 4] [--port 0]

Starts ``harvest-bot emulator`` as its own process (so the load generator does not share its
interpreter), turns its throttle off through the admin endpoint, then drives each route from
``--threads`` threads, each with one pooled httpx connection, for ``--seconds``. Prints calls/s
and latency percentiles per route. Both processes share this machine's cores: the figure is a
floor for the emulator, not a ceiling.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import httpx

AUTH = ("sybil@fawltytowers.example", "harvest-demo")
HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_emulator(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "emulator", "--port", str(port), "--db", ":memory:"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/__emulator__/health").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the emulator did not start")


def drive(base: str, name: str, call: Callable[[httpx.Client], httpx.Response], seconds: float,
          threads: int) -> None:
    latencies: list[list[float]] = [[] for _ in range(threads)]
    failures = [0] * threads
    stop_at = time.monotonic() + seconds

    def worker(index: int) -> None:
        with httpx.Client(base_url=base, auth=AUTH, headers=HEADERS, timeout=30) as client:
            while time.monotonic() < stop_at:
                began = time.perf_counter()
                response = call(client)
                latencies[index].append(time.perf_counter() - began)
                if response.status_code >= 400:
                    failures[index] += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    began = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = sorted(x * 1000 for row in latencies for x in row)
    p99 = flat[min(len(flat) - 1, int(len(flat) * 0.99))]
    print(f"{name:<38} {len(flat) / elapsed:8.0f} calls/s   p50 {statistics.median(flat):6.1f} ms"
          f"   p99 {p99:6.1f} ms   errors {sum(failures)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    port = free_port()
    process = start_emulator(port)
    base = f"http://127.0.0.1:{port}"
    try:
        httpx.post(base + "/__emulator__/throttle", json={"enabled": False})
        projects = httpx.get(base + "/projects", auth=AUTH, headers=HEADERS).json()
        project = projects[0]["project"]["id"]
        day = httpx.get(base + "/daily", auth=AUTH, headers=HEADERS).json()
        offered = day["projects"][0]
        body = {"project_id": offered["id"], "task_id": offered["tasks"][0]["id"], "hours": 0.25,
                "notes": "bench"}
        print(f"emulator pid {process.pid} on {base}; {args.threads} threads x {args.seconds:g} s each")
        drive(base, "GET /account/who_am_i", lambda c: c.get("/account/who_am_i"), args.seconds, args.threads)
        drive(base, "GET /daily", lambda c: c.get("/daily"), args.seconds, args.threads)
        drive(base, "POST /daily/add (hours)", lambda c: c.post("/daily/add", json=body), args.seconds, args.threads)
        drive(base, "GET /projects/{id}/entries (2 weeks)",
              lambda c: c.get(f"/projects/{project}/entries", params={"from": "20261101", "to": "20261130"}),
              args.seconds, args.threads)
        drive(base, "GET /projects (XML)", lambda c: c.get("/projects", headers={"Accept": "application/xml"}),
              args.seconds, args.threads)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
