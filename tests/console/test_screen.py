"""What the console shows for each thing the app posts: Calls in, transcript and surfaces out.
No server: the calls are built as the local Slack records them."""

from __future__ import annotations

import io
from typing import Any

from bot.console.screen import Origin, Screen
from bot.localslack.server import RESPONSE_URL, Call

NAMES = {"U0POLLY": "polly", "U0BASIL": "basil"}
SECTION = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Logged* 1:30"}}]
BUTTON = [{"type": "actions", "elements": [
    {"type": "button", "text": {"type": "plain_text", "text": "Undo"}, "action_id": "undo"}]}]


def call(method: str, args: dict[str, Any], response: Any = None, status: int = 200) -> Call:
    return Call(method, args, {}, b"", status, {"ok": True} if response is None else response, 0.0)


def screen() -> tuple[Screen, io.StringIO]:
    out = io.StringIO()
    return Screen(out, NAMES, lambda: "U0POLLY"), out


def test_a_channel_message_a_dm_and_an_edit() -> None:
    seen, out = screen()
    seen.heard(call("chat.postMessage", {}, {"ok": True, "channel": "C0GENERAL", "ts": "1.1",
                                             "message": {"text": "hi", "blocks": BUTTON}}))
    seen.heard(call("chat.postMessage", {}, {"ok": True, "channel": "D0BASIL", "ts": "1.2",
                                             "message": {"text": "Logged", "blocks": SECTION}}))
    seen.heard(call("chat.update", {}, {"ok": True, "channel": "C9", "ts": "1.1",
                                        "message": {"text": "changed <@U0POLLY>"}}))
    assert out.getvalue().splitlines() == [
        "── #general", "[1 Undo]",
        "── DM with @basil", "*Logged* 1:30",
        "── #C9 (edited)", "changed @polly",
    ]
    message = seen.last_with_controls("U0BASIL")  # a channel message is everyone's
    assert message is not None and (message.channel, message.ts) == ("C0GENERAL", "1.1")
    assert message.message == {"text": "hi", "blocks": BUTTON, "ts": "1.1"}


def test_ephemerals_are_only_for_their_person() -> None:
    seen, out = screen()
    seen.heard(call("chat.postEphemeral", {"channel": "C0GENERAL", "user": "U0BASIL",
                                           "blocks": BUTTON}, {"ok": True, "message_ts": "2.1"}))
    assert out.getvalue().splitlines() == ["── only @basil sees this, in #general", "[1 Undo]"]
    assert seen.last_with_controls("U0POLLY") is None
    assert seen.last_with_controls("U0BASIL") is not None


def test_response_url_posts_ephemeral_in_channel_replacing_and_deleting() -> None:
    seen, out = screen()
    seen.origins["k1"] = Origin("U0POLLY", "C0GENERAL")
    seen.heard(call(RESPONSE_URL, {"key": "k1", "blocks": BUTTON}, "ok"))
    first = seen.last_with_controls("U0POLLY")
    assert first is not None and first.kind == "ephemeral"
    seen.origins["k2"] = Origin("U0POLLY", "C0GENERAL", replaces=first)
    seen.heard(call(RESPONSE_URL, {"key": "k2", "replace_original": True, "text": "Done"}, "ok"))
    assert seen.last_with_controls("U0POLLY") is None  # the buttons went with the message
    seen.origins["k3"] = Origin("U0POLLY", "C0GENERAL")
    seen.heard(call(RESPONSE_URL, {"key": "k3", "response_type": "in_channel", "text": "All"}, "ok"))
    seen.heard(call(RESPONSE_URL, {"key": "k3", "delete_original": True}, "ok"))
    assert out.getvalue().splitlines() == [
        "── only @polly sees this, in #general", "[1 Undo]",
        "── only @polly sees this, in #general (replaces the message above)", "Done",
        "── #general", "All",
        "── the message was deleted",
    ]


def test_modals_open_for_whoever_had_the_trigger_and_update_in_place() -> None:
    seen, out = screen()
    seen.triggers["t1"] = "U0BASIL"
    modal = {"id": "V1", "type": "modal", "title": {"type": "plain_text", "text": "Edit"},
             "blocks": []}
    seen.heard(call("views.open", {"trigger_id": "t1"}, {"ok": True, "view": modal}))
    seen.heard(call("views.update", {"view_id": "V1"},
                    {"ok": True, "view": {**modal, "title": {"type": "plain_text", "text": "Saved"}}}))
    assert seen.modals == {"U0BASIL": ["V1"]}
    assert out.getvalue().splitlines() == [
        "── modal for @basil", "┌─ Edit", "└─ [Close: :close]",
        "── modal updated for @basil", "┌─ Saved", "└─ [Close: :close]",
    ]


def test_the_app_home_is_shown_in_full_only_to_someone_looking_at_it() -> None:
    seen, out = screen()
    home = {"id": "V2", "type": "home", "blocks": SECTION}
    seen.heard(call("views.publish", {"user_id": "U0POLLY"}, {"ok": True, "view": home}))
    seen.on_home.add("U0POLLY")
    seen.heard(call("views.publish", {"user_id": "U0POLLY"}, {"ok": True, "view": home}))
    assert out.getvalue().splitlines() == [
        "── @polly's App Home was updated (:home shows it)",
        "── @polly's App Home", "┌─ App Home", "*Logged* 1:30", "└─",
    ]
    assert seen.homes_published == {"U0POLLY"}


def test_failures_deletions_files_and_quiet_calls() -> None:
    seen, out = screen()
    seen.heard(call("chat.postMessage", {}, {"ok": False, "error": "invalid_blocks"}))
    seen.heard(call(RESPONSE_URL, {"key": "x"}, "invalid_blocks", status=400))
    seen.heard(call("chat.delete", {}, {"ok": True, "channel": "C0GENERAL", "ts": "1.1"}))
    seen.heard(call("files.completeUploadExternal", {"channel_id": "C0GENERAL",
                                                     "initial_comment": "This week"},
                    {"ok": True, "files": [{"id": "F1", "title": "week.csv"}]}))
    seen.heard(call("users.info", {"user": "U0POLLY"}))
    assert out.getvalue().splitlines() == [
        "!! the app's chat.postMessage failed: invalid_blocks",
        "!! the app's response_url failed: invalid_blocks",
        "── a message was deleted in #general",
        "── file “week.csv” shared in #general", "This week",
    ]
    assert seen.count == 4
