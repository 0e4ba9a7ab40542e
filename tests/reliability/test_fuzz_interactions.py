"""Property-based fuzzing of interactive requests over real HTTP against the running app.

Polly (a regular user) sends, signed as Slack would, what the app's own buttons and modals could
carry at worst: another person's entry id, ids that do not exist, oversize notes, someone to act
for, modal fields full of junk. Each is answered as Slack expects (200, field errors in the
acknowledgement), Polly is told what went wrong in plain words, the app logs no error, and
nobody's time entries change.

Then what Slack never sends: ``payload=`` that is not JSON or not an object, bodies of any bytes,
interaction types and action or callback ids no listener has, fields of the wrong type. Those get
a 200, a 404 (Bolt's answer when no listener matches) or a 400 (``bot.slack_gate``), never a 500;
whatever Polly is told has no trace in it, though it may be the app's "something went wrong on
my side" (a listener met a shape it does not expect, and says so in the log); nothing changes.
"""

from __future__ import annotations

import json
import time
from itertools import count
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot import blocks, home_blocks, modals
from emulator.runner import RunningEmulator
from tests.e2e.harness import RESPONSE_URL, SIGNING_SECRET, SlackAppHarness, text_of, user_id
from tests.fakes.slack_signing import FORM, JSON
from tests.reliability.checks import Fuzzed, assert_polite, entries, signed_bytes

#: Examples with oversize values have reprs hypothesis warns about; they are meant.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
#: No explain phase: it re-parses the test's source to comment a failing example, and chokes on
#: examples this big.
FUZZ = settings(max_examples=50, deadline=None, database=None, derandomize=True,
                phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: How long to wait for whatever the app says after its acknowledgement.
SETTLE = 0.3
POLLY = user_id("polly")
_keys = count()

ACTION_IDS = [blocks.PICK_WORK, blocks.ENTRY_EDIT, blocks.ENTRY_DELETE, blocks.ENTRY_RESTART,
              blocks.CONNECT_OAUTH, blocks.CONNECT_PASSWORD, blocks.CONNECT_TOKEN,
              blocks.CHOOSE_ACCOUNT, home_blocks.HOME_STOP, f"{home_blocks.HOME_START}:1",
              modals.OPEN_LOG]
CALLBACK_IDS = [modals.LOG_VIEW, blocks.EDIT_VIEW, blocks.TOKEN_VIEW, blocks.ACCOUNT_VIEW]
OVERSIZE = st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=5),
                     st.integers(1000, 20000))
TEXT = st.one_of(st.text(max_size=30), OVERSIZE)
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
#: Entry ids: an index into the other people's entries (open and approved), or any number.
ENTRY = st.one_of(st.integers(0, 39), st.integers(-2**63, 2**63),
                  st.sampled_from([0, -1, 2**31, 10**30]))
FOR_USER = st.one_of(st.none(), st.sampled_from(["U0SYBIL", "U0BASIL", "U0POLLY", "U0NOBODY", ""]),
                     st.text(max_size=10))
HOURS_TYPED = st.one_of(TEXT, st.sampled_from(["1:00", "2h", "0", "-1", "1e9", "25:00", "∞",
                                               "nan", "1,5", "١٢"]))


@pytest.fixture(scope="module")
def others_ids(shared_emulator: RunningEmulator) -> list[int]:
    """Entry ids of people other than Polly, approved ones first."""
    uid = shared_emulator.info.logins["polly"].user_id
    rows = shared_emulator.store.all(
        "SELECT id FROM day_entries WHERE user_id != ? ORDER BY is_closed DESC, id DESC LIMIT 40",
        uid)
    return [row["id"] for row in rows]


def _entry_id(drawn: int, others_ids: list[int]) -> int:
    """An index drawn picks one of the other people's entries; any other number is itself.
    (Drawn up front: hypothesis blames draws made while the app runs for the app's own use of
    ``random``.)"""
    return others_ids[drawn] if 0 <= drawn < len(others_ids) else drawn


