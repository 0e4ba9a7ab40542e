"""``harvest-bot demo`` end to end: a scripted console session through the real app over
loopback, signed requests in, the local Slack out, the emulator behind. Each test asserts what
the person reads and what Harvest now holds."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.console.session import ConsoleSession
from bot.demo import Demo, run_demo
from bot.localslack.signing import SlackSigner
from emulator.runner import RunningEmulator
from tests.console.conftest import demo_harvest


def run(demo: Demo, script: str, *, user: str = "polly") -> str:
    """The transcript of ``script`` typed into a console session as ``user``."""
    out = io.StringIO()
    with demo.session(out, user=user, quiet=0.3) as session:
        session.run(script.strip().splitlines(), echo=True)
    return out.getvalue()


def entries(emulator: RunningEmulator, who: str) -> list[dict]:
    """``who``'s entries of today in Harvest, with project and task names."""
    return emulator.store.all(
        "SELECT d.*, p.name AS project, t.name AS task FROM day_entries d "
        "JOIN projects p ON p.id = d.project_id JOIN tasks t ON t.id = d.task_id "
        "WHERE d.user_id = ? AND d.spent_at = ? ORDER BY d.id",
        emulator.info.logins[who].user_id, emulator.clock.now().date().isoformat())


def between(text: str, start: str, end: str) -> str:
    """The part of a transcript after the line ``start`` and before the line ``end``."""
    return text.split(start + "\n", 1)[1].split("\n" + end, 1)[0]


SCRIPT = """
/harvest help
/harvest start website / design
/harvest today
/harvest stop
:quit
/harvest today
"""


def test_help_start_today_stop(demo: Demo, emulator: RunningEmulator) -> None:
    assert entries(emulator, "polly") == []
    text = run(demo, SCRIPT)

    helped = between(text, "polly> /harvest help", "polly> /harvest start website / design")
    assert helped.startswith("── only @polly sees this, in #general\n")
    assert "`/harvest start [project] [/ task] [notes]`" in helped

    started = between(text, "polly> /harvest start website / design", "polly> /harvest today")
    assert "Timer started" in started and "Website Redesign (Acme Corp) / Design" in started

    today = between(text, "polly> /harvest today", "polly> /harvest stop")
    assert "Website Redesign (Acme Corp) / Design" in today and "running" in today
    assert "[1 Edit]  [2 Restart]  [3 Delete]" in today

    stopped = between(text, "polly> /harvest stop", "polly> :quit")
    assert "Stopped" in stopped and "Website Redesign (Acme Corp) / Design" in stopped
    assert text.rstrip().endswith("polly> :quit")  # nothing after :quit is read

    (entry,) = entries(emulator, "polly")
    assert (entry["project"], entry["task"], entry["timer_started_at"]) == (
        "Website Redesign", "Design", None)


def test_a_button_opens_a_modal_whose_submission_lands_in_harvest(
    demo: Demo, emulator: RunningEmulator
) -> None:
    text = run(demo, """
/harvest start website / design
/harvest today
:press 1
:submit hours=soon
:submit hours=1:45 notes=Mockups for the lobby
""")
    modal = between(text, "polly> :press 1", "polly> :submit hours=soon")
    assert "┌─ Edit entry" in modal and "[1] Hours (hours=):" in modal
    refused = between(text, "polly> :submit hours=soon", "polly> :submit hours=1:45 notes=Mockups for the lobby")
    assert refused.startswith("!! hours: ") and "modal closed" not in refused
    after = text.split("polly> :submit hours=1:45 notes=Mockups for the lobby\n", 1)[1]
    assert "── modal closed" in after and "1:45 — Mockups for the lobby" in after
    (entry,) = entries(emulator, "polly")
    assert (entry["hours"], entry["notes"]) == (1.75, "Mockups for the lobby")


