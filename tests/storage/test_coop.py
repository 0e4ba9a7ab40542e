"""Co-op links, default groups, cursors and the sent-log, on a real SQLite file."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import sqlite_utils

from storage.coop_cursors import CoopCursors, SentStatus, StatusMark
from storage.coop_links import CoopDefaults, CoopLink, CoopLinks, DefaultGroup
from storage.db import MIGRATIONS, open_db
from tests.storage.conftest import NOW

TEAM = "T0DEMO"
MARK = StatusMark(NOW, "Note", 247)


def _link(channel: str = "C0TEAM", group: int = 25, user: str = "U0BASIL",
          since: StatusMark | None = MARK) -> CoopLink:
    return CoopLink(TEAM, channel, group, "Fawlty Towers", user, NOW, "London", since)


def test_migrations_are_appended_after_the_initial_schema(db: sqlite_utils.Database) -> None:
    names = [m.name for m in MIGRATIONS]
    assert names[:3] == ["0001_initial_schema", "0002_coop_links", "0003_coop_cursors"]
    assert {"coop_links", "coop_defaults", "coop_cursors", "coop_sent"} <= set(db.table_names())


def test_a_channel_shows_one_group_and_relinking_replaces_it(db: sqlite_utils.Database) -> None:
    links = CoopLinks(db)
    assert links.link(_link()) is None
    assert links.get(TEAM, "C0TEAM") == _link()
    other = replace(_link(), group_id=34, group_name="Argentina", since=None)
    assert links.link(other) == _link()
    assert links.get(TEAM, "C0TEAM") == other
    assert links.get(TEAM, "C0ELSE") is None
    assert links.get("T0OTHER", "C0TEAM") is None


def test_links_by_group_person_and_the_groups_to_poll(db: sqlite_utils.Database) -> None:
    links = CoopLinks(db)
    links.link(_link("C0B"))
    links.link(replace(_link("C0A"), linked_at=NOW + timedelta(minutes=1), user_id="U0SYBIL"))
    links.link(_link("C0C", group=34))
    assert [link.channel_id for link in links.for_group(TEAM, 25)] == ["C0B", "C0A"]
    assert [link.channel_id for link in links.by_person(TEAM, "U0SYBIL")] == ["C0A"]
    assert links.groups() == [(TEAM, 25), (TEAM, 34)]

    links.rename_group(TEAM, 25, "Fawlty Towers & Co")
    assert {link.group_name for link in links.for_group(TEAM, 25)} == {"Fawlty Towers & Co"}
    assert links.get(TEAM, "C0C").group_name == "Fawlty Towers"  # type: ignore[union-attr]

    assert [link.channel_id for link in links.unlink_group(TEAM, 25)] == ["C0B", "C0A"]
    assert links.groups() == [(TEAM, 34)]
    assert links.unlink(TEAM, "C0C") == _link("C0C", group=34)
    assert links.unlink(TEAM, "C0C") is None
    links.link(_link())
    assert links.clear_team(TEAM) == 1


def test_default_groups(db: sqlite_utils.Database) -> None:
    defaults = CoopDefaults(db)
    assert defaults.get(TEAM, "U0POLLY") is None
    defaults.set(DefaultGroup(TEAM, "U0POLLY", 25, "Fawlty Towers"))
    defaults.set(DefaultGroup(TEAM, "U0POLLY", 34, "Argentina"))
    assert defaults.get(TEAM, "U0POLLY") == DefaultGroup(TEAM, "U0POLLY", 34, "Argentina")
    defaults.rename_group(TEAM, 34, "Buenos Aires")
    assert defaults.get(TEAM, "U0POLLY").group_name == "Buenos Aires"  # type: ignore[union-attr]
    assert defaults.clear_group(TEAM, 34) == 1
    assert defaults.clear(TEAM, "U0POLLY") is False


def test_cursor_and_sent_log(db: sqlite_utils.Database) -> None:
    cursors = CoopCursors(db)
    assert cursors.get(TEAM, 25) is None
    cursors.put(TEAM, 25, MARK, at=NOW)
    later = StatusMark(NOW + timedelta(seconds=5), "DayEntry", 1373078)
    cursors.put(TEAM, 25, later, at=NOW)
    assert cursors.get(TEAM, 25) == later

    sent = SentStatus(TEAM, "C0TEAM", 25, later, "1700000001.000002", NOW)
    assert cursors.record_sent(sent) is True
    assert cursors.record_sent(replace(sent, message_ts="again")) is False
    cursors.record_sent(replace(sent, mark=MARK))
    cursors.record_sent(replace(sent, channel_id="C0ELSE"))
    assert cursors.sent(TEAM, "C0TEAM", 25) == {("DayEntry", 1373078), ("Note", 247)}
    assert cursors.sent(TEAM, "C0TEAM", 25, since=later.created_at) == {("DayEntry", 1373078)}

    assert cursors.prune(TEAM, 25, before=later.created_at) == 1
    assert cursors.sent(TEAM, "C0TEAM", 25) == {("DayEntry", 1373078)}
    cursors.forget_channel(TEAM, "C0ELSE")
    assert cursors.sent(TEAM, "C0ELSE", 25) == set()
    cursors.forget_group(TEAM, 25)
    assert cursors.get(TEAM, 25) is None and cursors.sent(TEAM, "C0TEAM", 25) == set()


def test_what_is_written_survives_reopening(db_path: Path, db: sqlite_utils.Database) -> None:
    CoopCursors(db).put(TEAM, 25, MARK, at=NOW)
    CoopLinks(db).link(_link())
    CoopCursors(db).record_sent(SentStatus(TEAM, "C0TEAM", 25, MARK, "1.2", NOW))
    again = open_db(db_path)
    assert CoopCursors(again).get(TEAM, 25) == MARK
    assert CoopLinks(again).get(TEAM, "C0TEAM") == _link()
    assert CoopCursors(again).sent(TEAM, "C0TEAM", 25) == {("Note", 247)}
    again.conn.close()


def test_an_attempt_lasts_until_its_answer_or_the_channel_goes(db: sqlite_utils.Database) -> None:
    cursors = CoopCursors(db)
    assert "coop_attempts" in db.table_names()
    assert cursors.attempt(TEAM, "C0TEAM", 25, MARK) is None
    cursors.begin(TEAM, "C0TEAM", 25, MARK, NOW)
    attempt = cursors.attempt(TEAM, "C0TEAM", 25, MARK)
    assert attempt is not None and (attempt.attempted_at, attempt.checked_at) == (NOW, None)
    cursors.checked(attempt, NOW + timedelta(minutes=5))
    again = cursors.attempt(TEAM, "C0TEAM", 25, MARK)
    assert again is not None and again.checked_at == NOW + timedelta(minutes=5)
    # Slack's answer: recorded as sent, the attempt is over.
    cursors.record_sent(SentStatus(TEAM, "C0TEAM", 25, MARK, "1.000001", NOW))
    assert cursors.attempt(TEAM, "C0TEAM", 25, MARK) is None
    # Refused: ended; a channel unlinked or a group forgotten takes its attempts along.
    cursors.begin(TEAM, "C0TEAM", 25, MARK, NOW)
    cursors.end(TEAM, "C0TEAM", 25, MARK)
    assert cursors.attempt(TEAM, "C0TEAM", 25, MARK) is None
    cursors.begin(TEAM, "C0TEAM", 25, MARK, NOW)
    cursors.forget_channel(TEAM, "C0TEAM")
    assert cursors.attempt(TEAM, "C0TEAM", 25, MARK) is None
    cursors.begin(TEAM, "C0TEAM", 25, MARK, NOW)
    cursors.forget_group(TEAM, 25)
    assert cursors.attempt(TEAM, "C0TEAM", 25, MARK) is None
