"""The pure parts of "Log time" and the App Home: catalog search, the submitted form, the
Home view and the recent pairs. No server: values in, values out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import home_blocks, modals
from bot.accounts import Acting
from bot.catalog import Catalog, Freshness, find_projects, find_tasks
from bot.harvest.errors import Unavailable, ValidationError
from bot.harvest.models import Entry, Project, Task
from bot.home import Overview, recent_pairs
from bot.log_form import (
    OTHER_PROJECT,
    PICK_DATE,
    PICK_PROJECT,
    PICK_TASK,
    PROJECT_CLOSED,
    TASK_CLOSED,
    FieldErrors,
    LogForm,
    read_log_form,
)
from bot.work import Pair
from storage.users import LinkedAccount

DESIGN, DEV, MEET, BUTTER = Task(11, "Design"), Task(12, "Development"), Task(13, "Meetings"), Task(14, "Put butter on trays")
WEBSITE = Project(1, "Website Redesign", "ACME-01", client_name="Acme Corp", tasks=(DESIGN, DEV, MEET))
MOBILE = Project(2, "Mobile App", "ACME-02", client_name="Acme Corp", tasks=(DESIGN, DEV))
GOURMET = Project(3, "Gourmet Night", "TQ-7", client_name="City of Torquay", tasks=(BUTTER, MEET))
LEGACY = Project(4, "Legacy Portal", active=False, tasks=(DEV,))
EMPTY = Project(5, "No Tasks Yet")
OFFERED = (WEBSITE, MOBILE, GOURMET)
TODAY = date(2026, 11, 25)


def acting(*, of_user: int | None = None, user: str = "U1") -> Acting:
    account = LinkedAccount(team_id="T1", user_id=user, wire="v1", base_url="https://h.example",
                            auth_kind="basic", harvest_user_id=7, email="p@example.com",
                            timezone="Europe/London", is_admin=False,
                            linked_at=datetime(2026, 1, 1, tzinfo=UTC), credentials=b"")
    return Acting(account, api=None, of_user=of_user, zone=ZoneInfo("Europe/London"),  # type: ignore[arg-type]
                  today=TODAY)


# -- the catalog ----------------------------------------------------------------------------------


def test_catalog_keeps_only_trackable_projects_of_the_person_themself() -> None:
    catalog = Catalog()
    assert catalog.projects("T1", "U1") is None
    catalog.remember(acting(), (*OFFERED, LEGACY, EMPTY))
    assert catalog.projects("T1", "U1") == OFFERED
    catalog.remember(acting(of_user=99), (GOURMET,))  # an administrator acting for someone else
    assert catalog.projects("T1", "U1") == OFFERED
    catalog.forget("T1", "U1")
    assert catalog.projects("T1", "U1") is None


def test_catalog_drops_archived_tasks() -> None:
    catalog = Catalog()
    catalog.remember(acting(), (Project(6, "P", tasks=(DESIGN, Task(15, "Old", is_active=False))),))
    assert [t.name for t in catalog.projects("T1", "U1")[0].tasks] == ["Design"]  # type: ignore[index]


def test_refresh_keeps_what_is_known_while_harvest_is_away() -> None:
    catalog = Catalog()

    def away(_: Acting) -> tuple[Project, ...]:
        raise Unavailable("down")

    assert catalog.refresh(acting(), away) is Freshness.UNKNOWN
    assert catalog.refresh(acting(), lambda _: OFFERED) is Freshness.FRESH
    assert catalog.refresh(acting(), away) is Freshness.KEPT
    assert catalog.projects("T1", "U1") == OFFERED


def test_refresh_lets_refusals_rise() -> None:
    def refused(_: Acting) -> tuple[Project, ...]:
        raise ValidationError("no")

    with pytest.raises(ValidationError):
        Catalog().refresh(acting(), refused)


@pytest.mark.parametrize("query, first", [
    ("gourmet", "Gourmet Night"),
    ("torquay", "Gourmet Night"),  # by client
    ("acme-02", "Mobile App"),  # by code
    ("mobil", "Mobile App"),
    ("webiste", "Website Redesign"),  # a typo
])
def test_find_projects(query: str, first: str) -> None:
    assert find_projects(OFFERED, query)[0].name == first


def test_find_projects_empty_query_order_and_no_match() -> None:
    assert [p.name for p in find_projects(OFFERED, "")] == ["Mobile App", "Website Redesign", "Gourmet Night"]
    assert find_projects(OFFERED, "zzz") == ()
    assert len(find_projects(OFFERED, "", limit=2)) == 2


def test_find_tasks_of_a_project_or_of_all() -> None:
    assert [p.task_name for p in find_tasks(OFFERED, 2, "")] == ["Design", "Development"]
    assert [p.task_name for p in find_tasks(OFFERED, 1, "meet")] == ["Meetings"]
    everywhere = find_tasks(OFFERED, None, "meetings")
    assert {p.project_name for p in everywhere} == {"Website Redesign", "Gourmet Night"}
    assert [p.project_name for p in find_tasks(OFFERED, None, "gourmet")] == ["Gourmet Night"] * 2
    assert find_tasks(OFFERED, 4, "") == ()  # a project no longer offered has no tasks to pick


def test_options_render_within_slack_limits() -> None:
    long = Project(9, "X" * 100, tasks=(DESIGN,))
    option = modals.project_options([long])[0]
    assert len(option["text"]["text"]) == 75 and option["value"] == "9"
    pairs = find_tasks(OFFERED, None, "butter")
    assert modals.task_options(pairs, with_project=True) == [
        {"text": {"type": "plain_text", "text": "Put butter on trays · Gourmet Night"}, "value": "3:14"}]
    assert modals.task_options(pairs, with_project=False)[0]["text"]["text"] == "Put butter on trays"


# -- the submitted form ---------------------------------------------------------------------------


def state(project: str | None = "1", task: str | None = "1:11", hours: str | None = "1:30",
          day: str | None = "2026-11-24", notes: str | None = " notes ") -> dict[str, Any]:
    def chosen(value: str | None) -> dict[str, Any]:
        return {"selected_option": {"value": value} if value else None}

    return {
        "project": {modals.PROJECT: chosen(project)},
        "task": {modals.TASK: chosen(task)},
        "hours": {"value": {"value": hours}},
        "date": {"value": {"selected_date": day}},
        "notes": {"value": {"value": notes}},
    }


def test_a_good_form() -> None:
    assert read_log_form(state(), OFFERED) == LogForm(1, 11, 1.5, date(2026, 11, 24), "notes")
    assert read_log_form(state(notes=None), None) == LogForm(1, 11, 1.5, date(2026, 11, 24), "")


def test_everything_missing() -> None:
    assert read_log_form(state(None, None, "", None, None), OFFERED) == FieldErrors({
        "project": PICK_PROJECT, "task": PICK_TASK,
        "hours": read_log_form(state(hours=""), OFFERED).errors["hours"],  # type: ignore[union-attr]
        "date": PICK_DATE,
    })


def test_placeholder_options_are_never_accepted() -> None:
    form = read_log_form(state(project=modals.NOTHING, task=modals.NOTHING), OFFERED)
    assert isinstance(form, FieldErrors) and set(form.errors) == {"project", "task"}


def test_bad_values() -> None:
    form = read_log_form(state(hours="25h", day="someday", task="2:11"), OFFERED)
    assert isinstance(form, FieldErrors)
    assert "more than a day" in form.errors["hours"]
    assert form.errors["date"] == PICK_DATE
    assert form.errors["task"] == OTHER_PROJECT.format(project="Website Redesign")
    assert all(len(message) <= 150 for message in form.errors.values())


def test_projects_and_tasks_no_longer_offered() -> None:
    assert read_log_form(state(project="4", task="4:12"), OFFERED) == FieldErrors(
        {"project": PROJECT_CLOSED})
    assert read_log_form(state(task="1:14"), OFFERED) == FieldErrors(
        {"task": TASK_CLOSED.format(project="Website Redesign")})
    # Nothing known about the person: Harvest decides.
    assert isinstance(read_log_form(state(project="4", task="4:12"), None), LogForm)


# -- the Home -------------------------------------------------------------------------------------


def entry(id: int, day: date, hours: float, *, project: Project = WEBSITE, task: Task = DESIGN,
          running: bool = False, closed: bool = False, notes: str = "",
          at: datetime | None = None) -> Entry:
    return Entry(id, 7, project.id, task.id, day, hours, notes=notes, project_name=project.name,
                 client_name=project.client_name, task_name=task.name, is_closed=closed,
                 timer_started_at=datetime(2026, 11, 25, 9, 5, tzinfo=UTC) if running else None,
                 created_at=at)


def test_recent_pairs_latest_first_still_offered_and_distinct() -> None:
    entries = [
        entry(1, TODAY - timedelta(days=3), 1, project=GOURMET, task=BUTTER),
        entry(2, TODAY - timedelta(days=1), 1, project=MOBILE, task=DEV),
        entry(3, TODAY - timedelta(days=2), 1, project=LEGACY, task=DEV),
        entry(4, TODAY - timedelta(days=1), 1, project=MOBILE, task=DEV),
        entry(5, TODAY, 1),
    ]
    assert recent_pairs(entries, OFFERED, 5) == (
        Pair(1, 11, "Website Redesign", "Design", "Acme Corp"),
        Pair(2, 12, "Mobile App", "Development", "Acme Corp"),
        Pair(3, 14, "Gourmet Night", "Put butter on trays", "City of Torquay"),
    )
    assert len(recent_pairs(entries, OFFERED, 1)) == 1


def overview(entries: tuple[Entry, ...], recent: tuple[Pair, ...] = ()) -> Overview:
    return Overview(TODAY, entries, week_total=12.25, recent=recent,
                    as_of=datetime(2026, 11, 25, 10, 30, tzinfo=ZoneInfo("Europe/London")))


def shown(view: dict[str, Any]) -> str:
    texts = []
    for block in view["blocks"]:
        for part in [block.get("text"), *block.get("elements", [])]:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
    return "\n".join(texts)


def test_home_with_a_running_timer() -> None:
    running = entry(8, TODAY, 1.25, running=True, notes="login page")
    view = home_blocks.home_view(overview((entry(7, TODAY, 0.5, project=GOURMET, task=BUTTER), running),
                                          (Pair(1, 11, "Website Redesign", "Design", "Acme Corp"),)))
    text = shown(view)
    assert view["type"] == "home"
    assert ":stopwatch: *Website Redesign (Acme Corp) / Design* — login page\n" \
           "running since 09:05 · *1:15* so far" in text
    stop = next(b["accessory"] for b in view["blocks"] if "accessory" in b)
    assert (stop["action_id"], stop["value"]) == (home_blocks.HOME_STOP, "8")
    assert "*Today* — *1:45*   ·   This week — *12:15*" in text
    starts = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(e["action_id"], e.get("value")) for e in starts] == [
        (f"{home_blocks.HOME_START}:0", "1:11"), (modals.OPEN_LOG, "home")]
    assert home_blocks.LOCKED_NOTE not in text


def test_home_without_timer_or_entries() -> None:
    text = shown(home_blocks.home_view(overview(())))
    assert home_blocks.NO_TIMER in text and home_blocks.NO_ENTRIES in text
    assert home_blocks.NO_RECENT in text


def test_home_marks_approved_entries_and_stays_within_100_blocks() -> None:
    many = tuple(entry(i, TODAY, 0.1, closed=i == 199) for i in range(200))
    view = home_blocks.home_view(overview(many, tuple(Pair(1, 11, "W", "D") for _ in range(5))))
    assert len(view["blocks"]) <= 100
    text = shown(view)
    assert f"{200 - home_blocks.MAX_ENTRIES} earlier entries not shown." in text
    assert ":lock: approved" in text and home_blocks.LOCKED_NOTE in text


def test_problem_home_embeds_the_error_message() -> None:
    message = {"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Harvest is away"}}]}
    text = shown(home_blocks.problem_view(message, trouble=True))
    assert home_blocks.TROUBLE_TEXT in text and "Harvest is away" in text
    assert home_blocks.TROUBLE_TEXT not in shown(home_blocks.problem_view(message, trouble=False))