def test_an_ambiguous_start_offers_a_picker_and_the_pick_starts_the_timer(
    demo: Demo, emulator: RunningEmulator
) -> None:
    text = run(demo, "/harvest start mobile\n:select 1 development", user="basil")
    picker = between(text, "basil> /harvest start mobile", "basil> :select 1 development")
    assert "[1 Project / task ▾]" in picker and "Mobile App (Acme Corp) / Development" in picker
    picked = text.split("basil> :select 1 development\n", 1)[1]
    assert "(replaces the message above)" in picked and "Timer started" in picked
    (entry,) = entries(emulator, "basil")
    assert (entry["project"], entry["task"]) == ("Mobile App", "Development")
    assert entry["timer_started_at"] is not None


def test_app_home_log_time_modal_with_autocomplete(demo: Demo, emulator: RunningEmulator) -> None:
    text = run(demo, """
:home
:press 6
:submit hours=2
:submit project=website task=dev hours=2 notes=API work
""", user="manuel")
    home = between(text, "manuel> :home", "manuel> :press 6")
    assert "── @manuel's App Home" in home and "[6 Log time…]" in home
    assert "Hours is required" not in text and "Project is required: :submit project=…" in text
    assert "Logged *2:00* on *Website Redesign (Acme Corp) / Development*" in text
    (entry,) = entries(emulator, "manuel")
    assert (entry["project"], entry["task"], entry["hours"], entry["notes"]) == (
        "Website Redesign", "Development", 2.0, "API work")


def test_console_mistakes_are_explained_and_send_nothing(demo: Demo, emulator: RunningEmulator) -> None:
    text = run(demo, """
:press 1
:submit hours=1
:user nobody
hello
/harvest start website / design
/harvest today
:press 7
:select 1 x
:submit hours=1
""")
    assert "Nothing shown to you has buttons or selects yet." in text
    assert text.count("You have no modal open.") == 2
    assert "There is no 'nobody' here; you can be sybil, basil, polly, manuel." in text
    assert "Type a slash command such as /harvest help" in text
    assert "The last message has no [7]; it has [1, 2, 3]." in text
    assert "[1] is not a select; :press 1" in text
    (entry,) = entries(emulator, "polly")  # the timer started, and nothing else happened
    assert (entry["hours"], entry["notes"]) == (0.0, "")


def test_requests_signed_with_another_secret_are_refused_and_change_nothing(
    demo: Demo, emulator: RunningEmulator
) -> None:
    out = io.StringIO()
    forger = SlackSigner("not-the-demo-secret", team_id=demo.settings.demo.team_id)
    with ConsoleSession(demo.slack, forger, demo.events_url, demo.people, out,
                        first_wait=1, quiet=0.1) as session:
        session.run(["/harvest start website / design"])
    assert "!! the app answered HTTP 401" in out.getvalue()
    assert entries(emulator, "sybil") == []


def test_harvest_bot_demo_as_a_command_with_piped_input(tmp_path: Path) -> None:
    """The README's first command, as a person would run it: exits cleanly at :quit."""
    script = "/harvest start website / design\n/harvest today\n/harvest stop\n:quit\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HARVEST_"))}
    done = subprocess.run([sys.executable, "-m", "bot", "demo", "--user", "polly"], input=script,
                          capture_output=True, text=True, timeout=90, env=env)
    (tmp_path / "demo.log").write_text(done.stderr)  # its log, for the session's secrets scan
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    out = done.stdout
    assert out.startswith("harvest-bot demo: everything runs here")
    assert "linked to Harvest   sybil, basil, polly, manuel" in out
    assert "polly> /harvest start website / design" in out and "Timer started" in out
    assert "running" in between(out, "polly> /harvest today", "polly> /harvest stop")
    assert "Stopped" in out.split("polly> /harvest stop", 1)[1]


def test_run_demo_ends_at_the_end_of_input_and_refuses_an_unknown_person(
    emulator: RunningEmulator,
) -> None:
    out = io.StringIO()
    assert run_demo(demo_harvest(emulator), io.StringIO("/harvest help\n"), out, user="basil") == 0
    text = out.getvalue()
    assert "You are @basil in #general" in text and "basil> /harvest help" in text
    assert "You are @basil now." not in text  # --user is where one starts, not a switch
    out = io.StringIO()
    assert run_demo(demo_harvest(emulator), io.StringIO(""), out, user="nobody") == 2
    assert "There is no 'nobody' here; you can be sybil, basil, polly, manuel." in out.getvalue()
