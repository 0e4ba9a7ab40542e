"""The values of a view's inputs as Slack sends them: pure, no I/O.

Slack reports an input's value in ``view.state.values[block_id][action_id]`` with a shape that
depends on the element (``value`` for text, ``selected_option`` for a select, ``selected_date``
for a date picker...). The console keeps what the person typed or picked per field and builds
that state here, and the ``block_actions`` action for an element used outside a form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.localslack.render import Control, Option, text_of


class FormError(ValueError):
    """A value does not fit the modal; the message says what would."""


_TEXT_KEYS = {
    "plain_text_input": "value",
    "number_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "rich_text_input": "value",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
}
_MULTI_TEXT_KEYS = {
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}
_ONE_OPTION = {"static_select", "external_select", "radio_buttons", "overflow"}
_MANY_OPTIONS = {"multi_static_select", "multi_external_select", "checkboxes"}
SUGGESTED = {"external_select", "multi_external_select"}


def takes_options(control: Control) -> bool:
    """Whether the element's value is chosen among options (rather than typed)."""
    return control.type in _ONE_OPTION or control.type in _MANY_OPTIONS


def find_field(fields: Sequence[Control], name: str) -> Control:
    """The input named ``name``: its block_id or label, exactly or by an unambiguous prefix
    (case-insensitive).

    :raises FormError: no field, or several, go by that name; the message lists the names.
    """
    wanted = name.strip().casefold()
    names = ", ".join(f.field or "" for f in fields) or "none"
    for test in (
        lambda f: wanted in ((f.field or "").casefold(), f.label.casefold()),
        lambda f: (f.field or "").casefold().startswith(wanted)
        or f.label.casefold().startswith(wanted),
    ):
        found = [f for f in fields if test(f)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise FormError(f"{name!r} could be several fields: {names}.")
    raise FormError(f"The modal has no field {name!r}; its fields are: {names}.")


def typed_value(control: Control, text: str) -> dict[str, Any]:
    """The state of an element whose value is typed (text, date, time, a user or channel id).

    :raises FormError: the element takes options, not text.
    """
    if control.type in _TEXT_KEYS:
        return {"type": control.type, _TEXT_KEYS[control.type]: text or None}
    if control.type in _MULTI_TEXT_KEYS:
        items = [item.strip() for item in text.split(",") if item.strip()]
        return {"type": control.type, _MULTI_TEXT_KEYS[control.type]: items}
    if control.type == "datetimepicker":
        return {"type": control.type, "selected_date_time": int(text) if text.isdigit() else None}
    raise FormError(f"{control.label or control.field} is chosen from options, not typed.")


def chosen_value(control: Control, options: Sequence[Option]) -> dict[str, Any]:
    """The state of a select, radio group or checkboxes with ``options`` chosen."""
    raws = [dict(o.raw) or {"text": {"type": "plain_text", "text": o.label}, "value": o.value}
            for o in options]
    if control.type in _MANY_OPTIONS:
        return {"type": control.type, "selected_options": raws}
    return {"type": control.type, "selected_option": raws[0] if raws else None}


def initial_value(control: Control) -> dict[str, Any]:
    """The state of an element nobody touched: its initial value, else empty."""
    element = control.element
    if takes_options(control):
        chosen = element.get("initial_options") or (
            [element["initial_option"]] if element.get("initial_option") else []
        )
        options = [Option(text_of(o.get("text")), str(o.get("value", "")), o) for o in chosen]
        return chosen_value(control, options)
    for key in ("initial_value", "initial_date", "initial_time", "initial_user",
                "initial_conversation", "initial_channel"):
        if key in element:
            return typed_value(control, str(element[key] or ""))
    if "initial_date_time" in element:
        return typed_value(control, str(element["initial_date_time"]))
    for key in ("initial_users", "initial_conversations", "initial_channels"):
        if key in element:
            return typed_value(control, ",".join(element[key]))
    try:
        return typed_value(control, "")
    except FormError:
        return {"type": control.type}


def is_empty(state: Mapping[str, Any]) -> bool:
    values = [v for k, v in state.items() if k != "type"]
    return not values or all(v in (None, "", []) for v in values)


def view_state(fields: Sequence[Control], chosen: Mapping[str, Mapping[str, Any]], *,
               submitting: bool = True) -> dict[str, Any]:
    """``view.state`` for ``fields``: what was ``chosen`` (by field name), else initial values.

    :raises FormError: ``submitting`` and a required field is empty (Slack would not let the
        person submit; an action inside the modal sends the state as it is).
    """
    values: dict[str, dict[str, Any]] = {}
    for control in fields:
        name = control.field or control.block_id
        state = dict(chosen[name]) if name in chosen else initial_value(control)
        if submitting and not control.optional and is_empty(state):
            raise FormError(f"{control.label or name} is required: :submit {name}=…")
        values.setdefault(control.block_id, {})[control.action_id] = state
    return {"values": values}


def action_of(control: Control, state: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``actions[0]`` of ``block_actions`` when ``control`` is used: a button pressed, or
    an element whose value is now ``state``."""
    action: dict[str, Any] = {"type": control.type, "action_id": control.action_id,
                              "block_id": control.block_id}
    if control.type == "button":
        action["text"] = {"type": "plain_text", "text": control.label, "emoji": True}
        if control.value is not None:
            action["value"] = control.value
    if state is not None:
        action.update({k: v for k, v in state.items() if k != "type"})
    return action


def suggested_options(answer: Any) -> tuple[Option, ...]:
    """The options an app answered a ``block_suggestion`` with (groups flattened)."""
    if not isinstance(answer, Mapping):
        return ()
    raws = [o for o in answer.get("options") or [] if isinstance(o, Mapping)]
    for group in answer.get("option_groups") or []:
        if isinstance(group, Mapping):
            raws += [o for o in group.get("options") or [] if isinstance(o, Mapping)]
    return tuple(Option(text_of(o.get("text")), str(o.get("value", "")), o) for o in raws)