def _send(bot: SlackAppHarness, body: bytes | str, content_type: str = FORM) -> int:
    raw = body.encode() if isinstance(body, str) else body
    started = time.monotonic()
    status = bot.send(signed_bytes(raw, content_type, SIGNING_SECRET)).status_code
    assert time.monotonic() - started < 3, "Slack would have given up waiting for the ack"
    return status


def _interact(bot: SlackAppHarness, payload: dict[str, Any]) -> int:
    return _send(bot, urlencode({"payload": json.dumps(payload)}))


def _told_polly(bot: SlackAppHarness, since: int, *, answered: bool) -> list[Any]:
    """Everything the app said to Polly since call number ``since`` of Slack's record (a call
    Slack paced with a 429 is left out: the app sends it again). ``answered``: the app owes an
    answer, so wait for it rather than for :data:`SETTLE`."""

    def said() -> list[Any]:
        return [call for call in bot.slack.calls[since:]
                if call.method in (RESPONSE_URL, "views.open")
                or (call.method in ("chat.postMessage", "chat.postEphemeral") and call.ok
                    and POLLY in (call.args.get("channel"), call.args.get("user")))]

    deadline = time.monotonic() + (10 if answered else SETTLE)
    while not said() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert said() or not answered, "the app owed Polly an answer and gave none"
    time.sleep(0.05)  # anything said after the first thing
    return [call for call in said() if call.method != "views.open"]


def _check(fuzzed: Fuzzed, status: int, before: list[dict[str, Any]], since: int, typed: str,
           *, statuses: tuple[int, ...] = (200,), unexpected_ok: bool = False,
           answered: bool = False, done: bool = False) -> None:
    """The status is one of ``statuses``; what Polly was told is polite; no error was logged;
    Harvest is as it was. After a 400 or 404 nothing can follow (no listener ran), nor after
    field errors in the acknowledgement (``done``), so there is nothing to wait for."""
    assert status in statuses
    if status == 200 and not done:
        for said in _told_polly(fuzzed.bot, since, answered=answered):
            assert_polite(said, typed, unexpected_ok=unexpected_ok)
    assert fuzzed.errors.take(unexpected_ok=unexpected_ok) == []
    assert entries(fuzzed.emulator) == before


# -- what the app's own buttons and modals could carry -----------------------------------------
# (An entry's buttons carry its id, hours and first 1,500 characters of notes, and for whom.)

@FUZZ
@given(entry=ENTRY, hours=st.one_of(st.floats(0, 1000), st.integers(0, 1000)),
       notes=st.one_of(st.text(max_size=30), st.text(min_size=1400, max_size=1500)),
       for_user=FOR_USER,
       action_id=st.sampled_from([blocks.ENTRY_EDIT, blocks.ENTRY_DELETE, blocks.ENTRY_RESTART]))
def test_another_persons_entry_on_a_button_is_never_touched(
        fuzzed: Fuzzed, others_ids: list[int], entry: int, hours: float, notes: str,
        for_user: str | None, action_id: str) -> None:
    value: dict[str, Any] = {"id": _entry_id(entry, others_ids), "h": hours, "n": notes}
    if for_user is not None:
        value["for"] = for_user
    typed = json.dumps(value)
    bot = fuzzed.bot
    payload = bot.signer.block_action(
        POLLY, action_id, value=typed, response_url=bot.slack.response_url(f"b{next(_keys)}"),
        container={"type": "message", "channel_id": "C0GENERAL"})
    before, since = entries(fuzzed.emulator), len(bot.slack.calls)
    _check(fuzzed, _interact(bot, payload), before, since, typed, answered=True)
    # The edit modal opened (if one did) and submitted as it is still changes nobody's entry.
    for call in bot.slack.calls[since:]:
        if call.method == "views.open" and call.ok:
            submitted = bot.signer.view_submission(POLLY, call.response["view"], {
                "hours": {"value": {"type": "plain_text_input", "value": "7:00"}},
                "notes": {"value": {"type": "plain_text_input", "value": "not yours"}}})
            since = len(bot.slack.calls)
            _check(fuzzed, _interact(bot, submitted), before, since, typed, answered=True)


