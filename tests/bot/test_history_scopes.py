"""The manifest asks for what the posters' check of a post in doubt reads (``bot.slack_history``):
the history of public and private channels, and not people's DMs."""

from bot.config import load_settings, manifest_for_slack


def test_the_manifest_asks_to_read_channel_histories_but_not_dms() -> None:
    settings = load_settings(env={})
    scopes = set(settings.bot_scopes)
    assert {"channels:history", "groups:history"} <= scopes
    assert not {"im:history", "mpim:history"} & scopes
    manifest = manifest_for_slack(settings, socket_mode=True)
    assert {"channels:history", "groups:history"} <= set(
        manifest["oauth_config"]["scopes"]["bot"])
