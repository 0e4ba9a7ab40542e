"""A modal's state as Slack reports it, built from what the person typed: pure tests."""

import pytest

from bot.console.forms import (
    FormError,
    action_of,
    chosen_value,
    find_field,
    initial_value,
    suggested_options,
    typed_value,
    view_state,
)
from bot.localslack.render import Control, render_blocks, render_view


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def option(text: str, value: str) -> dict:
    return {"text": plain(text), "value": value}


def field(block_id: str, label: str, element: dict, **block: object) -> dict:
    return {"type": "input", "block_id": block_id, "label": plain(label),
            "element": {"action_id": "value", **element}, **block}


MODAL = {"type": "modal", "title": plain("Log time"), "submit": plain("Log"), "blocks": [
    field("project", "Project", {"type": "external_select"}),
    field("task", "Task", {"type": "static_select",
                           "options": [option("Design", "1"), option("Development", "2")],
                           "initial_option": option("Design", "1")}),
    field("hours", "Hours", {"type": "plain_text_input"}),
    field("day", "Date", {"type": "datepicker", "initial_date": "2026-11-20"}),
    field("notes", "Notes", {"type": "plain_text_input", "initial_value": "mockups"},
          optional=True),
    field("tags", "Tags", {"type": "checkboxes", "options": [option("Billable", "b")]},
          optional=True),
    field("who", "Colleagues", {"type": "multi_users_select"}, optional=True),
]}
FIELDS = render_view(MODAL).fields


def named(name: str) -> Control:
    return find_field(FIELDS, name)


def test_fields_are_found_by_block_id_or_label_or_a_prefix_of_either() -> None:
    assert named("hours").field == "hours"
    assert named("HOURS").field == "hours"
    assert named("Date").field == "day"
    assert named("proj").field == "project"
    assert named("coll").field == "who"


def test_an_unknown_or_ambiguous_field_lists_the_fields() -> None:
    names = "project, task, hours, day, notes, tags, who"
    with pytest.raises(FormError, match=f"no field 'minutes'; its fields are: {names}"):
        named("minutes")
    with pytest.raises(FormError, match="could be several"):
        named("t")  # task, tags


def test_typed_values_take_each_element_shape() -> None:
    assert typed_value(named("hours"), "1:30") == {"type": "plain_text_input", "value": "1:30"}
    assert typed_value(named("hours"), "") == {"type": "plain_text_input", "value": None}
    assert typed_value(named("day"), "2026-11-21") == {"type": "datepicker",
                                                       "selected_date": "2026-11-21"}
    assert typed_value(named("who"), "U1, U2") == {"type": "multi_users_select",
                                                   "selected_users": ["U1", "U2"]}
    with pytest.raises(FormError, match="chosen from options"):
        typed_value(named("task"), "Design")


def test_chosen_values_echo_the_option_as_the_app_defined_it() -> None:
    task = named("task")
    chosen = task.option("dev")
    assert chosen is not None
    assert chosen_value(task, [chosen]) == {"type": "static_select",
                                            "selected_option": option("Development", "2")}
    tags = named("tags")
    assert chosen_value(tags, list(tags.options)) == {"type": "checkboxes",
                                                      "selected_options": [option("Billable", "b")]}


def test_untouched_fields_have_their_initial_values() -> None:
    assert initial_value(named("task"))["selected_option"] == option("Design", "1")
    assert initial_value(named("day")) == {"type": "datepicker", "selected_date": "2026-11-20"}
    assert initial_value(named("notes")) == {"type": "plain_text_input", "value": "mockups"}
    assert initial_value(named("project")) == {"type": "external_select", "selected_option": None}
    assert initial_value(named("tags")) == {"type": "checkboxes", "selected_options": []}


def test_the_view_state_is_keyed_by_block_and_action_ids() -> None:
    project = {"type": "external_select", "selected_option": option("Website Redesign", "7")}
    state = view_state(FIELDS, {"project": project, "hours": typed_value(named("hours"), "2")})
    assert state == {"values": {
        "project": {"value": project},
        "task": {"value": {"type": "static_select", "selected_option": option("Design", "1")}},
        "hours": {"value": {"type": "plain_text_input", "value": "2"}},
        "day": {"value": {"type": "datepicker", "selected_date": "2026-11-20"}},
        "notes": {"value": {"type": "plain_text_input", "value": "mockups"}},
        "tags": {"value": {"type": "checkboxes", "selected_options": []}},
        "who": {"value": {"type": "multi_users_select", "selected_users": []}},
    }}


def test_a_required_field_left_empty_cannot_be_submitted_but_can_be_sent_with_an_action() -> None:
    with pytest.raises(FormError, match=r"Project is required: :submit project=…"):
        view_state(FIELDS, {"hours": typed_value(named("hours"), "2")})
    state = view_state(FIELDS, {}, submitting=False)
    assert state["values"]["hours"] == {"value": {"type": "plain_text_input", "value": None}}


def test_the_action_of_a_button_and_of_a_select() -> None:
    rendered = render_blocks([{"type": "actions", "block_id": "entry:7", "elements": [
        {"type": "button", "text": plain("Edit"), "action_id": "entry_edit", "value": "7"},
        {"type": "static_select", "action_id": "pick", "options": [option("A", "a")]},
    ]}])
    edit, pick = rendered.controls
    assert action_of(edit) == {"type": "button", "action_id": "entry_edit", "block_id": "entry:7",
                               "text": {"type": "plain_text", "text": "Edit", "emoji": True},
                               "value": "7"}
    assert action_of(pick, chosen_value(pick, list(pick.options))) == {
        "type": "static_select", "action_id": "pick", "block_id": "entry:7",
        "selected_option": option("A", "a")}


def test_suggested_options_from_an_options_answer() -> None:
    answer = {"option_groups": [{"label": plain("Acme"), "options": [option("Website", "1")]}],
              "options": [option("Internal", "2")]}
    assert [(o.label, o.value) for o in suggested_options(answer)] == [("Internal", "2"),
                                                                      ("Website", "1")]
    assert suggested_options("not json") == ()
    assert suggested_options({}) == ()
