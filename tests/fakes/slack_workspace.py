"""The fake Slack's workspace is the local Slack's (:mod:`bot.localslack.workspace`)."""

from bot.localslack.workspace import (
    CHANNEL_BURST,
    MESSAGE_BLOCK_LIMIT,
    METHODS,
    SECTION_TEXT_LIMIT,
    VIEW_BLOCK_LIMIT,
    SlackUser,
)
from bot.localslack.workspace import Workspace as FakeWorkspace

__all__ = [
    "CHANNEL_BURST",
    "MESSAGE_BLOCK_LIMIT",
    "METHODS",
    "SECTION_TEXT_LIMIT",
    "VIEW_BLOCK_LIMIT",
    "FakeWorkspace",
    "SlackUser",
]
