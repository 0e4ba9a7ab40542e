"""Every listener is registered through one guard, so no exception ever reaches Bolt's runner.

Why: with ``process_before_response=False`` Bolt's asyncio runner starts the listener as a task
and polls for its ``ack()`` every 10 ms. When the listener raises after acking, the runner calls
the error handler and then sets ``ack.response = None``; if that happens before the poll saw the
ack, the request reads as never acknowledged and Slack gets no 200 (a 404 after 3 s). Sleeping in
the error handler narrowed the window but could not close it. Here the window does not exist: a
guarded listener never raises.

:class:`GuardedApp` is Bolt's ``AsyncApp`` with one change at its registration boundary: every
listener function given to ``app.command``, ``app.action``, ``app.view``, ``app.options``,
``app.shortcut``, ``app.event``, ... (the ack function and any lazy ones) is wrapped by
:func:`guarded`, which hands any exception to the app's one presenter, the same one the
``@app.error`` handler uses. Handler modules register as usual and need not know.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

#: Tells the person about ``error``: ``(error, body, respond, client)``; ``respond`` may be None.
Presenter = Callable[
    [Exception, dict[str, Any], AsyncRespond | None, AsyncWebClient], Awaitable[None]
]
Listener = Callable[..., Awaitable[Any]]

#: What the guard asks Bolt for, besides whatever the listener itself asks for.
_GUARD_NEEDS = ("ack", "body", "respond", "client")
_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def guarded(listener: Listener, present: Presenter, *, acknowledge: bool = True) -> Listener:
    """``listener``, except that an exception it raises is presented, never re-raised.

    A request the listener failed to acknowledge is acknowledged first (``acknowledge``; lazy
    listeners run after the ack and pass False), so Slack gets its 200 and the person gets the
    polite message rather than Slack's "didn't respond" error.

    Bolt injects arguments by the names in the listener's signature, looked up through
    ``inspect.unwrap``. The guard keeps the listener's name and docstring (``functools.wraps``)
    but not ``__wrapped__``: its ``__signature__`` is the listener's plus what the guard needs,
    and it passes the listener only the arguments the listener named.
    """
    signature = inspect.signature(listener)
    own = [p.name for p in signature.parameters.values() if p.kind in _NAMED]
    params = list(signature.parameters.values())
    at = sum(1 for p in params if p.kind <= inspect.Parameter.POSITIONAL_OR_KEYWORD)
    extra = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)
        for name in _GUARD_NEEDS
        if name not in signature.parameters
    ]

    @functools.wraps(listener)
    async def guard(**kwargs: Any) -> Any:
        try:
            return await listener(**{name: kwargs[name] for name in own if name in kwargs})
        except Exception as error:  # noqa: BLE001 - the one boundary: presented, never re-raised
            ack = kwargs.get("ack")
            if acknowledge and ack is not None and getattr(ack, "response", None) is None:
                await ack()
            await tell(present, error, kwargs.get("body") or {}, kwargs.get("respond"),
                       kwargs["client"])
            return None

    del guard.__wrapped__  # Bolt would unwrap to the listener and inject only its arguments
    guard.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*params[:at], *extra, *params[at:]]
    )
    guard.listener = listener  # type: ignore[attr-defined]
    return guard


async def tell(
    present: Presenter,
    error: Exception,
    body: dict[str, Any],
    respond: AsyncRespond | None,
    client: AsyncWebClient,
) -> None:
    """``present(error, ...)``; when even that fails (Slack down), log both, never raise."""
    try:
        await present(error, body, respond, client)
    except Exception as failure:  # noqa: BLE001 - nothing is left to tell; the log keeps it
        log.error("could not tell the person about %s: %s",
                  type(error).__name__, type(failure).__name__)


class GuardedApp(AsyncApp):
    """``AsyncApp`` whose every listener is :func:`guarded` with ``present``.

    :raises TypeError: this Bolt no longer registers listeners where the guard hooks in.
    """

    def __init__(self, *, present: Presenter, **options: Any) -> None:
        if not callable(getattr(AsyncApp, "_register_listener", None)):
            raise TypeError("slack_bolt changed: AsyncApp._register_listener is gone, "
                            "so listeners could not be guarded")
        self._present = present
        super().__init__(**options)

    def _register_listener(  # type: ignore[override]
        self, functions: Sequence[Listener], *args: Any, **kwargs: Any
    ) -> Listener | None:
        functions = list(functions)
        wrapped = [
            guarded(f, self._present, acknowledge=i == 0) for i, f in enumerate(functions)
        ]
        registered = super()._register_listener(wrapped, *args, **kwargs)
        # A decorator returns what it registered: give back the listener itself.
        return functions[0] if registered is not None else None
