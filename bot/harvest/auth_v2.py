"""Harvest v2 credentials: a personal access token, bound to the account it was made for.

OAuth 2 tokens from Harvest ID are ``auth.OAuthTokens`` (refreshed at Harvest ID's token
endpoint, see ``identity_v2``). A personal access token is a bearer token that cannot be
refreshed; it reaches every account of its person, so it travels with the one account id the
bot was linked to (sent as ``Harvest-Account-Id``). Its repr never shows the token.
"""

from __future__ import annotations

from bot.harvest.auth import OAuthTokens

_HIDDEN = "***"


class PersonalToken(OAuthTokens):
    """A Harvest ID personal access token and the account id to use it with."""

    def __init__(self, token: str, account_id: int | str) -> None:
        if not token or not str(account_id).strip():
            raise ValueError("a personal access token needs both the token and an account id")
        super().__init__(token)
        self.account_id = str(account_id).strip()

    def can_refresh(self) -> bool:
        # Nothing to refresh with: a refused token means the person must make a new one.
        return False

    def __repr__(self) -> str:
        return f"PersonalToken(token={_HIDDEN}, account_id={self.account_id!r})"

    __str__ = __repr__
