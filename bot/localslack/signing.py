"""Requests as Slack sends them to the app, signed with its signing secret, and their forgeries.

Signatures are made with slack_sdk's own :class:`~slack_sdk.signature.SignatureVerifier`
(``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``), so a request the app accepts here is one
Slack could have sent. The console sends these to a running app; tests also turn each
:class:`SignedRequest` into what an attacker or a replay would send:
:meth:`~SignedRequest.forged` (signed with another secret), :meth:`~SignedRequest.tampered`
(body changed after signing), :meth:`~SignedRequest.unsigned`, and :meth:`SlackSigner.stale`
(signed too long ago).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from itertools import count
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
STALE_AFTER = 5 * 60  # Slack's verifier refuses timestamps further than this from now
_ids = count(1)


@dataclass(frozen=True)
class SignedRequest:
    """A body and the headers Slack would send with it."""

    body: bytes
    headers: Mapping[str, str]

    def post(self, url: str, client: httpx.Client | None = None) -> httpx.Response:
        """Send it: with ``client`` if given (keeps connections), else a one-off request."""
        if client is not None:
            return client.post(url, content=self.body, headers=dict(self.headers))
        return httpx.post(
            url, content=self.body, headers=dict(self.headers), timeout=10
        )

    async def apost(self, url: str, client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(url, content=self.body, headers=dict(self.headers))

    def forged(self) -> SignedRequest:
        """The same request signed with a secret that is not the app's."""
        timestamp = self.headers["X-Slack-Request-Timestamp"]
        signature = _signature("not-the-signing-secret", timestamp, self.body)
        return replace(self, headers={**self.headers, "X-Slack-Signature": signature})

    def tampered(self, body: bytes | str) -> SignedRequest:
        """Another body under the original signature, as a man in the middle would send."""
        new = body.encode() if isinstance(body, str) else body
        return replace(self, body=new)

    def unsigned(self) -> SignedRequest:
        """Without the signature headers."""
        headers = {
            k: v
            for k, v in self.headers.items()
            if k not in ("X-Slack-Signature", "X-Slack-Request-Timestamp")
        }
        return replace(self, headers=headers)


def _signature(secret: str, timestamp: str, body: bytes) -> str:
    signature = SignatureVerifier(secret).generate_signature(
        timestamp=timestamp, body=body
    )
    assert signature is not None  # only None without a timestamp
    return signature


