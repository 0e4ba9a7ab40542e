"""``/account``: who am I, and how close to the throttle.

Neither is in the five documents; the shapes follow what the real v1 API answered, as the
third-party clients of the time parsed them (``who_am_i`` JSON ``{"company": …, "user": …}``,
XML ``<hash><company/><user/></hash>``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from emulator.codec import EXTENDED, Obj, Style, T
from emulator.context import Ctx, Reply, Routes
from emulator.timezones import iana_name, utc_offset

routes = Routes()

HASH = Style(dashed=False)


@routes("/account/who_am_i")
def who_am_i(ctx: Ctx) -> Reply:
    account = ctx.store.account()
    me = ctx.me
    managed = bool(me["is_project_manager"])
    company = Obj("company", [
        ("base_uri", f"https://{account['subdomain']}.harvestapp.com"),
        ("full_domain", f"{account['subdomain']}.harvestapp.com"),
        ("name", account["name"]),
        ("active", T(True, "boolean")),
        ("week_start_day", account["week_start_day"]),
        ("time_format", account["time_format"]),
        ("clock", account["clock"]),
        ("decimal_symbol", "."),
        ("color_scheme", "orange"),
        ("plan_type", account["plan_type"]),
        ("modules", Obj("modules", [("expenses", T(True, "boolean")),
                                    ("invoices", T(True, "boolean")),
                                    ("estimates", T(False, "boolean")),
                                    ("approval", T(True, "boolean"))], HASH)),
    ], HASH)
    user = Obj("user", [
        ("id", T(me["id"], "integer")),
        ("email", me["email"]),
        ("admin", T(bool(me["is_admin"]), "boolean")),
        ("first_name", me["first_name"]),
        ("last_name", me["last_name"]),
        ("timezone", me["timezone"]),
        ("timezone_identifier", iana_name(me["timezone"])),
        ("timezone_utc_offset", T(utc_offset(me["timezone"], ctx.now()), "integer")),
        ("avatar_url", f"/assets/profile_images/{me['id']}.png"),
        ("timestamp_timers", T(bool(account["timestamp_timers"]), "boolean")),
        ("project_manager", Obj("project_manager", [
            ("is_project_manager", T(managed, "boolean")),
            ("can_see_rates", T(bool(me["is_admin"]), "boolean")),
            ("can_create_projects", T(bool(me["is_admin"]), "boolean")),
            ("can_create_invoices", T(bool(me["is_admin"]), "boolean")),
        ], HASH)),
    ], HASH)
    return Reply(Obj("hash", [("company", company), ("user", user)], HASH))


@routes("/account/rate_limit_status", throttled=False)
def rate_limit_status(ctx: Ctx) -> Reply:
    """Assumption: this call itself is not counted, so asking never worsens the throttle."""
    assert ctx.emulator.throttle is not None
    status = ctx.emulator.throttle.status()
    last = (datetime.fromtimestamp(status.last_access_at, UTC)
            if status.last_access_at else None)
    return Reply(Obj("hash", [
        ("last_access_at", T(last, "datetime")),
        ("count", T(status.count, "integer")),
        ("timeframe_limit", T(status.timeframe_limit, "integer")),
        ("max_calls", T(status.max_calls, "integer")),
        ("lockout_seconds", T(status.lockout_seconds, "integer")),
    ], EXTENDED))
