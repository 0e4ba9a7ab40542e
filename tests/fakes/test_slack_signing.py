"""Signed requests verify as Slack's, forgeries do not, and Bolt agrees."""

import json
from urllib.parse import parse_qs

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_signing import SignedRequest, SlackSigner

SECRET = "test-signing-secret"


def verifies(request: SignedRequest, secret: str = SECRET) -> bool:
    return SignatureVerifier(secret).is_valid_request(
        request.body, dict(request.headers)
    )


@pytest.fixture
def signer() -> SlackSigner:
    return SlackSigner(SECRET)


def test_a_signed_slash_command_verifies_and_carries_slack_fields(
    signer: SlackSigner,
) -> None:
    request = signer.slash_command(
        "start Acme", user_id="U1", response_url="http://x/r/1"
    )
    assert verifies(request)
    form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    assert (form["command"], form["text"], form["user_id"], form["team_id"]) == (
        "/harvest",
        "start Acme",
        "U1",
        "T0DEMO",
    )
    assert form["response_url"] == "http://x/r/1" and form["trigger_id"]


def test_interactions_and_events_verify(signer: SlackSigner) -> None:
    payload = signer.block_action(
        "U1", "stop_timer", value="42", response_url="http://x/r"
    )
    request = signer.interaction(payload)
    assert verifies(request)
    assert json.loads(parse_qs(request.body.decode())["payload"][0]) == payload
    event = signer.event(
        {"type": "app_home_opened", "user": "U1", "tab": "home"}, event_id="Ev1"
    )
    assert verifies(event)
    assert json.loads(event.body)["event_id"] == "Ev1"


def test_forgeries_do_not_verify(signer: SlackSigner) -> None:
    request = signer.slash_command("stop", user_id="U1", response_url="http://x/r/1")
    assert not verifies(request.forged())
    assert not verifies(request.tampered(request.body.replace(b"U1", b"U2")))
    assert not verifies(request.unsigned())
    assert not verifies(signer.stale(request))
    assert not verifies(request, secret="another-secret")


def bolt_app(slack: FakeSlackApi) -> App:
    app = App(
        signing_secret=SECRET,
        client=WebClient(token="xoxb-test", base_url=slack.base_url),
        token_verification_enabled=False,
    )

    @app.command("/harvest")
    def harvest(ack, command):  # type: ignore[no-untyped-def]
        ack(f"got {command['text']}")

    return app


def test_bolt_accepts_the_signed_request_and_refuses_each_forgery(
    signer: SlackSigner,
) -> None:
    with FakeSlackApi() as slack:
        app = bolt_app(slack)
        request = signer.slash_command(
            "today", user_id="U1", response_url=slack.response_url()
        )

        def dispatch(r: SignedRequest) -> int:
            return app.dispatch(
                BoltRequest(body=r.body.decode(), headers=dict(r.headers))
            ).status

        accepted = app.dispatch(
            BoltRequest(body=request.body.decode(), headers=dict(request.headers))
        )
        assert (accepted.status, accepted.body) == (200, "got today")
        assert dispatch(request.forged()) == 401
        assert dispatch(request.unsigned()) == 401
        assert dispatch(signer.stale(request)) == 401
        assert (
            dispatch(request.tampered(request.body.replace(b"today", b"week"))) == 401
        )


def test_the_signer_repr_hides_the_secret(signer: SlackSigner) -> None:
    assert SECRET not in repr(signer)
