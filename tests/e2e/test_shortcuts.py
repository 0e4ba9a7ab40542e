""""Log time" over real HTTP: the global and message shortcuts open the modal, its selects
autocomplete from the local catalog (never from Harvest), a bad submission gets field errors
and changes nothing, a good one lands in Harvest and is confirmed."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import modals
from bot.log_form import PICK_PROJECT, PROJECT_CLOSED
from emulator.runner import RunningEmulator
from tests.e2e.harness import PEOPLE, TEAM, SlackAppHarness, text_of, user_id
from tests.e2e.test_core import entries_of


def local_today(who: str) -> date:
    return datetime.now(ZoneInfo(PEOPLE[who][1])).date()


def opened_modal(bot: SlackAppHarness, payload: dict[str, Any]) -> dict[str, Any]:
    """Send a shortcut; the modal Slack opened for it (as views.open answered, with its id)."""
    bot.slack.clear()
    bot.interact(payload)
    call = bot.slack.wait_for("views.open", lambda c: c.args["trigger_id"] == payload["trigger_id"])
    return call.response["view"]


def log_time(bot: SlackAppHarness, who: str) -> dict[str, Any]:
    return opened_modal(bot, bot.signer.shortcut(user_id(who), modals.LOG_SHORTCUT))


def suggest(bot: SlackAppHarness, who: str, action_id: str, typed: str,
            view: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """What the select offers while ``who`` types ``typed`` (``view``: the modal and its state)."""
    payload = bot.signer.block_suggestion(user_id(who), action_id, typed, block_id=action_id)
    if view is not None:
        payload["view"] = view
    options: list[dict[str, Any]] = bot.interact(payload).json()["options"]
    return options


def labels(options: list[dict[str, Any]]) -> list[str]:
    return [o["text"]["text"] for o in options]


def catalog_ready(bot: SlackAppHarness, who: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Type nothing in the project select until the modal's refresh has landed."""
    deadline = time.monotonic() + timeout
    while True:
        options = suggest(bot, who, modals.PROJECT, "")
        if labels(options) != [modals.NOT_LOADED_OPTION]:
            return options
        assert time.monotonic() < deadline, "the projects never arrived"
        time.sleep(0.05)


def selected(value: str, text: str = "") -> dict[str, Any]:
    return {"type": "external_select",
            "selected_option": {"text": {"type": "plain_text", "text": text or value},
                                "value": value}}


def values(*, project: str | None, task: str | None, hours: str, day: date | None,
           notes: str = "") -> dict[str, Any]:
    """The modal's ``state.values`` as Slack sends them on submission."""
    return {
        modals.PROJECT_BLOCK: {modals.PROJECT: selected(project) if project else
                               {"type": "external_select", "selected_option": None}},
        modals.TASK_BLOCK: {modals.TASK: selected(task) if task else
                            {"type": "external_select", "selected_option": None}},
        modals.HOURS_BLOCK: {modals.VALUE: {"type": "plain_text_input", "value": hours}},
        modals.DATE_BLOCK: {modals.VALUE: {"type": "datepicker",
                                           "selected_date": day.isoformat() if day else None}},
        modals.NOTES_BLOCK: {modals.VALUE: {"type": "plain_text_input", "value": notes or None}},
    }


def submit(bot: SlackAppHarness, who: str, view: dict[str, Any], state: dict[str, Any]) -> Any:
    """Submit the modal; Slack's answer to the submission (None when it simply closes)."""
    answer = bot.interact(bot.signer.view_submission(user_id(who), view, state))
    return answer.json() if answer.content else None


def ids(emulator: RunningEmulator, project: str, task: str) -> tuple[str, str]:
    project_id = emulator.info.ids[f"project:{project}"]
    return str(project_id), f"{project_id}:{emulator.info.ids[f'task:{task}']}"


def input_element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    element: dict[str, Any] = next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]
    return element


def test_global_shortcut_opens_the_modal(bot: SlackAppHarness) -> None:
    bot.link("polly")
    view = log_time(bot, "polly")
    assert view["callback_id"] == modals.LOG_VIEW and view["title"]["text"] == "Log time"
    assert input_element(view, modals.PROJECT_BLOCK)["type"] == "external_select"
    assert input_element(view, modals.TASK_BLOCK)["type"] == "external_select"
    assert input_element(view, modals.DATE_BLOCK)["initial_date"] == local_today("polly").isoformat()
    assert "initial_value" not in input_element(view, modals.NOTES_BLOCK)


