"""The manifest asks for what the checks of a post in doubt read (``bot.slack_history``): the
history of public and private channels (digests, Co-op statuses) and of the app's own DM with
a person (the outbox's "Harvest is back" notices, ``bot.runtime``); never group DMs."""

from bot.config import load_settings, manifest_for_slack


def test_the_manifest_asks_to_read_the_histories_a_post_in_doubt_is_looked_up_in() -> None:
    settings = load_settings(env={})
    scopes = set(settings.bot_scopes)
    assert {"channels:history", "groups:history", "im:history"} <= scopes
    assert "mpim:history" not in scopes
    manifest = manifest_for_slack(settings, socket_mode=True)
    assert {"channels:history", "groups:history", "im:history"} <= set(
        manifest["oauth_config"]["scopes"]["bot"])
