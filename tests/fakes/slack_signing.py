"""Signed Slack requests and their forgeries come from :mod:`bot.localslack.signing`."""

from bot.localslack.signing import FORM, JSON, STALE_AFTER, SignedRequest, SlackSigner

__all__ = ["FORM", "JSON", "STALE_AFTER", "SignedRequest", "SlackSigner"]
