"""Every response shape, in XML and in JSON, reads into the same models.

Fixtures under ``fixtures/`` are the documents' own examples (fixed only where the documents
are broken, and those broken originals are tested to fail cleanly) plus the shapes real v1
sent for calls the five documents do not show.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.harvest import parse_v1
from bot.harvest.documents import decode
from bot.harvest.errors import Unavailable
from bot.harvest.models import Entry, Project, Status, StatusAuthor, Task

from .conftest import fixture_bytes, fixture_tree


def j(text: str) -> Any:
    return decode(text.encode(), "json")


def x(text: str) -> Any:
    return decode(text.encode(), "xml")


# --- time tracking ---------------------------------------------------------------------------


def test_add_reply_xml_from_the_document() -> None:
    entry = parse_v1.entry(fixture_tree("add_reply.xml"))
    assert entry == Entry(
        id=420934300,
        user_id=508343,
        project_id=5198193,
        task_id=2892243,
        spent_at=date(2016, 1, 24),
        hours=3.0,
        hours_without_timer=3.0,
        notes="Test API support",
        client_name="Apple",
        project_name="14775",
        task_name="Backend Programming",
        created_at=datetime(2016, 1, 27, 21, 52, 50, tzinfo=UTC),
        updated_at=datetime(2016, 1, 27, 21, 52, 50, tzinfo=UTC),
    )
    assert not entry.is_running


def test_add_reply_json_from_the_document() -> None:
    entry = parse_v1.entry(fixture_tree("add_reply.json"))
    assert (entry.id, entry.project_id, entry.task_id) == (420932553, 5198193, 2892243)
    assert entry.hours == 3.0 and entry.hours_without_timer == 3.0
    assert entry.created_at == datetime(2016, 1, 27, 21, 49, 19, tzinfo=UTC)
    assert entry.client_name == "Apple" and entry.task_name == "Backend Programming"


@pytest.mark.parametrize("name", ["daily.json", "daily.xml"])
def test_daily_in_both_formats(name: str) -> None:
    day = parse_v1.day(fixture_tree(name))
    assert day.for_day == date(2016, 1, 27)
    running, stamped = day.entries
    assert running.is_running
    assert running.timer_started_at == datetime(2016, 1, 27, 21, tzinfo=UTC)
    assert (running.hours, running.hours_without_timer) == (1.25, 0.5)
    assert not stamped.is_running
    assert (stamped.started_at, stamped.ended_at) == ("8:00am", "8:45am")
    assert stamped.notes == ""  # null in JSON, nil="true" in XML
    ios, internal = day.projects
    assert ios == Project(
        id=5198193,
        name="iOS app",
        code="IOS",
        client_id=77,
        client_name="Apple",
        tasks=(
            Task(id=2892243, name="Backend Programming", billable=True),
            Task(id=2892244, name="Meetings", billable=False),
        ),
    )
    assert internal.tasks == () and internal.client_id == 78


def test_daily_xml_and_json_agree() -> None:
    assert parse_v1.day(fixture_tree("daily.xml")) == parse_v1.day(fixture_tree("daily.json"))


def test_an_empty_day() -> None:
    day = parse_v1.day(x("<daily><for_day>2016-01-27</for_day><day_entries/><projects/></daily>"))
    assert day.entries == () and day.projects == ()
    assert parse_v1.day(j('{"for_day": "2016-01-27", "day_entries": [], "projects": []}')) == day


@pytest.mark.parametrize("name", ["timer.json", "timer.xml"])
def test_timer_toggle_carries_the_hours_of_the_timer_it_stopped(name: str) -> None:
    toggle = parse_v1.timer(fixture_tree(name))
    assert toggle.entry.id == 420934301 and toggle.entry.is_running
    assert toggle.hours_for_previously_running_timer == 1.5


def test_timer_toggle_without_a_previous_timer() -> None:
    body = json.loads(fixture_bytes("timer.json"))
    del body["hours_for_previously_running_timer"]
    assert parse_v1.timer(body).hours_for_previously_running_timer is None


def test_show_and_update_may_come_wrapped_in_day_entry() -> None:
    flat = json.loads(fixture_bytes("add_reply.json"))
    assert parse_v1.entry({"day_entry": flat}) == parse_v1.entry(flat)


def test_hours_with_timer_wins_over_hours_when_present() -> None:
    flat = json.loads(fixture_bytes("add_reply.json"))
    flat["hours_with_timer"] = 3.5
    assert parse_v1.entry(flat).hours == 3.5


# --- reports ---------------------------------------------------------------------------------


def test_project_entries_xml_from_the_document_with_its_broken_declaration() -> None:
    (entry,) = parse_v1.entries(decode(fixture_bytes("project_entries.xml"), "xml"))
    assert entry.id == 755730 and entry.hours == 0.3 and entry.project_id == 4234
    assert entry.spent_at == date(2007, 11, 15)
    assert entry.notes == "Follow up with Danny"
    assert not entry.is_billed and not entry.is_closed
    # <created_at> among dashed tags, RFC 2822 with "-0000"
    assert entry.created_at == datetime(2006, 10, 18, 9, 53, 6, tzinfo=UTC)


def test_person_entries_xml() -> None:
    first, second = parse_v1.entries(fixture_tree("person_entries.xml"))
    assert (first.id, first.hours, first.notes) == (755689, 0.2, "")
    assert second.is_billed and second.is_closed


def test_person_entries_as_documented_fail_cleanly() -> None:
    # The document closes with <day-entries> instead of </day-entries>.
    with pytest.raises(Unavailable, match="does not parse"):
        decode(fixture_bytes("person_entries_as_documented.xml"), "xml")


def test_report_entries_json_are_wrapped() -> None:
    body = j(
        '[{"day_entry": {"id": 1, "user_id": 5, "project_id": 4234, "task_id": 1,'
        ' "spent_at": "2007-11-15", "hours": 0.3, "notes": "a", "is_billed": false,'
        ' "is_closed": true, "created_at": "2006-10-18T09:53:06Z"}},'
        ' {"day_entry": {"id": 2, "user_id": 5, "project_id": 4234, "task_id": 1,'
        ' "spent_at": "2007-11-16", "hours": "1.0"}}]'
    )
    first, second = parse_v1.entries(body)
    assert first.is_closed and second.hours == 1.0


def test_no_entries() -> None:
    assert parse_v1.entries(j("[]")) == ()
    assert parse_v1.entries(x("<day-entries/>")) == ()
    assert parse_v1.entries(x('<day-entries type="array"></day-entries>')) == ()
    assert parse_v1.entries(None) == ()


def test_person_expenses_xml_from_the_document() -> None:
    (expense,) = parse_v1.expenses(fixture_tree("person_expenses.xml"))
    assert expense.id == 11 and expense.expense_category_id == 50543
    assert expense.total_cost == 4.85 and expense.units == 10.0
    assert expense.spent_at == date(2008, 1, 23) and expense.user_id == 12334


def test_expenses_json_are_wrapped() -> None:
    (expense,) = parse_v1.expenses(
        j(
            '[{"expense": {"id": 11, "user_id": 12334, "project_id": 19034,'
            ' "expense_category_id": 50543, "spent_at": "2008-01-23",'
            ' "total_cost": "4.85", "units": null, "notes": "Taxi",'
            ' "billable": true, "is_billed": false}}]'
        )
    )
    assert expense.units is None and expense.billable and expense.notes == "Taxi"


# --- extended API ----------------------------------------------------------------------------


def test_project_xml_from_the_document() -> None:
    project = parse_v1.project(fixture_tree("project.xml"))
    assert project == Project(
        id=1,
        name="SuprGlu",
        code="",
        client_id=2,
        active=True,
        billable=False,
        bill_by="none",
        budget=None,
        budget_by="none",
    )


def test_projects_xml_from_the_document() -> None:
    suprglu, gourmet = parse_v1.projects(fixture_tree("projects.xml"))
    assert suprglu.name == "SuprGlu" and suprglu.active
    assert gourmet.code == "GN-1" and not gourmet.active and gourmet.billable
    assert gourmet.budget == 12.5 and gourmet.bill_by == "Project"


def test_projects_json_wrapped_and_single() -> None:
    body = j(
        '[{"project": {"id": 1, "name": "SuprGlu", "active": true, "billable": false,'
        ' "bill_by": "none", "client_id": 2, "code": null, "notes": null,'
        ' "budget": null, "budget_by": "none"}}]'
    )
    (project,) = parse_v1.projects(body)
    assert project == parse_v1.project(fixture_tree("project.xml"))
    assert parse_v1.project(body[0]) == project
    assert (
        parse_v1.projects(x("<projects><project><id>1</id><name>A</name></project></projects>"))[
            0
        ].id
        == 1
    )


def test_people_clients_tasks_categories_assignments_in_json_and_xml() -> None:
    people = parse_v1.people(
        j(
            '[{"user": {"id": 5, "email": "polly@fawltytowers.com", "first_name": "Polly",'
            ' "last_name": "Sherman", "is_admin": false, "is_active": true,'
            ' "timezone": "London", "is_contractor": false}}]'
        )
    )
    assert people[0].name == "Polly Sherman" and not people[0].is_admin
    xml_people = parse_v1.people(
        x(
            "<users><user><id>5</id><email>polly@fawltytowers.com</email>"
            "<first-name>Polly</first-name><last-name>Sherman</last-name>"
            "<is-admin type='boolean'>false</is-admin><is-active>true</is-active>"
            "<timezone>London</timezone><is-contractor>false</is-contractor></user></users>"
        )
    )
    assert xml_people == people
    assert parse_v1.person(x("<user><id>5</id><email>p@x</email></user>")).id == 5

    clients = parse_v1.clients(
        j('[{"client": {"id": 2, "name": "City of Torquay", "active": true, "currency": "GBP"}}]')
    )
    assert clients[0].name == "City of Torquay" and clients[0].currency == "GBP"
    assert (
        parse_v1.clients(
            x(
                "<clients><client><id>2</id><name>City of Torquay</name>"
                "<active>true</active><currency>GBP</currency></client></clients>"
            )
        )
        == clients
    )
    assert parse_v1.client(j('{"client": {"id": 2, "name": "C"}}')).id == 2

    tasks = parse_v1.tasks(
        j(
            '[{"task": {"id": 1, "name": "Design", "billable_by_default": true, "deactivated": false}},'
            ' {"task": {"id": 2, "name": "Old", "billable_by_default": false, "deactivated": true}}]'
        )
    )
    assert tasks == (Task(1, "Design", True, True), Task(2, "Old", False, False))
    assert (
        parse_v1.tasks(
            x(
                "<tasks><task><id>1</id><name>Design</name><billable-by-default>true</billable-by-default>"
                "<deactivated>false</deactivated></task><task><id>2</id><name>Old</name>"
                "<billable-by-default>false</billable-by-default><deactivated>true</deactivated>"
                "</task></tasks>"
            )
        )
        == tasks
    )

    categories = parse_v1.expense_categories(
        j(
            '[{"expense_category": {"id": 3, "name": "Mileage", "unit_name": "mile", "unit_price": "0.55", "deactivated": false}}]'
        )
    )
    assert categories[0].unit_price == 0.55 and categories[0].is_active
    assert (
        parse_v1.expense_categories(
            x(
                "<expense-categories><expense-category><id>3</id><name>Mileage</name><unit-name>mile</unit-name>"
                "<unit-price>0.55</unit-price><deactivated>false</deactivated></expense-category></expense-categories>"
            )
        )
        == categories
    )

    assignments = parse_v1.task_assignments(
        j(
            '[{"task_assignment": {"id": 9, "project_id": 1, "task_id": 2, "billable": true,'
            ' "deactivated": false, "hourly_rate": 100.0, "budget": null}}]'
        )
    )
    assert assignments[0].task_id == 2 and assignments[0].hourly_rate == 100.0
    assert (
        parse_v1.task_assignments(
            x(
                "<task-assignments><task-assignment><id>9</id><project-id>1</project-id><task-id>2</task-id>"
                "<billable>true</billable><deactivated>false</deactivated><hourly-rate>100.0</hourly-rate>"
                "<budget nil='true'/></task-assignment></task-assignments>"
            )
        )
        == assignments
    )


@pytest.mark.parametrize("name", ["who_am_i.json", "who_am_i.xml"])
def test_who_am_i_in_both_formats(name: str) -> None:
    identity = parse_v1.identity(fixture_tree(name))
    assert identity.user.id == 21 and identity.user.is_admin and identity.user.is_project_manager
    assert identity.user.timezone == "London"
    assert identity.user.timezone_identifier == "Europe/London"
    account = identity.account
    assert account.name == "Fawlty Towers" and account.base_uri == "https://fawlty.harvestapp.com"
    assert account.timestamp_timers and account.clock == "24h"
    assert account.time_format == "hours_minutes" and account.week_start_day == "Sunday"


def test_an_unexpected_container_around_the_right_records_is_read() -> None:
    people = parse_v1.people(x("<people><person><id>5</id><email>p@x</email></person></people>"))
    assert [p.id for p in people] == [5]


def test_who_am_i_of_a_plain_user() -> None:
    body = json.loads(fixture_bytes("who_am_i.json"))
    body["user"].update(
        admin=False,
        project_manager={"is_project_manager": False},
        timestamp_timers=False,
    )
    body["company"]["clock"] = "12h"
    identity = parse_v1.identity(body)
    assert not identity.user.is_admin and not identity.user.is_project_manager
    assert not identity.account.timestamp_timers and identity.account.clock == "12h"


def test_rate_limit_status_json_and_xml() -> None:
    expected = parse_v1.rate_limit_status(
        j(
            '{"last_access_at": "2016-01-27T21:49:19Z", "count": 7, "timeframe_limit": 15,'
            ' "max_calls": 100, "lockout_seconds": 0}'
        )
    )
    assert (expected.count, expected.max_calls, expected.timeframe_limit) == (
        7,
        100,
        15,
    )
    assert (
        parse_v1.rate_limit_status(
            x(
                "<hash><last-access-at type='datetime'>2016-01-27T21:49:19Z</last-access-at>"
                "<count type='integer'>7</count><timeframe-limit>15</timeframe-limit>"
                "<max-calls>100</max-calls><lockout-seconds>0</lockout-seconds></hash>"
            )
        )
        == expected
    )


# --- Co-op -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["groups.xml", "groups.json"])
def test_groups_from_the_document(name: str) -> None:
    fawlty, argentina = parse_v1.groups(fixture_tree(name))
    assert (fawlty.id, fawlty.name, fawlty.timezone) == (25, "Fawlty Towers", "London")
    assert fawlty.updated_at == datetime(2008, 10, 30, 20, 56, 4, tzinfo=UTC)
    assert argentina.created_at == datetime(2008, 9, 4, 11, 17, 37, tzinfo=UTC)


def test_groups_xml_and_json_agree() -> None:
    assert parse_v1.groups(fixture_tree("groups.xml")) == parse_v1.groups(
        fixture_tree("groups.json")
    )


@pytest.mark.parametrize("name", ["statuses.xml", "statuses.json"])
def test_statuses_from_the_document(name: str) -> None:
    note, _, timer = parse_v1.statuses(fixture_tree(name), 25)
    assert note == Status(
        id=247,
        kind="Note",
        text="Note 1",
        group_id=25,
        user=StatusAuthor(
            id=21,
            name="Basil Fawlty",
            email="basil@fawltytowers.com",
            avatar_url="http://coopapp.com/uploads/avatars/21/thumb/smile.png?1233860995",
        ),
        created_at=datetime(2008, 11, 19, 20, 19, 45, tzinfo=UTC),
        updated_at=datetime(2008, 11, 19, 20, 19, 45, tzinfo=UTC),
    )
    assert timer.kind == "DayEntry" and timer.hours == 22.91
    assert timer.project == "Gourmet Night" and timer.client == "City of Torquay"
    assert timer.spent_at == date(2008, 11, 19)
    assert timer.timer_started_at == datetime(2008, 11, 19, 17, 13, 12, tzinfo=UTC)
    assert timer.user.name == "Polly Sherman"


def test_statuses_as_documented_fail_cleanly() -> None:
    # The XML closes <name> with </uame>; the JSON writes "group_id", 25.
    with pytest.raises(Unavailable, match="XML that does not parse"):
        decode(fixture_bytes("statuses_as_documented.xml"), "xml")
    with pytest.raises(Unavailable, match="JSON that does not parse"):
        decode(fixture_bytes("statuses_as_documented.json"), "json")


def test_a_status_without_group_id_takes_the_group_asked_about() -> None:
    body = j('{"status": {"id": 1, "type": "Note", "text": "hi", "user": {"id": 2, "name": "B"}}}')
    assert parse_v1.status(body, 25).group_id == 25
    with pytest.raises(Unavailable, match="no group_id"):
        parse_v1.status(body)


def test_unknown_status_kinds_read_as_notes() -> None:
    body = j(
        '[{"id": 1, "type": "Agenda", "text": "x", "group_id": 3, "user": {"id": 2, "name": "B"}}]'
    )
    assert parse_v1.statuses(body)[0].kind == "Note"


def test_memberships_json_and_xml() -> None:
    expected = parse_v1.memberships(
        j(
            '[{"membership": {"id": 4, "group_id": 25, "user_id": 21, "email": "basil@fawltytowers.com",'
            ' "name": "Basil Fawlty", "is_owner": true}}, {"membership": {"email": "manuel@fawltytowers.com"}}]'
        ),
        25,
    )
    owner, invited = expected
    assert owner.is_owner and owner.user_id == 21
    assert invited.group_id == 25 and invited.user_id is None and not invited.is_owner
    assert (
        parse_v1.memberships(
            x(
                "<memberships type='array'><membership><id>4</id><group-id>25</group-id><user-id>21</user-id>"
                "<email>basil@fawltytowers.com</email><name>Basil Fawlty</name><is-owner>true</is-owner>"
                "</membership><membership><email>manuel@fawltytowers.com</email></membership></memberships>"
            ),
            25,
        )
        == expected
    )


def test_membership_may_nest_the_user() -> None:
    member = parse_v1.membership(
        j('{"membership": {"id": 4, "user": {"id": 21, "name": "B", "email": "b@x"}}}'),
        25,
    )
    assert (member.user_id, member.email, member.name, member.group_id) == (
        21,
        "b@x",
        "B",
        25,
    )


# --- what does not fit -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("read", "body", "message"),
    [
        (parse_v1.entry, '{"id": 1}', "time entry: no user_id"),
        (parse_v1.entry, "[]", "time entry: expected one record"),
        (
            parse_v1.entry,
            '{"id": "one", "user_id": 1, "project_id": 1, "task_id": 1, "spent_at": "2016-01-01"}',
            "not an integer: 'one'",
        ),
        (
            parse_v1.entry,
            '{"id": 1, "user_id": 1, "project_id": 1, "task_id": 1, "spent_at": "someday"}',
            "not a date",
        ),
        (parse_v1.day, '{"day_entries": []}', "day: no for_day"),
        (
            parse_v1.day,
            '{"for_day": "2016-01-01", "day_entries": 5}',
            "expected a list of day_entry",
        ),
        (
            parse_v1.projects,
            '{"error": "x", "message": "y"}',
            "expected a list of project",
        ),
        (parse_v1.projects, "[1, 2]", "expected project records"),
        (parse_v1.identity, '{"user": {"id": 1}}', "no company"),
        (parse_v1.groups, '"groups"', "expected a list of group"),
    ],
)
def test_documents_that_do_not_fit_are_unavailable_never_key_errors(
    read: Any, body: str, message: str
) -> None:
    with pytest.raises(Unavailable, match=message):
        read(j(body))


json_trees = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "user_id",
                    "project_id",
                    "task_id",
                    "spent_at",
                    "hours",
                    "for_day",
                    "day_entries",
                    "projects",
                    "tasks",
                    "day_entry",
                    "project",
                    "user",
                    "company",
                    "name",
                    "timer_started_at",
                    "group_id",
                    "type",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@given(json_trees)
def test_any_tree_reads_as_a_model_or_raises_unavailable(tree: Any) -> None:
    for read in (
        parse_v1.entry,
        parse_v1.entries,
        parse_v1.day,
        parse_v1.timer,
        parse_v1.projects,
        parse_v1.identity,
        parse_v1.groups,
        parse_v1.statuses,
        parse_v1.people,
    ):
        try:
            read(tree)
        except Unavailable:
            pass
