"""An ASGI app under uvicorn in a background thread, on a loopback port: the local Slack, and the
app itself in ``harvest-bot demo``."""

from __future__ import annotations

import threading
import time
from typing import Any, Literal

import uvicorn

START_SECONDS = 10.0


class Background:
    """A uvicorn server in a daemon thread; :meth:`start` returns once it listens.

    Port 0 lets the OS pick a free port; :attr:`port` is the one it got. uvicorn binds it
    itself: a socket bound here and handed over would miss TCP_NODELAY (see emulator/runner.py).
    """

    def __init__(self, app: Any, *, name: str, host: str = "127.0.0.1", port: int = 0,
                 lifespan: Literal["on", "off"] = "off") -> None:
        self.name = name
        self.host = host
        self.port = port
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan=lifespan,
                                ws="none", http="h11", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Background:
        """Serve; returns once listening.

        :raises OSError: it did not start (the port is taken, or the app failed its startup).
        """
        self._thread = threading.Thread(target=self._run, daemon=True, name=self.name)
        self._thread.start()
        deadline = time.monotonic() + START_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise OSError(f"{self.name} could not listen on {self.host}:{self.port}")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def _run(self) -> None:
        try:
            self._server.run()
        except SystemExit:
            pass  # uvicorn exits when it cannot bind; start() reports that to its caller

    def stop(self) -> None:
        """Stop serving (open connections are closed, the lifespan shuts down)."""
        if self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=START_SECONDS)
            self._thread = None
