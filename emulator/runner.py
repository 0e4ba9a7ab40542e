"""Serving the emulator under uvicorn: in the foreground for the CLI, in a thread for tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from emulator.clock import Clock
from emulator.seed import SeedInfo, seed
from emulator.server import ADMIN_PREFIX, COOP_PREFIX, Emulator
from emulator.store import Store


@dataclass
class RunningEmulator:
    """A live emulator on a loopback port, with the handles tests turn."""

    emulator: Emulator
    base_url: str
    info: SeedInfo

    @property
    def coop_url(self) -> str:
        return self.base_url + COOP_PREFIX

    @property
    def admin_url(self) -> str:
        return self.base_url + ADMIN_PREFIX

    @property
    def v2_url(self) -> str:
        """API v2's base, as ``https://api.harvestapp.com/v2`` is Harvest's."""
        return self.base_url + "/v2"

    @property
    def id_url(self) -> str:
        """Harvest ID's base, as ``https://id.getharvest.com`` is Harvest's."""
        return self.base_url + "/id"

    @property
    def store(self) -> Store:
        return self.emulator.store

    @property
    def clock(self) -> Clock:
        return self.emulator.clock

    @property
    def faults(self):  # noqa: ANN201
        return self.emulator.faults

    @property
    def throttle(self):  # noqa: ANN201
        return self.emulator.throttle

    @property
    def v2_throttle(self):  # noqa: ANN201
        return self.emulator.v2_throttle

    @property
    def v2_reports_throttle(self):  # noqa: ANN201
        return self.emulator.v2_reports_throttle


def build(db: str = ":memory:", seed_name: str | None = "demo",
          clock: Clock | None = None) -> tuple[Emulator, SeedInfo]:
    store = Store(db)
    emulator = Emulator(store, clock or Clock())
    return emulator, seed(store, emulator.clock, seed_name)


def _config(emulator: Emulator, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(emulator.asgi(), log_level=log_level, access_log=False,
                          lifespan="off", timeout_keep_alive=30)


@contextmanager
def running_emulator(seed_name: str | None = "demo", db: str = ":memory:",
                     clock: Clock | None = None, host: str = "127.0.0.1",
                     log_level: str = "warning") -> Iterator[RunningEmulator]:
    """Start an emulator in a background thread on a free loopback port; stop it on exit."""
    emulator, info = build(db, seed_name, clock)
    # Port 0 lets the OS pick a free port. (Handing uvicorn a pre-bound socket instead costs
    # ~40 ms a request here: its connections then miss TCP_NODELAY and meet delayed ACKs.)
    config = _config(emulator, log_level)
    config.host, config.port = host, 0
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name="emulator")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the emulator did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningEmulator(emulator, f"http://{host}:{port}", info)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        emulator.store.close()


def serve(host: str, port: int, db: str, seed_name: str | None) -> None:
    """Run in the foreground until interrupted (``harvest-bot emulator``)."""
    emulator, info = build(db, seed_name)
    base = f"http://{host}:{port}"
    print(f"Harvest v1 emulator on {base}  (Co-op: {base}{COOP_PREFIX}, admin: {base}{ADMIN_PREFIX})")
    print(f"Harvest API v2 on {base}/v2  (Harvest ID: {base}/id)")
    for line in info.describe():
        print(line)
    uvicorn.Server(uvicorn.Config(emulator.asgi(), host=host, port=port, log_level="info",
                                  lifespan="off")).run()