@FUZZ
@given(entry=ENTRY, hours=HOURS_TYPED, notes=TEXT, for_user=FOR_USER,
       channel=st.one_of(st.sampled_from(["", "C0GENERAL", "D0POLLY"]), st.text(max_size=12)))
def test_an_edit_submission_for_another_persons_entry_changes_nothing(
        fuzzed: Fuzzed, others_ids: list[int], entry: int, hours: str, notes: str,
        for_user: str | None, channel: str) -> None:
    metadata = json.dumps({"id": _entry_id(entry, others_ids), "for": for_user, "ch": channel})
    view = {"id": f"V0EDIT{next(_keys)}", "callback_id": blocks.EDIT_VIEW, "type": "modal",
            "private_metadata": metadata}
    values = {"hours": {"value": {"type": "plain_text_input", "value": hours}},
              "notes": {"value": {"type": "plain_text_input", "value": notes}}}
    bot = fuzzed.bot
    before, since = entries(fuzzed.emulator), len(bot.slack.calls)
    answer = bot.send(bot.signer.interaction(bot.signer.view_submission(POLLY, view, values)))
    if answer.content:
        for message in answer.json()["errors"].values():
            assert_polite({"text": message}, hours)
    # Without field errors the entry is looked up in Harvest, which refuses: Polly is told.
    _check(fuzzed, answer.status_code, before, since, metadata + hours + notes,
           answered=not answer.content, done=bool(answer.content))


@FUZZ
@given(project=TEXT, task=TEXT, hours=HOURS_TYPED, notes=TEXT,
       day=st.one_of(st.none(), st.dates().map(str), st.text(max_size=12)),
       metadata=st.one_of(st.just(""), st.just("{}"), st.text(max_size=30)))
def test_a_log_time_submission_with_junk_changes_nothing(
        fuzzed: Fuzzed, project: str, task: str, hours: str, day: str | None, notes: str,
        metadata: str) -> None:
    view = {"id": f"V0LOG{next(_keys)}", "callback_id": modals.LOG_VIEW, "type": "modal",
            "private_metadata": metadata}
    values = {
        modals.PROJECT_BLOCK: {modals.PROJECT: {"type": "external_select",
                                                "selected_option": {"value": project}}},
        modals.TASK_BLOCK: {modals.TASK: {"type": "external_select",
                                          "selected_option": {"value": task}}},
        modals.HOURS_BLOCK: {modals.VALUE: {"type": "plain_text_input", "value": hours}},
        modals.DATE_BLOCK: {modals.VALUE: {"type": "datepicker", "selected_date": day}},
        modals.NOTES_BLOCK: {modals.VALUE: {"type": "plain_text_input", "value": notes}},
    }
    bot = fuzzed.bot
    before, since = entries(fuzzed.emulator), len(bot.slack.calls)
    answer = bot.send(bot.signer.interaction(bot.signer.view_submission(POLLY, view, values)))
    assert answer.content, "a junk project can only be a field error"
    ack = answer.json()
    assert ack["response_action"] == "errors"
    for message in ack["errors"].values():
        assert_polite({"text": message}, hours + project + task)
    _check(fuzzed, answer.status_code, before, since, hours + project + task + notes, done=True)


# -- what Slack never sends ---------------------------------------------------------------------

@FUZZ
@given(payload=st.one_of(st.text(max_size=60), st.builds(json.dumps, JUNK),
                         st.builds(lambda s: "{" + s, st.text(max_size=30))))
