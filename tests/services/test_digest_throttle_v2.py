"""A digest on a v2 account that needs more calls than Harvest allows never shows anyone a 429.

The emulator's v2 budget is cut to 8 calls per 2 seconds (real clock), far below what the
digest needs, so Harvest answers 429 + Retry-After many times; the client's pacer waits each
out and the digest still comes back whole, with the totals Harvest holds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from bot.accounts import HarvestClients
from bot.config import load_settings
from bot.digests import Digests
from bot.parsing.digest_words import WORK_DAYS, DigestSubscribe, ScopeWords
from bot.services import build_services
from emulator.runner import running_emulator
from tests.services.conftest import TEAM, settings_for


def test_a_v2_digest_over_a_tight_budget_waits_out_every_429(tmp_path: Path) -> None:
    with running_emulator("demo") as emulator:
        assert emulator.emulator.v2_throttle is not None
        emulator.emulator.v2_throttle.configure(limit=8, window=2)
        _, env = settings_for(emulator, tmp_path)
        env.update(HARVEST_WIRE="v2", HARVEST_API_V2_URL=emulator.v2_url,
                   HARVEST_ID_URL=emulator.id_url)
        # The production retry policy: throttled calls are waited out, as in the running bot.
        clients = HarvestClients(emulator.coop_url, utcnow=emulator.clock.now)
        built = build_services(load_settings(env=env), env=env, clients=clients)
        try:
            built.accounts.link_pat(TEAM, "U0SYBIL", emulator.info.pats["sybil"],
                                    str(emulator.info.account_id), timezone="Europe/London")
            now = datetime.now(UTC)
            digests = Digests(built.db, built.accounts, clock=lambda: now,
                              grace=timedelta(hours=1))
            every_project = ScopeWords("projects", tuple(
                name.split(":", 1)[1] for name in emulator.info.ids if name.startswith("project:")
                and name != "project:Legacy Portal"))  # archived
            sub = digests.subscribe(TEAM, "C1", "U0SYBIL", DigestSubscribe(
                "daily", now.time(), WORK_DAYS, "Europe/London", every_project, by_task=True))
            report = digests.report(sub, now)
        finally:
            built.close()
            clients.close()
        refused = emulator.emulator.v2_throttle.refused
        rows = emulator.store.all(
            "SELECT hours FROM day_entries WHERE spent_at BETWEEN ? AND ?",
            report.period.start.isoformat(), report.period.end.isoformat())
    expected = sum(int((Decimal(str(r["hours"])) * 100).quantize(Decimal(1), ROUND_HALF_UP))
                   for r in rows)
    assert refused > 0, "the budget was never exceeded: the test proves nothing"
    assert report.total == expected and expected > 0