class SlackSigner:
    """Builds signed requests for one app (signing secret) and one workspace."""

    def __init__(
        self,
        signing_secret: str,
        *,
        team_id: str = "T0DEMO",
        team_domain: str = "demo",
        api_app_id: str = "A0DEMO",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = signing_secret
        self.team_id, self.team_domain, self.api_app_id = (
            team_id,
            team_domain,
            api_app_id,
        )
        self._clock = clock

    def __repr__(self) -> str:
        return f"SlackSigner(team_id={self.team_id!r})"

    def sign(
        self, body: bytes | str, content_type: str, *, timestamp: int | None = None
    ) -> SignedRequest:
        """Sign any body, at ``timestamp`` (default: now)."""
        raw = body.encode() if isinstance(body, str) else body
        stamp = str(int(self._clock()) if timestamp is None else timestamp)
        return SignedRequest(
            raw,
            {
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": _signature(self._secret, stamp, raw),
            },
        )

    def stale(
        self, request: SignedRequest, age: int = 2 * STALE_AFTER
    ) -> SignedRequest:
        """``request`` correctly signed, but ``age`` seconds ago: a replay."""
        content_type = request.headers["Content-Type"]
        return self.sign(request.body, content_type, timestamp=int(self._clock()) - age)

    def slash_command(
        self,
        text: str,
        *,
        user_id: str,
        response_url: str,
        user_name: str | None = None,
        channel_id: str = "C0GENERAL",
        channel_name: str = "general",
        command: str = "/harvest",
        trigger_id: str | None = None,
    ) -> SignedRequest:
        """A slash command form body, as Slack posts it."""
        form = {
            "token": "deprecated-verification-token",
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or f"{next(_ids)}.{self.team_id}.trigger",
        }
        return self.sign(urlencode(form), FORM)

    def interaction(self, payload: Mapping[str, Any]) -> SignedRequest:
        """An interactive request (button, modal, shortcut, options): ``payload=<json>``."""
        return self.sign(urlencode({"payload": json.dumps(payload)}), FORM)

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        event_time: int | None = None,
    ) -> SignedRequest:
        """An Events API callback wrapping ``event``; reuse ``event_id`` to mimic a retry."""
        envelope = {
            "token": "deprecated-verification-token",
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(self._clock()) if event_time is None else event_time,
            "authorizations": [
                {"team_id": self.team_id, "user_id": "U0BOT", "is_bot": True}
            ],
        }
        return self.sign(json.dumps(envelope), JSON)

    def url_verification(self, challenge: str) -> SignedRequest:
        body = {
            "token": "deprecated",
            "challenge": challenge,
            "type": "url_verification",
        }
        return self.sign(json.dumps(body), JSON)

    # -- payloads, for interaction() ---------------------------------------------------------

    def _who(self, user_id: str) -> dict[str, Any]:
        return {
            "type": "",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": {
                "id": user_id,
                "username": user_id.lower(),
                "team_id": self.team_id,
            },
            "api_app_id": self.api_app_id,
            "token": "deprecated-verification-token",
            "trigger_id": f"{next(_ids)}.{self.team_id}.trigger",
            "is_enterprise_install": False,
        }

    def block_action(
        self,
        user_id: str,
        action_id: str,
        *,
        value: str | None = None,
        block_id: str = "block",
        response_url: str | None = None,
        container: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
        selected_option: Mapping[str, Any] | None = None,
        channel_id: str | None = None,
        message: Mapping[str, Any] | None = None,
        action: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A ``block_actions`` payload for a button (``value``) or a select (``selected_option``).

        ``channel_id`` and ``message`` say where a message's button was; ``action`` adds or
        overrides fields of the action itself (``type``, ``text``, ``selected_date``, ...).
        """
        pressed: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": "static_select" if selected_option else "button",
            "action_ts": f"{int(self._clock())}.000100",
        }
        if value is not None:
            pressed["value"] = value
        if selected_option is not None:
            pressed["selected_option"] = dict(selected_option)
        pressed.update(action or {})
        payload = {
            **self._who(user_id),
            "type": "block_actions",
            "actions": [pressed],
            "container": dict(container or {"type": "message"}),
        }
        if response_url:
            payload["response_url"] = response_url
        if view is not None:
            payload["view"] = dict(view)
        if channel_id is not None:
            payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
        if message is not None:
            payload["message"] = dict(message)
        return payload

    def view_submission(
        self, user_id: str, view: Mapping[str, Any], values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A ``view_submission`` of ``view`` (as opened) with ``state.values``."""
        submitted = {**view, "state": {"values": dict(values)}}
        return {**self._who(user_id), "type": "view_submission", "view": submitted}

    def shortcut(self, user_id: str, callback_id: str) -> dict[str, Any]:
        """A global shortcut."""
        return {
            **self._who(user_id),
            "type": "shortcut",
            "callback_id": callback_id,
            "action_ts": f"{int(self._clock())}.000200",
        }

    def message_shortcut(
        self,
        user_id: str,
        callback_id: str,
        *,
        text: str,
        response_url: str,
        channel_id: str = "C0GENERAL",
        author: str = "U0AUTHOR",
    ) -> dict[str, Any]:
        """A message shortcut on a message saying ``text``."""
        ts = f"{int(self._clock())}.000300"
        return {
            **self._who(user_id),
            "type": "message_action",
            "callback_id": callback_id,
            "action_ts": ts,
            "message_ts": ts,
            "response_url": response_url,
            "channel": {"id": channel_id, "name": "general"},
            "message": {"type": "message", "user": author, "ts": ts, "text": text},
        }

    def block_suggestion(
        self, user_id: str, action_id: str, value: str, *, block_id: str = "block"
    ) -> dict[str, Any]:
        """An external_select asking for options that match ``value``."""
        return {
            **self._who(user_id),
            "type": "block_suggestion",
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
        }
