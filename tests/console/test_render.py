"""Block Kit rendered as terminal text: pure tests, Block Kit in, lines and controls out."""

from bot.localslack.render import (
    DIVIDER,
    mrkdwn,
    render_blocks,
    render_message,
    render_view,
)


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def md(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def button(text: str, action_id: str, value: str = "", **more: str) -> dict:
    element = {"type": "button", "text": plain(text), "action_id": action_id, **more}
    if value:
        element["value"] = value
    return element


def option(text: str, value: str) -> dict:
    return {"text": plain(text), "value": value}


# -- mrkdwn ----------------------------------------------------------------------------------


def test_mrkdwn_links_mentions_dates_and_escapes_read_as_plain_text() -> None:
    text = (
        "*Timer* for <@U0POLLY> in <#C1|general>, <!here>: see "
        "<https://x.example/e/1|entry 1> or <https://x.example> "
        "<!date^1700000000^{date_short}|Nov 14> &lt;b&gt; &amp; co"
    )
    assert mrkdwn(text, {"U0POLLY": "polly"}) == (
        "*Timer* for @polly in #general, @here: see entry 1 (https://x.example/e/1) or "
        "https://x.example Nov 14 <b> & co"
    )
    assert mrkdwn("<@U9>") == "@U9"  # unknown people keep their id


# -- blocks ----------------------------------------------------------------------------------


def test_sections_fields_headers_dividers_and_context() -> None:
    rendered = render_blocks([
        {"type": "header", "text": plain("Today")},
        {"type": "section", "text": md("*Website Redesign* / Design 1:30\nmockups"),
         "fields": [md("*Hours*\n1:30"), md("*Task*\nDesign")]},
        {"type": "divider"},
        {"type": "context", "elements": [md("Total *1:30*"),
                                         {"type": "image", "image_url": "x", "alt_text": "logo"}]},
        {"type": "image", "image_url": "x", "alt_text": "a chart"},
    ])
    assert rendered.lines == (
        "# Today",
        "*Website Redesign* / Design 1:30",
        "mockups",
        "  *Hours*",
        "  1:30",
        "  *Task*",
        "  Design",
        DIVIDER,
        "  › Total *1:30*  [image: logo]",
        "[image: a chart]",
    )
    assert rendered.controls == ()


def test_buttons_are_numbered_in_order_across_blocks_and_keep_what_pressing_sends() -> None:
    rendered = render_blocks([
        {"type": "section", "text": md("Timer running"),
         "accessory": button("Stop", "timer_stop", "42")},
        {"type": "actions", "block_id": "entry:7", "elements": [
            button("Edit", "entry_edit", '{"id":7}'),
            button("Delete", "entry_delete", '{"id":7}', style="danger"),
            button("Open Harvest", "open", url="https://acme.harvestapp.com"),
        ]},
    ])
    assert rendered.lines == (
        "Timer running  [1 Stop]",
        "[2 Edit]  [3 Delete]  [4 Open Harvest] (https://acme.harvestapp.com)",
    )
    stop, edit = rendered.control(1), rendered.control(2)
    assert stop is not None and edit is not None
    assert (stop.action_id, stop.value, stop.type, stop.dispatches) == ("timer_stop", "42", "button", True)
    assert (edit.action_id, edit.block_id, edit.value) == ("entry_edit", "entry:7", '{"id":7}')
    assert rendered.control(4).url == "https://acme.harvestapp.com"  # type: ignore[union-attr]
    assert rendered.control(5) is None


def test_numbering_can_start_further_on() -> None:
    rendered = render_blocks([{"type": "actions", "elements": [button("Stop", "stop")]}], start=3)
    assert rendered.lines == ("[3 Stop]",) and rendered.control(3) is not None


def test_a_static_select_lists_its_options_which_can_be_picked_by_number_or_label() -> None:
    select = {"type": "static_select", "action_id": "pick_work",
              "placeholder": plain("Project / task"),
              "options": [option("Website Redesign / Design", "1:1"),
                          option("Website Redesign / Development", "1:2"),
                          option("Mobile App / Design", "2:1")]}
    rendered = render_blocks([
        {"type": "section", "text": md("Which one?")},
        {"type": "actions", "block_id": "state", "elements": [select]},
    ])
    assert rendered.lines == (
        "Which one?",
        "[1 Project / task ▾]",
        "      1. Website Redesign / Design",
        "      2. Website Redesign / Development",
        "      3. Mobile App / Design",
    )
    pick = rendered.control(1)
    assert pick is not None and pick.is_select
    assert pick.option("2").value == "1:2"  # type: ignore[union-attr]
    assert pick.option("mobile app / design").value == "2:1"  # type: ignore[union-attr]
    assert pick.option("website redesign / dev").value == "1:2"  # type: ignore[union-attr]
    assert pick.option("Mobile").value == "2:1"  # type: ignore[union-attr]
    assert pick.option("nothing like it") is None
    assert pick.option("4") is None
    assert pick.option("2").raw == option("Website Redesign / Development", "1:2")  # type: ignore[union-attr]


def test_option_groups_overflow_and_a_chosen_initial_option() -> None:
    rendered = render_blocks([{"type": "actions", "elements": [
        {"type": "static_select", "action_id": "s", "placeholder": plain("Pick"),
         "initial_option": option("B", "b"),
         "option_groups": [{"label": plain("One"), "options": [option("A", "a")]},
                           {"label": plain("Two"), "options": [option("B", "b")]}]},
        {"type": "overflow", "action_id": "more", "options": [option("Delete", "del")]},
    ]}])
    assert rendered.lines == ("[1 B ▾]  [2 ⋯]", "      1. A", "      2. B", "      1. Delete")
    assert [o.value for o in rendered.control(1).options] == ["a", "b"]  # type: ignore[union-attr]


def test_an_external_select_says_its_options_come_from_the_app() -> None:
    rendered = render_blocks([{"type": "actions", "elements": [
        {"type": "external_select", "action_id": "project", "placeholder": plain("Project")}]}])
    assert rendered.lines == ("[1 Project ▾]", "      (options come from the app: type part of one)")
    assert rendered.control(1).type == "external_select"  # type: ignore[union-attr]


def test_long_option_lists_are_cut_short() -> None:
    options = [option(f"Project {n}", str(n)) for n in range(1, 41)]
    rendered = render_blocks([{"type": "actions", "elements": [
        {"type": "static_select", "action_id": "p", "options": options}]}])
    assert rendered.lines[-1] == "      … 10 more"
    assert rendered.control(1).option("40").value == "40"  # type: ignore[union-attr]


def test_rich_text_and_unknown_blocks() -> None:
    rendered = render_blocks([
        {"type": "rich_text", "elements": [
            {"type": "rich_text_section", "elements": [
                {"type": "text", "text": "Hi "}, {"type": "user", "user_id": "U1"},
                {"type": "emoji", "name": "wave"}]},
            {"type": "rich_text_list", "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]}]},
        ]},
        {"type": "call", "call_id": "R1"},
    ], users={"U1": "ana"})
    assert rendered.lines == ("Hi @ana:wave:", "• one", "[call block]")


# -- messages --------------------------------------------------------------------------------


def test_a_message_without_blocks_shows_its_text_and_attachments_after_a_bar() -> None:
    rendered = render_message({
        "text": "Logged <https://h.example|1:30>",
        "attachments": [{"title": "Details", "text": "Design"},
                        {"blocks": [{"type": "actions", "elements": [button("Undo", "undo")]}]}],
    })
    assert rendered.lines == ("Logged 1:30 (https://h.example)", "│ *Details*", "│ Design",
                              "│ [1 Undo]")
    assert rendered.control(1).action_id == "undo"  # type: ignore[union-attr]


def test_blocks_win_over_the_text_fallback() -> None:
    rendered = render_message({"text": "fallback", "blocks": [{"type": "section", "text": md("shown")}]})
    assert rendered.lines == ("shown",)


# -- views -----------------------------------------------------------------------------------


MODAL = {
    "type": "modal",
    "callback_id": "log_time",
    "title": plain("Log time"),
    "submit": plain("Log"),
    "close": plain("Cancel"),
    "blocks": [
        {"type": "input", "block_id": "project", "label": plain("Project"),
         "element": {"type": "external_select", "action_id": "value", "placeholder": plain("Type…")}},
        {"type": "input", "block_id": "task", "label": plain("Task"),
         "element": {"type": "static_select", "action_id": "value",
                     "options": [option("Design", "1"), option("Development", "2")]}},
        {"type": "input", "block_id": "hours", "label": plain("Hours"),
         "hint": plain("1:30, 1.5 or 90m"),
         "element": {"type": "plain_text_input", "action_id": "value", "initial_value": "1:00"}},
        {"type": "input", "block_id": "day", "label": plain("Date"), "optional": True,
         "element": {"type": "datepicker", "action_id": "value", "initial_date": "2026-11-20"}},
        {"type": "input", "block_id": "notes", "label": plain("Notes"), "optional": True,
         "dispatch_action": True,
         "element": {"type": "plain_text_input", "action_id": "value", "multiline": True}},
    ],
}


def test_a_modal_shows_its_inputs_named_for_submit_and_its_buttons() -> None:
    rendered = render_view(MODAL)
    assert rendered.lines == (
        "┌─ Log time",
        "[1] Project (project=, pick one):",
        "      (options come from the app: type part of one)",
        "[2] Task (task=, pick one):",
        "      1. Design",
        "      2. Development",
        "[3] Hours (hours=): 1:00",
        "      1:30, 1.5 or 90m",
        "[4] Date (day=, optional, date YYYY-MM-DD): 2026-11-20",
        "[5] Notes (notes=, optional):",
        "└─ [Log: :submit]  [Cancel: :close]",
    )
    assert [c.field for c in rendered.fields] == ["project", "task", "hours", "day", "notes"]
    task, notes = rendered.control(2), rendered.control(5)
    assert task is not None and notes is not None
    assert (task.block_id, task.action_id, task.dispatches, task.optional) == ("task", "value", False, False)
    assert (notes.optional, notes.dispatches) == (True, True)


def test_the_app_home_tab() -> None:
    rendered = render_view({"type": "home", "blocks": [
        {"type": "section", "text": md(":stopwatch: Running: *Website Redesign*"),
         "accessory": button("Stop", "home_stop")}]})
    assert rendered.lines == ("┌─ App Home", ":stopwatch: Running: *Website Redesign*  [1 Stop]", "└─")
    assert rendered.control(1).action_id == "home_stop"  # type: ignore[union-attr]


def test_malformed_parts_are_skipped_not_fatal() -> None:
    rendered = render_message({"blocks": ["junk", {"type": "section"}, {"type": "actions"},
                                         {"type": "input", "element": None}]})
    assert rendered.controls == ()