def test_options_come_from_the_catalog_never_from_harvest(
    bot: SlackAppHarness, emulator: RunningEmulator
) -> None:
    bot.link("polly")
    view = log_time(bot, "polly")
    everything = labels(catalog_ready(bot, "polly"))
    assert "Website Redesign (Acme Corp)" in everything
    assert "Legacy Portal (Globex)" not in everything  # archived: Harvest doesn't offer it
    # From here on Harvest fails every call: the options must not notice.
    rule = emulator.faults.add("*", status=500, times=1000)
    assert labels(suggest(bot, "polly", modals.PROJECT, "web"))[0] == "Website Redesign (Acme Corp)"
    assert labels(suggest(bot, "polly", modals.PROJECT, "torquay")) == ["Gourmet Night (City of Torquay)"]
    assert suggest(bot, "polly", modals.PROJECT, "nothing like it") == []
    project, _ = ids(emulator, "Mobile App", "Design")
    picked = {**view, "state": {"values": values(project=project, task=None, hours="", day=None)}}
    tasks = suggest(bot, "polly", modals.TASK, "", view=picked)
    assert labels(tasks) == ["Design", "Development", "Research"]
    assert all(o["value"].startswith(f"{project}:") for o in tasks)
    assert labels(suggest(bot, "polly", modals.TASK, "dev", view=picked)) == ["Development"]
    # No project chosen yet: tasks of every project, each saying whose it is.
    assert "Put butter on trays · Gourmet Night" in labels(suggest(bot, "polly", modals.TASK, "butter"))
    assert [r for r in emulator.faults.rules() if r["id"] == rule.id][0]["times"] == 1000
    emulator.faults.clear()


def test_options_before_the_catalog_is_filled_say_so(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    emulator.faults.add("*", status=503)  # the modal's refresh cannot reach Harvest
    view = log_time(bot, "polly")
    updated = bot.slack.wait_for("views.update", lambda c: c.args["view_id"] == view["id"])
    assert modals.HARVEST_AWAY_NOTICE in text_of({"blocks": updated.args["view"]["blocks"]})
    assert labels(suggest(bot, "polly", modals.PROJECT, "web")) == [modals.NOT_LOADED_OPTION]
    assert labels(suggest(bot, "polly", modals.TASK, "")) == [modals.NOT_LOADED_OPTION]


def test_bad_submission_gets_field_errors_and_changes_nothing(
    bot: SlackAppHarness, emulator: RunningEmulator
) -> None:
    bot.link("polly")
    view = log_time(bot, "polly")
    catalog_ready(bot, "polly")
    before = entries_of(emulator, "polly")
    project, task = ids(emulator, "Mobile App", "Design")
    answer = submit(bot, "polly", view, values(project=project, task=task, hours="lots",
                                               day=local_today("polly")))
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [modals.HOURS_BLOCK]
    assert "couldn't read “lots” as a duration" in answer["errors"][modals.HOURS_BLOCK]
    answer = submit(bot, "polly", view, values(project=None, task=None, hours="25h", day=None))
    assert answer["errors"][modals.PROJECT_BLOCK] == PICK_PROJECT
    assert set(answer["errors"]) == {modals.PROJECT_BLOCK, modals.TASK_BLOCK, modals.HOURS_BLOCK,
                                     modals.DATE_BLOCK}
    _, other_task = ids(emulator, "Gourmet Night", "Meetings")
    answer = submit(bot, "polly", view, values(project=project, task=other_task, hours="1h",
                                               day=local_today("polly")))
    assert "That task is on another project: pick one of Mobile App's tasks." == \
        answer["errors"][modals.TASK_BLOCK]
    time.sleep(0.3)
    assert entries_of(emulator, "polly") == before
    assert not bot.slack.calls_to("chat.postMessage")


def test_good_submission_logs_in_harvest_and_confirms_by_dm(
    bot: SlackAppHarness, emulator: RunningEmulator
) -> None:
    bot.link("polly")
    view = log_time(bot, "polly")
    catalog_ready(bot, "polly")
    project, task = ids(emulator, "Gourmet Night", "Put butter on trays")
    yesterday = local_today("polly") - timedelta(days=1)
    answer = submit(bot, "polly", view, values(project=project, task=task, hours="1h30",
                                               day=yesterday, notes="Trays for the Major"))
    assert answer is None  # the modal closes
    dm = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == user_id("polly"))
    assert ("Logged *1:30* on *Gourmet Night (City of Torquay) / Put butter on trays*, "
            f"{yesterday:%a %b} {yesterday.day} — Trays for the Major") in text_of(dm)
    row = entries_of(emulator, "polly")[-1]
    assert (row["project_id"], row["task_id"]) == tuple(int(i) for i in task.split(":"))
    assert (row["hours"], row["spent_at"], row["notes"]) == (1.5, yesterday.isoformat(),
                                                            "Trays for the Major")


