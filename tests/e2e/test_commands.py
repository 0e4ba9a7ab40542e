"""Every /harvest sub-command over real HTTP: what the person sees and what Harvest holds."""

from __future__ import annotations

import json

from emulator.runner import RunningEmulator
from tests.e2e.harness import SlackAppHarness, buttons, text_of, user_id
from tests.e2e.test_core import entries_of


def test_help_bare_and_unknown_make_no_harvest_call(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    before = emulator.store.scalar("SELECT COUNT(*) FROM day_entries")
    assert "/harvest start" in text_of(bot.ask("polly", ""))
    assert "/harvest log <duration>" in text_of(bot.ask("polly", "help log"))
    assert "Did you mean `start`?" in text_of(bot.ask("polly", "strat acme"))
    assert "How long?" in text_of(bot.ask("polly", "log"))
    assert emulator.store.scalar("SELECT COUNT(*) FROM day_entries") == before


def test_not_linked_is_offered_connect(bot: SlackAppHarness) -> None:
    reply = bot.ask("polly", "today")
    assert "You haven't connected Harvest yet" in text_of(reply)
    assert buttons(reply, "connect_password")


def test_resume_note_week_day_projects(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    assert "Resumed" in text_of(bot.ask("polly", "resume"))
    assert entries_of(emulator, "polly")[-1]["timer_started_at"]
    assert "Notes updated" in text_of(bot.ask("polly", "note calling the client"))
    assert entries_of(emulator, "polly")[-1]["notes"] == "calling the client"
    week = bot.ask("polly", "week")
    assert "Week of" in text_of(week) and "calling the client" in text_of(week)
    day = bot.ask("polly", "day yesterday")
    assert "total" in text_of(day)
    projects = text_of(bot.ask("polly", "projects acme"))
    assert "Website Redesign" in projects and "Gourmet Night" not in projects


def test_ambiguous_start_offers_a_picker_then_starts(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    before = len(entries_of(emulator, "polly"))
    reply = bot.ask("polly", "start mobile -- sketching")
    assert "Which task on Mobile App?" in text_of(reply)
    assert len(entries_of(emulator, "polly")) == before
    select = buttons(reply, "pick_work")[0]
    block_id = next(b["block_id"] for b in reply.args["blocks"] if b.get("type") == "actions")
    design = next(o["value"] for o in select["options"] if o["text"]["text"].endswith("/ Design"))
    picked = bot.reply(bot.click("polly", "pick_work", block_id=block_id, selected=design))
    assert "Timer started on *Mobile App (Acme Corp) / Design* — sketching" in text_of(picked)
    assert picked.args.get("replace_original") is True
    row = entries_of(emulator, "polly")[-1]
    assert row["notes"] == "sketching" and row["timer_started_at"]


def test_log_picker_keeps_hours_and_day(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    reply = bot.ask("polly", "log 45m nothing-like-it on yesterday")
    assert "couldn't find a project" in text_of(reply)
    block_id = next(b["block_id"] for b in reply.args["blocks"] if b.get("type") == "actions")
    value = buttons(reply, "pick_work")[0]["options"][0]["value"]
    picked = bot.reply(bot.click("polly", "pick_work", block_id=block_id, selected=value))
    assert "Logged *0:45*" in text_of(picked)
    row = entries_of(emulator, "polly")[-1]
    assert row["hours"] == 0.75 and row["spent_at"] == json.loads(block_id)["d"]


def test_entry_buttons_and_the_edit_modal(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    bot.ask("polly", "log 1h mobile / research -- reading")
    today = bot.ask("polly", "today")
    edit = buttons(today, "entry_edit")[0]
    entry_id = json.loads(edit["value"])["id"]
    bot.click("polly", "entry_edit", value=edit["value"])
    opened = bot.slack.wait_for("views.open")
    view = opened.response["view"]
    bad = bot.interact(bot.signer.view_submission(user_id("polly"), view, {
        "hours": {"value": {"type": "plain_text_input", "value": "lots"}},
        "notes": {"value": {"type": "plain_text_input", "value": "x"}}}))
    assert bad.json()["response_action"] == "errors" and "hours" in bad.json()["errors"]
    bot.interact(bot.signer.view_submission(user_id("polly"), view, {
        "hours": {"value": {"type": "plain_text_input", "value": "2:15"}},
        "notes": {"value": {"type": "plain_text_input", "value": "reading papers"}}}))
    shown = bot.slack.wait_for("chat.postEphemeral", lambda c: "Updated" in text_of(c))
    assert "2:15" in text_of(shown)
    row = emulator.store.one("SELECT * FROM day_entries WHERE id = ?", entry_id)
    assert row["hours"] == 2.25 and row["notes"] == "reading papers"

    restarted = bot.reply(bot.click("polly", "entry_restart", value=edit["value"]))
    assert "Restarted" in text_of(restarted)
    assert emulator.store.one("SELECT * FROM day_entries WHERE id = ?", entry_id)["timer_started_at"]
    deleted = bot.reply(bot.click("polly", "entry_delete", value=edit["value"]))
    assert "Deleted" in text_of(deleted)
    assert emulator.store.one("SELECT * FROM day_entries WHERE id = ?", entry_id) is None


def test_locked_entry_is_explained(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("manuel")
    locked = emulator.store.one("SELECT id, hours, notes FROM day_entries WHERE user_id = ? AND is_closed = 1",
                                emulator.info.logins["manuel"].user_id)
    value = json.dumps({"id": locked["id"], "h": locked["hours"], "n": locked["notes"]})
    reply = bot.reply(bot.click("manuel", "entry_delete", value=value))
    assert "approved" in text_of(reply) and "locked" in text_of(reply)
    assert emulator.store.one("SELECT id FROM day_entries WHERE id = ?", locked["id"])


def test_disconnect(bot: SlackAppHarness) -> None:
    bot.link("polly")
    assert "Disconnected" in text_of(bot.ask("polly", "disconnect"))
    assert bot.services.accounts.get("T0DEMO", user_id("polly")) is None
    assert "haven't connected" in text_of(bot.ask("polly", "stop"))


def test_admin_acts_for_someone_and_others_may_not(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("sybil")
    bot.link("polly")
    reply = bot.ask("sybil", f"for <@{user_id('polly')}|polly> log 2h internal / meetings -- board")
    assert "for Polly Sherman" in text_of(reply)
    assert entries_of(emulator, "polly")[-1]["notes"] == "board"
    before = len(entries_of(emulator, "sybil"))
    refused = bot.ask("polly", f"for <@{user_id('sybil')}|sybil> log 1h internal / meetings")
    assert "Only Harvest administrators" in text_of(refused)
    assert len(entries_of(emulator, "sybil")) == before
