"""``bot.slack_gate``: bodies Bolt cannot read get 401 (not signed) or 400 (signed), never a 500."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from bot.slack_gate import refusal
from tests.fakes.slack_signing import FORM, JSON, STALE_AFTER, SlackSigner
from tests.reliability.checks import signed_bytes

SECRET = "gate-signing-secret"
NOW = 1_800_000_000.0
signer = SlackSigner(SECRET, clock=lambda: NOW)

UNREADABLE = [
    (b"payload=%7Bnot+json", FORM),
    (urlencode({"payload": "[1, 2]"}).encode(), FORM),
    (urlencode({"payload": "null"}).encode(), FORM),
    (urlencode({"payload": '"text"'}).encode(), FORM),
    (urlencode({"payload": json.dumps({"type": "block_actions", "team": 5})}).encode(), FORM),
    (urlencode({"payload": json.dumps({"type": "block_actions", "channel": 5})}).encode(), FORM),
    (urlencode({"payload": json.dumps({"authorizations": [5]})}).encode(), FORM),
    (json.dumps({"type": "event_callback", "event": {"channel": 5}}).encode(), JSON),
    # Bolt takes these apart for every listener's arguments: its step, its first action, its view.
    (urlencode({"payload": json.dumps({"type": "workflow_step_edit", "callback_id": "x"})})
     .encode(), FORM),
    (urlencode({"payload": json.dumps({"type": "block_actions", "actions": []})}).encode(), FORM),
    (urlencode({"payload": json.dumps({"type": "view_submission", "view": 5})}).encode(), FORM),
    (b"[1]", JSON),
    (b"{", JSON),
    (b"\xff\xfe payload", FORM),
]


def _headers(body: bytes, content_type: str, timestamp: int | None = None) -> dict[str, str]:
    return dict(signed_bytes(body, content_type, SECRET, int(NOW) if timestamp is None
                             else timestamp).headers)


@pytest.mark.parametrize(("body", "content_type"), UNREADABLE)
def test_unreadable_bodies_are_400_when_signed_else_401(body: bytes, content_type: str) -> None:
    signed = _headers(body, content_type)
    assert refusal(body, signed, SECRET, clock=lambda: NOW) == 400
    assert refusal(body, signed, "another-secret", clock=lambda: NOW) == 401
    stale = _headers(body, content_type, timestamp=int(NOW) - STALE_AFTER - 1)
    assert refusal(body, stale, SECRET, clock=lambda: NOW) == 401
    unsigned = {"Content-Type": content_type}
    assert refusal(body, unsigned, SECRET, clock=lambda: NOW) == 401


@pytest.mark.parametrize("stamp", ["not-a-number", "", "1e9", "²", "12.5", "0x10"])
def test_a_timestamp_no_one_can_read_is_401(stamp: str) -> None:
    request = signer.slash_command("today", user_id="U1", response_url="http://x/r")
    headers = {**request.headers, "X-Slack-Request-Timestamp": stamp}
    assert refusal(request.body, headers, SECRET, clock=lambda: NOW) == 401


def test_what_slack_sends_goes_to_bolt() -> None:
    for request in (
        signer.slash_command("log 1h acme", user_id="U1", response_url="http://x/r"),
        signer.interaction(signer.block_action("U1", "entry_edit", value="{}")),
        signer.event({"type": "app_home_opened", "user": "U1"}),
        signer.url_verification("challenge"),
    ):
        assert refusal(request.body, request.headers, SECRET, clock=lambda: NOW) is None
    # Bolt itself refuses a bad signature on a readable body (and a missing timestamp).
    forged = signer.slash_command("today", user_id="U1", response_url="http://x/r").forged()
    assert refusal(forged.body, forged.headers, SECRET, clock=lambda: NOW) is None
    assert refusal(b"text=hi", {"Content-Type": FORM}, SECRET) is None