def test_message_shortcut_prefills_notes_and_confirms_in_the_conversation(
    bot: SlackAppHarness, emulator: RunningEmulator
) -> None:
    bot.link("polly")
    said = "Went through the Gourmet Night menu with Kurt"
    view = opened_modal(bot, bot.signer.message_shortcut(
        user_id("polly"), modals.LOG_MESSAGE_SHORTCUT, text=said,
        response_url=bot.slack.response_url("from-message")))
    assert input_element(view, modals.NOTES_BLOCK)["initial_value"] == said
    catalog_ready(bot, "polly")
    project, task = ids(emulator, "Gourmet Night", "Meetings")
    submit(bot, "polly", view, values(project=project, task=task, hours="45m",
                                      day=local_today("polly"), notes=said))
    reply = bot.reply("from-message")
    assert reply.args["response_type"] == "ephemeral"
    assert "Logged *0:45* on *Gourmet Night (City of Torquay) / Meetings*" in text_of(reply)
    row = entries_of(emulator, "polly")[-1]
    assert (row["hours"], row["notes"]) == (0.75, said)


def test_not_linked_gets_how_to_connect_in_the_modal(bot: SlackAppHarness) -> None:
    view = log_time(bot, "polly")
    updated = bot.slack.wait_for("views.update", lambda c: c.args["view_id"] == view["id"])
    shown = updated.args["view"]
    assert modals.NOT_LINKED_TEXT in text_of({"blocks": shown["blocks"]})
    assert "submit" not in shown
    assert shown["blocks"][1]["elements"][0]["url"].startswith(bot.authorize_url + "?")


def test_archived_project_is_explained(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    view = log_time(bot, "polly")
    catalog_ready(bot, "polly")
    project, task = ids(emulator, "Gourmet Night", "Meetings")
    emulator.store.execute("UPDATE projects SET active = 0 WHERE id = ?", int(project))
    before = entries_of(emulator, "polly")
    # The modal was opened before the archiving: Harvest refuses, the person reads why.
    assert submit(bot, "polly", view, values(project=project, task=task, hours="1h",
                                             day=local_today("polly"))) is None
    dm = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == user_id("polly"))
    assert "Harvest refused that: Project 'Gourmet Night' is archived" in text_of(dm)
    # Opened again, the modal knows: the project is gone from the options, and a stale choice
    # gets a field error before anything is sent.
    view = log_time(bot, "polly")
    deadline = time.monotonic() + 10
    while suggest(bot, "polly", modals.PROJECT, "gourmet"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    answer = submit(bot, "polly", view, values(project=project, task=task, hours="1h",
                                               day=local_today("polly")))
    assert answer["errors"] == {modals.PROJECT_BLOCK: PROJECT_CLOSED}
    assert entries_of(emulator, "polly") == before


def test_log_time_button_on_home_opens_the_modal(bot: SlackAppHarness) -> None:
    bot.link("polly")
    payload = bot.signer.block_action(user_id("polly"), modals.OPEN_LOG, value="home",
                                      container={"type": "view", "view_id": "V0HOME"})
    view = opened_modal(bot, payload)
    assert view["callback_id"] == modals.LOG_VIEW


def test_submission_while_harvest_is_down_is_kept_and_lands_later(
    bot: SlackAppHarness, emulator: RunningEmulator
) -> None:
    bot.link("polly")
    view = log_time(bot, "polly")
    catalog_ready(bot, "polly")
    project, task = ids(emulator, "Data Migration", "Research")
    rule = emulator.faults.add("*", status=503)
    submit(bot, "polly", view, values(project=project, task=task, hours="2h",
                                      day=local_today("polly"), notes="while Harvest naps"))
    kept = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == user_id("polly"))
    assert "Harvest isn't answering right now, so I've kept" in text_of(kept)
    assert not [r for r in entries_of(emulator, "polly") if r["notes"] == "while Harvest naps"]
    emulator.faults.remove(rule.id)
    bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == user_id("polly")
                       and "is in your timesheet now" in text_of(c), timeout=10)
    landed = [r for r in entries_of(emulator, "polly") if r["notes"] == "while Harvest naps"]
    assert len(landed) == 1 and landed[0]["hours"] == 2.0


def test_without_a_slack_time_zone_today_is_the_linked_accounts(
        emulator: RunningEmulator, tmp_path: Path, wire: str) -> None:
    # 23:30 UTC on Monday 30 March 2026 is already Tuesday in London (BST), Polly's Harvest zone.
    clock = lambda: datetime(2026, 3, 30, 23, 30, tzinfo=UTC)  # noqa: E731
    with SlackAppHarness(emulator, tmp_path, clock=clock, wire=wire) as bot:
        bot.slack.add_user(user_id("polly"), name="polly", email="polly@fawltytowers.example",
                           tz="")  # Slack knows no zone for her
        if wire == "v2":
            bot.services.accounts.link_pat(TEAM, user_id("polly"), emulator.info.pats["polly"],
                                           str(emulator.info.account_id), timezone=None)
        else:
            login = emulator.info.logins["polly"]
            bot.services.accounts.link_basic(TEAM, user_id("polly"), emulator.base_url,
                                             login.email, login.password, timezone=None)
        linked = bot.services.accounts.get(TEAM, user_id("polly"))
        assert linked is not None and linked.timezone == "Europe/London"
        view = log_time(bot, "polly")
        assert input_element(view, modals.DATE_BLOCK)["initial_date"] == "2026-03-31"
