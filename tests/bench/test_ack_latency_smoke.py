"""bench/ack_latency.py runs end to end and produces figures for both apps (not timings)."""

from __future__ import annotations

from bench.ack_latency import BARE, BOT, EMULATOR_ADMIN, Options, measure, report_lines
from emulator.server import ADMIN_PREFIX


def test_the_bench_knows_where_the_emulator_is_administered() -> None:
    assert EMULATOR_ADMIN == ADMIN_PREFIX  # the bench's processes do not import emulator.server


def test_a_short_run_measures_both_apps() -> None:
    report = measure(Options(seconds=1, rate=5, concurrent=3, latency=0.05, drain=10, generators=1))

    by_app = {(phase.app, phase.shape): phase for phase in report.phases}
    assert set(by_app) == {(app, shape) for app in (BOT, BARE) for shape in ("burst", "rate")}
    for phase in report.phases:
        assert len(phase.shots) == (3 if phase.shape == "burst" else 5)
        assert all(shot.status == 200 and shot.done >= shot.sent for shot in phase.shots)
    for shape in ("burst", "rate"):
        bot = by_app[(BOT, shape)]
        assert bot.answers and bot.kinds["timer started"] == len(bot.answers)
        assert bot.calls  # the emulator counted the bot's Harvest calls
        assert not by_app[(BARE, shape)].calls
    text = "\n".join(report_lines(report))
    assert f"| {BOT}" in text and f"| {BARE}" in text
