"""What a digest message and its chart look like: pure renderers over a known report."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time

from bot.blocks import SECTION_CHARS
from bot.digest_blocks import (
    digest_message,
    personal_message,
    show_message,
    subscribed_message,
    watch_message,
)
from bot.digest_chart import chart_png
from bot.digest_periods import Period
from bot.digest_report import DigestData, PersonInfo, compute
from bot.digests import PersonalReport
from bot.harvest.models import Entry
from storage.digests import DigestSubscription, PersonalDigest
from tests.bot.test_digest_report import DAN, DATA, FRI, THU, entry

SUB = DigestSubscription("T1", "C1", "daily", "U0OWNER", time(9), (0, 1, 2, 3, 4),
                         "Europe/London", {"kind": "clients", "ids": [5], "names": ["Acme"]},
                         by_task=True, mention_missing=True, id=7)


def text(message: dict[str, object]) -> str:
    return json.dumps(message, ensure_ascii=False)


def test_the_digest_shows_every_part() -> None:
    report = compute(DATA, Period(FRI, FRI), Period(THU, THU), by_task=True)
    message = digest_message(SUB, report, mentions={DAN: "<@U0DAN>"})
    shown = text(message)
    assert message["text"] == "Daily digest — Friday 27 March 2026: 9.41 h logged"
    for part in ("*9.41 h* logged · 8.33 h billable · 1.08 h non-billable",
                 "+3.16 h against 6.25 h on Thursday 26 March 2026 (+51%)",
                 "Ben — *4.11 h*", "App (Acme) — *5.53 h*", "App (Acme) / Development — *4.52 h*",
                 "*Expenses:* 12.80 (3 expenses)", "Cat — App (Acme) / Development (1.42 h)",
                 "*No time logged:* <@U0DAN>", "Covering clients Acme"):
        assert part in shown, part


def test_an_empty_day_is_one_line() -> None:
    report = compute(DATA, Period(date(2026, 3, 28), date(2026, 3, 28)))
    message = digest_message(SUB, report)
    assert message["text"] == (":zzz: No time or expenses were logged for clients Acme "
                               "(Saturday 28 March 2026).")
    assert len(message["blocks"]) == 2  # type: ignore[arg-type]


def test_what_the_owner_sees_is_said_and_long_lists_are_cut() -> None:
    many = tuple(entry(n, n, 10, 100, 1.0) for n in range(1, 41))
    people = {n: PersonInfo(n, f"Person number {n:02d}") for n in range(1, 41)}
    report = compute(DigestData(many, people=people, visibility="projects"), Period(FRI, FRI))
    message = digest_message(replace(SUB, by_task=False), report)
    shown = text(message)
    assert "…and 25 more — 25.00 h" in shown
    assert "Shown as <@U0OWNER> sees it in Harvest: the projects they manage." in shown
    for block in message["blocks"]:  # type: ignore[attr-defined]
        assert len(block.get("text", {}).get("text", "")) <= SECTION_CHARS


def test_the_chart_is_a_png() -> None:
    report = compute(DATA, Period(FRI, FRI))
    png = chart_png(report, "Hours")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_setting_up_and_show() -> None:
    when = datetime(2026, 3, 30, 8, tzinfo=UTC)
    said = text(subscribed_message(SUB, when))
    assert "Daily digest set up here: weekdays at 09:00 Europe/London, covering clients Acme" in said
    assert "Next: Mon 30 Mar 09:00" in said and "hours per task" in said
    me = PersonalDigest("T1", "U1", time(18), tuple(range(7)), "Europe/Madrid")
    shown = text(show_message([SUB], {7: when}, me, when))
    assert "*Daily digest*: weekdays at 09:00 Europe/London" in shown
    assert "*Your DM*: every day at 18:00 Europe/Madrid. Next: Mon 30 Mar 10:00" in shown
    assert "no digest" in text(show_message([], {}, None, None))


def _entry(hours: float, running: bool = False) -> Entry:
    return replace(entry(1, 1, 10, 100, hours, running=running), project_name="Website",
                   task_name="Design", notes="wireframes")


def test_personal_dm_nudges_and_warns() -> None:
    at = datetime(2026, 3, 27, 19, tzinfo=UTC)
    nothing = personal_message(PersonalReport(FRI, (), 0, (), at))
    assert "You haven't logged any time on Friday 27 March yet" in text(nothing)
    running = _entry(10.5, running=True)
    day = PersonalReport(FRI, (_entry(1.25), running), 1175, (running,), at)
    shown = text(personal_message(day))
    assert "*Your day — Friday 27 March*: *11.75 h*" in shown
    assert "*1.25 h* Website / Design — wireframes" in shown
    assert "A timer is still running: *Website / Design* for 10:30 so far" in shown
    assert watch_message(replace(day, long_running=())) is None
    assert "still running" in text(watch_message(day) or {})
