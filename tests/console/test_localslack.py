"""What the local Slack adds for the console: listeners, settling, views kept from
acknowledgements, a port of one's choosing. (Its Web API itself: tests/fakes.)"""

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from slack_sdk import WebClient

from bot.localslack.server import RESPONSE_URL, Call, LocalSlack

TOKEN = "xoxb-local"


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as running:
        running.add_user("U1", name="ana", email="ana@example.com")
        yield running


def test_listeners_hear_each_call_as_it_is_recorded(slack: LocalSlack) -> None:
    heard: list[Call] = []
    stop = slack.subscribe(heard.append)
    web = WebClient(token=TOKEN, base_url=slack.base_url)
    web.chat_postMessage(channel="C1", text="one")
    assert [(c.method, c.args["text"], c.ok) for c in heard] == [("chat.postMessage", "one", True)]
    stop()
    web.chat_postMessage(channel="C1", text="two")
    assert len(heard) == 1


def test_failed_calls_are_heard_too_and_say_so(slack: LocalSlack) -> None:
    heard: list[Call] = []
    slack.subscribe(heard.append)
    httpx.post(f"{slack.base_url}chat.postMessage", data={"channel": "C1"},
               headers={"Authorization": f"Bearer {TOKEN}"})
    (call,) = heard
    assert (call.ok, call.response["error"]) == (False, "no_text")


def test_settle_waits_for_the_first_call_then_for_quiet(slack: LocalSlack) -> None:
    web = WebClient(token=TOKEN, base_url=slack.base_url)
    timers = [threading.Timer(delay, lambda: web.chat_postMessage(channel="C1", text="x"))
              for delay in (0.2, 0.4)]
    for timer in timers:
        timer.start()
    assert slack.settle(0, first=5, quiet=0.5) == 2
    for timer in timers:
        timer.join()
    assert slack.settle(2, first=0.1, quiet=0.1) == 2  # nothing more came: it gives up


def test_a_view_from_an_acknowledgement_is_kept_for_later_updates(slack: LocalSlack) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Checking"}, "blocks": []}
    kept = slack.show_view(modal)
    WebClient(token=TOKEN, base_url=slack.base_url).views_update(
        view_id=kept["id"], view={**modal, "title": {"type": "plain_text", "text": "Done"}})
    assert slack.view(kept["id"])["title"]["text"] == "Done"
    with pytest.raises(ValueError, match="invalid_arguments"):
        slack.show_view({"type": "message"})


def test_response_urls_are_served_on_its_own_port(slack: LocalSlack) -> None:
    url = slack.response_url("k1")
    assert url.startswith(slack.url + "/response/")
    assert httpx.post(url, json={"text": "hi"}).status_code == 200
    assert slack.wait_for(RESPONSE_URL).args == {"text": "hi", "key": "k1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_chosen_port_and_a_taken_one() -> None:
    port = free_port()
    with LocalSlack(port=port) as slack:
        assert slack.base_url == f"http://127.0.0.1:{port}/api/"
        assert WebClient(token=TOKEN, base_url=slack.base_url).auth_test()["ok"]
        with pytest.raises(OSError, match=f"could not listen on 127.0.0.1:{port}"):
            LocalSlack(port=port).start()
