"""What every reliability test asks of an answer and of Harvest, over the e2e harness.

:class:`AppErrors` hears what the app logs at ERROR (an unexpected exception in a listener, a
500 in uvicorn): a test of bad input wants none. :func:`entries` reads the emulator's
``day_entries`` so a test can say nothing changed, or only the acting person's rows did.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bot.app import OOPS_TEXT
from bot.localslack.signing import SignedRequest
from emulator.runner import RunningEmulator
from tests.e2e.harness import Call, SlackAppHarness, text_of

#: How ``bot.app`` logs an exception a listener did not expect.
UNEXPECTED = "unexpected "
#: Words that only a stack trace or a leaked exception would put in front of a person.
TRACE_MARKS = ("Traceback", 'File "', ".py\", line", "Exception:", "Error:", "<object at")


def signed_bytes(body: bytes, content_type: str, secret: str,
                 timestamp: int | None = None) -> SignedRequest:
    """Any bytes signed as Slack signs (slack_sdk's signer takes only UTF-8 bodies)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    return SignedRequest(body, {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
                                "X-Slack-Signature": f"v0={digest.hexdigest()}"})


def eventually(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Whether ``condition`` comes true within ``timeout`` seconds (the bot works after its
    answer: a write lands, a notice goes out)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def entries(emulator: RunningEmulator) -> list[dict[str, Any]]:
    """Every time entry Harvest holds, in id order."""
    return emulator.store.all("SELECT * FROM day_entries ORDER BY id")


def entries_not_of(emulator: RunningEmulator, who: str) -> list[dict[str, Any]]:
    """Every time entry that is not ``who``'s."""
    uid = emulator.info.logins[who].user_id
    return emulator.store.all("SELECT * FROM day_entries WHERE user_id != ? ORDER BY id", uid)


def assert_polite(answer: Call | dict[str, Any], typed: str = "", *,
                  unexpected_ok: bool = False) -> str:
    """The answer says something, in plain words: no trace, no "something went wrong on my
    side" (the app's words for an exception it did not expect; ``unexpected_ok`` allows them,
    for input Slack never sends); its text. ``typed``: what the person sent, which the answer
    may quote."""
    if isinstance(answer, Call):
        assert answer.status == 200, f"Slack refused the answer: {answer.response}"
    text = text_of(answer)
    assert text.strip(), "an empty answer"
    assert unexpected_ok or OOPS_TEXT not in text, "an unexpected exception reached the person"
    for mark in TRACE_MARKS:
        assert mark not in text or mark in typed, f"{mark!r} in the answer: {text[:500]}"
    return text


class AppErrors(logging.Handler):
    """The ERROR records logged while installed (the app's and uvicorn's)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self, *, unexpected_ok: bool = False) -> list[str]:
        """The messages logged since the last ``take``; ``unexpected_ok`` leaves out the app's
        report of an exception a listener did not expect (for input Slack never sends)."""
        taken, self.records = self.records, []
        messages = [record.getMessage() for record in taken]
        if unexpected_ok:
            messages = [m for m in messages if not m.startswith(UNEXPECTED)]
        return messages


@contextmanager
def app_errors() -> Iterator[AppErrors]:
    handler = AppErrors()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


class Fuzzed:
    """What a property-based test works on: the app, its emulator, the errors it logged.

    Not a dataclass, and its ``repr`` is short, on purpose: hypothesis prints a failing
    example's arguments, and the emulator's would print the demo people's passwords and tokens.
    """

    def __init__(self, bot: SlackAppHarness, emulator: RunningEmulator,
                 errors: AppErrors) -> None:
        self.bot, self.emulator, self.errors = bot, emulator, errors

    def __repr__(self) -> str:
        return f"<the app on Harvest {self.bot.wire}>"
