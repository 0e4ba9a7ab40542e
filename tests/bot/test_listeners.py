"""The listener guard keeps Bolt's argument injection and never lets an exception through."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.util.utils import get_arg_names_of_callable

from bot.listeners import guarded


class Ack:
    def __init__(self) -> None:
        self.response: Any = None

    async def __call__(self) -> None:
        self.response = "acked"


def test_bolt_injects_what_the_listener_and_the_guard_need() -> None:
    async def listener(ack: Any, action: dict[str, Any]) -> str:
        """Docs."""
        return f"got {action['id']}"

    async def present(*args: Any) -> None:
        raise AssertionError("nothing failed")

    guard = guarded(listener, present)
    assert get_arg_names_of_callable(guard) == ["ack", "action", "body", "respond", "client"]
    assert (guard.__name__, guard.__doc__) == ("listener", "Docs.")
    called = guard(ack=Ack(), action={"id": 7}, body={}, respond=None, client=None)
    assert asyncio.run(called) == "got 7"  # the listener got only what it asked for


def test_an_error_is_presented_and_an_unacked_request_acked() -> None:
    told: list[tuple[str, dict[str, Any]]] = []

    async def listener(body: dict[str, Any]) -> None:
        raise KeyError("user")

    async def present(error: Exception, body: dict[str, Any], respond: Any, client: Any) -> None:
        told.append((type(error).__name__, body))

    ack = Ack()
    asyncio.run(guarded(listener, present)(ack=ack, body={"b": 1}, respond=None, client=None))
    assert told == [("KeyError", {"b": 1})] and ack.response == "acked"


def test_a_failing_presenter_is_logged_not_raised() -> None:
    async def listener() -> None:
        raise ValueError("first")

    async def present(*args: Any) -> None:
        raise ConnectionError("Slack is down too")

    guard = guarded(listener, present, acknowledge=False)
    assert asyncio.run(guard(ack=None, body={}, respond=None, client=None)) is None