def test_a_payload_that_is_no_json_object_gets_no_500(fuzzed: Fuzzed, payload: str) -> None:
    before, since = entries(fuzzed.emulator), len(fuzzed.bot.slack.calls)
    status = _send(fuzzed.bot, urlencode({"payload": payload}))
    _check(fuzzed, status, before, since, payload, statuses=(200, 400, 404))


@FUZZ
@given(body=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)),
       content_type=st.sampled_from([FORM, JSON, "text/plain", "multipart/form-data", ""]))
def test_any_body_gets_no_500(fuzzed: Fuzzed, body: bytes, content_type: str) -> None:
    before, since = entries(fuzzed.emulator), len(fuzzed.bot.slack.calls)
    status = _send(fuzzed.bot, body, content_type)
    _check(fuzzed, status, before, since, "", statuses=(200, 400, 404))


@FUZZ
@given(kind=st.sampled_from(["block_actions", "view_submission", "view_closed", "shortcut",
                             "message_action", "block_suggestion", "interactive_message",
                             "dialog_submission", "workflow_step_edit", "unknown", ""]),
       action_id=st.one_of(st.sampled_from(ACTION_IDS), st.text(max_size=20)),
       callback_id=st.one_of(st.sampled_from(CALLBACK_IDS), st.text(max_size=20)),
       value=JUNK,
       extra=st.dictionaries(st.sampled_from(["block_id", "selected_option", "message",
                                              "container", "channel", "state", "trigger_id",
                                              "view"]), JUNK, max_size=3))
def test_unknown_and_malformed_interactions_change_nothing(
        fuzzed: Fuzzed, kind: str, action_id: str, callback_id: str, value: Any,
        extra: dict[str, Any]) -> None:
    bot = fuzzed.bot
    payload: dict[str, Any] = {
        **bot.signer.block_action(POLLY, action_id,
                                  response_url=bot.slack.response_url(f"x{next(_keys)}")),
        "type": kind, "callback_id": callback_id, **extra,
    }
    payload["actions"][0]["value"] = value
    if "view" in extra:
        payload["view"] = {"callback_id": callback_id, "id": "V0FUZZ",
                           "private_metadata": extra["view"], "state": {"values": {}}}
    before, since = entries(fuzzed.emulator), len(bot.slack.calls)
    _check(fuzzed, _interact(bot, payload), before, since, json.dumps(payload),
           statuses=(200, 400, 404), unexpected_ok=True)


# -- what these found ---------------------------------------------------------------------------

@pytest.mark.parametrize("refusal", ["channel_not_found", "not_in_channel", "is_archived"])
def test_an_edit_confirmed_where_the_bot_cannot_post_is_confirmed_by_dm(
        bot: SlackAppHarness, emulator: RunningEmulator, refusal: str) -> None:
    """``/harvest today`` works in any channel (its answer goes to the response_url), but the
    edit modal's confirmation is an ephemeral message in that channel, which Slack refuses where
    the bot is not a member. The edit has landed by then: Polly must hear so, not that
    "nothing was changed"."""
    bot.link("polly")
    bot.ask("polly", "log 1h mobile / research -- edit me")
    today = bot.ask("polly", "today")
    value = next(e["value"] for b in today.args["blocks"] if b.get("type") == "actions"
                 for e in b["elements"] if e.get("action_id") == blocks.ENTRY_EDIT)
    bot.click("polly", blocks.ENTRY_EDIT, value=value)
    view = bot.slack.wait_for("views.open").response["view"]
    bot.slack.error_next("chat.postEphemeral", refusal)
    bot.interact(bot.signer.view_submission(POLLY, view, {
        "hours": {"value": {"type": "plain_text_input", "value": "2:30"}},
        "notes": {"value": {"type": "plain_text_input", "value": "edited"}}}))
    told = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == POLLY)
    assert "Updated" in assert_polite(told) and "2:30" in text_of(told)
    entry_id = json.loads(value)["id"]
    assert emulator.store.one("SELECT hours FROM day_entries WHERE id = ?", entry_id)["hours"] == 2.5
