"""OAuth 2 for server-side apps, as Harvest v1 offered it: authorize, then exchange a code.

1. ``GET /oauth2/authorize?client_id=…&redirect_uri=…&state=…&response_type=code`` shows a
   sign-in page; ``POST /oauth2/authorize`` with the person's email and password redirects to
   ``redirect_uri?code=…&state=…``.
2. ``POST /oauth2/token`` exchanges the code (``grant_type=authorization_code``) or a refresh
   token (``grant_type=refresh_token``) for ``{"access_token", "refresh_token", "token_type":
   "bearer", "expires_in": 64800}``: v1 access tokens lasted 18 hours.

Assumptions where Harvest's v1 pages are silent (RFC 6749 fills the gaps):

- Signing in on the page is the grant: the emulator has no separate "Authorize app" step.
- ``redirect_uri`` must start with the registered one; when given to ``authorize`` the token
  request must repeat it exactly (RFC 6749 §4.1.3). Codes are single-use and last 10 minutes.
- Clients authenticate with ``client_id``/``client_secret`` in the body or HTTP Basic (§2.3.1;
  requests-oauthlib sends Basic by default).
- Refreshing rotates: the refresh token used is revoked and a new pair issued; the old access
  token keeps working until it expires. Refresh tokens do not expire.
- The token endpoint always answers JSON, whatever ``Accept`` says, with RFC 6749 error codes.
"""

from __future__ import annotations

from emulator import sign_in
from emulator.context import Ctx, Reply, Routes

routes = Routes()

ACCESS_TOKEN_SECONDS = 18 * 3600  # "tokens expire after 18 hours" (v1 server-side apps)

V1 = sign_in.Wire(
    access_seconds=ACCESS_TOKEN_SECONDS, codes="oauth_codes", tokens="oauth_tokens",
    form_action="/oauth2/authorize", title="Sign in",
    invitation="would like to access your Harvest account. Sign in to allow it.",
    checks_redirect=True, challenge='Basic realm="Harvest"')


@routes("/oauth2/authorize", "GET", public=True, throttled=False)
def authorize_page(ctx: Ctx) -> Reply:
    return sign_in.authorize_page(ctx, V1)


@routes("/oauth2/authorize", "POST", public=True, throttled=False)
def authorize_sign_in(ctx: Ctx) -> Reply:
    return sign_in.sign_in(ctx, V1)


@routes("/oauth2/token", "POST", public=True, throttled=False)
def token(ctx: Ctx) -> Reply:
    return sign_in.token(ctx, V1)
