"""Who sent a request, read from each shape of body Slack sends (``handlers.where``)."""

from handlers.where import Where, action_key, sender, who


def test_a_slash_command_names_everything_at_the_top() -> None:
    body = {"team_id": "T1", "user_id": "U1", "channel_id": "C1", "text": "today"}
    assert sender(body) == Where("T1", "U1", "C1")


def test_a_button_in_a_message_takes_the_channel_from_its_container() -> None:
    body = {"team": {"id": "T1"}, "user": {"id": "U1", "team_id": "T1"},
            "container": {"type": "message", "channel_id": "C2"},
            "actions": [{"action_id": "entry_delete", "action_ts": "17.5"}]}
    assert sender(body) == Where("T1", "U1", "C2")
    assert action_key(body) == "U1:17.5:entry_delete"


def test_without_team_the_users_team_counts_and_a_modal_has_no_channel() -> None:
    body = {"team": None, "user": {"id": "U1", "team_id": "T9"}, "view": {"id": "V1"}}
    assert sender(body) == Where("T9", "U1", "")
    assert who(body) == ("T9", "U1")


def test_a_named_channel_wins_over_the_container() -> None:
    body = {"team": {"id": "T1"}, "user": {"id": "U1"}, "channel": {"id": "C3"},
            "container": {"channel_id": "C2"}}
    assert sender(body).channel_id == "C3"
