"""The emulator's own control surface under ``/__emulator__`` (JSON, no auth, never throttled).

Tests and benchmarks in another process switch faults, the throttle, the clock and account
settings here; in-process tests use the same objects directly through :class:`Emulator`.
Nothing here exists in Harvest, so no Harvest client will ever call it by accident.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emulator.clock import iso
from emulator.v2.tokens import new_personal_token

if TYPE_CHECKING:
    from emulator.server import Emulator


def routes(emulator: Emulator) -> list[Route]:
    async def body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw.strip():
            return {}
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return data

    def bad(message: str) -> JSONResponse:
        return JSONResponse({"error": message}, 400)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "now": iso(emulator.clock.now())})

    async def faults(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            emulator.faults.clear()
        elif request.method == "POST":
            try:
                rule = emulator.faults.add(**await body(request))
            except (TypeError, ValueError) as exc:
                return bad(str(exc))
            return JSONResponse({"id": rule.id}, 201)
        return JSONResponse({"rules": emulator.faults.rules()})

    async def fault(request: Request) -> JSONResponse:
        removed = emulator.faults.remove(int(request.path_params["rule_id"]))
        return JSONResponse({"removed": removed}, 200 if removed else 404)

    async def throttle(request: Request) -> JSONResponse:
        """Configure a throttle: ``"bucket"`` names one (v1, v2, v2_reports, coop); without it,
        v1's and (unless ``"coop": false``) Co-op's, as before API v2 existed."""
        buckets = {"v1": emulator.throttle, "coop": emulator.coop_throttle,
                   "v2": emulator.v2_throttle, "v2_reports": emulator.v2_reports_throttle}
        shown = buckets.get(request.query_params.get("bucket", "v1"))
        if shown is None:
            return bad(f"bucket must be one of {sorted(buckets)}")
        if request.method == "POST":
            try:
                data = await body(request)
                bucket = data.pop("bucket", None)
                if bucket is not None:
                    if bucket not in buckets:
                        return bad(f"bucket must be one of {sorted(buckets)}")
                    data.pop("coop", None)
                    targets = [buckets[bucket]]
                    shown = buckets[bucket]
                else:
                    targets = [emulator.throttle]
                    if data.pop("coop", True):
                        targets.append(emulator.coop_throttle)
                for target in targets:
                    assert target is not None
                    target.configure(**data)
            except (TypeError, ValueError) as exc:
                return bad(str(exc))
        assert shown is not None
        status = shown.status()
        return JSONResponse({"limit": shown.limit, "window": shown.window,
                             "enabled": shown.enabled, "count": status.count})

    async def clock(request: Request) -> JSONResponse:
        try:
            data = await body(request)
            if "set" in data:
                emulator.clock.set(datetime.fromisoformat(str(data["set"]).replace("Z", "+00:00")))
            if "advance" in data:
                emulator.clock.advance(float(data["advance"]))
            if data.get("unfreeze"):
                emulator.clock.unfreeze()
        except (TypeError, ValueError) as exc:
            return bad(str(exc))
        return JSONResponse({"now": iso(emulator.clock.now())})

    async def account(request: Request) -> JSONResponse:
        allowed = {"timestamp_timers", "project_limit", "clock", "time_format", "name",
                   "week_start_day", "plan_type"}
        try:
            data = await body(request)
        except ValueError as exc:
            return bad(str(exc))
        unknown = set(data) - allowed
        if unknown:
            return bad(f"unknown account settings: {sorted(unknown)}")
        with emulator.store.tx() as store:
            store.update("account", 1, **data)
        return JSONResponse(emulator.store.account())

    async def entry(request: Request) -> JSONResponse:
        """Lock (approve) or mark billed an entry: Harvest's approval had no API (time-tracking.txt)."""
        try:
            data = await body(request)
        except ValueError as exc:
            return bad(str(exc))
        changes: dict[str, Any] = {k: int(bool(v)) for k, v in data.items()
                                   if k in ("is_closed", "is_billed")}
        entry_id = int(request.path_params["entry_id"])
        with emulator.store.tx() as store:
            store.update("day_entries", entry_id, **changes)
        row = emulator.store.one("SELECT * FROM day_entries WHERE id = ?", entry_id)
        return JSONResponse(row or {"error": "no such entry"}, 200 if row else 404)

    async def oauth_client(request: Request) -> JSONResponse:
        try:
            data = await body(request)
            with emulator.store.tx() as store:
                store.execute(
                    "INSERT OR REPLACE INTO oauth_clients (client_id, client_secret, redirect_uri, name)"
                    " VALUES (?, ?, ?, ?)",
                    str(data["client_id"]), str(data["client_secret"]),
                    str(data["redirect_uri"]), str(data.get("name", data["client_id"])))
        except (KeyError, TypeError, ValueError) as exc:
            return bad(f"client_id, client_secret and redirect_uri are required ({exc})")
        return JSONResponse({"client_id": data["client_id"]}, 201)

    async def personal_token(request: Request) -> JSONResponse:
        """A new API v2 personal access token for the person with this email (Harvest ID's
        Developers page has no API)."""
        try:
            data = await body(request)
            email = str(data["email"]).strip()
        except (KeyError, TypeError, ValueError) as exc:
            return bad(f"email is required ({exc})")
        with emulator.store.tx() as store:
            user = store.one("SELECT id FROM users WHERE email = ?", email)
            if user is None:
                return JSONResponse({"error": f"no user with email {email!r}"}, 404)
            token = new_personal_token(store, user["id"], emulator.clock.now(),
                                       str(data.get("name") or "harvest-bot"))
            account_id = store.account()["harvest_id"]
        return JSONResponse({"token": token, "user_id": user["id"], "account_id": account_id},
                            201)

    return [
        Route("/health", health),
        Route("/personal_tokens", personal_token, methods=["POST"]),
        Route("/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/faults/{rule_id:int}", fault, methods=["DELETE"]),
        Route("/throttle", throttle, methods=["GET", "POST"]),
        Route("/clock", clock, methods=["GET", "POST"]),
        Route("/account", account, methods=["POST"]),
        Route("/entries/{entry_id:int}", entry, methods=["POST"]),
        Route("/oauth_clients", oauth_client, methods=["POST"]),
    ]
