"""Request bodies match the documents' requests, in JSON and in XML."""

from __future__ import annotations

import json
from datetime import date, time

from bot.harvest import bodies_v1
from bot.harvest.documents import decode


def test_add_entry_json_is_flat_like_the_document() -> None:
    body = bodies_v1.entry_body(
        "json",
        project_id=5198193,
        task_id=2892243,
        spent_at=date(2016, 1, 24),
        hours=3,
        notes="Test API support",
    )
    assert json.loads(body) == {
        "notes": "Test API support",
        "hours": 3,
        "project_id": 5198193,
        "task_id": 2892243,
        "spent_at": "2016-01-24",
    }


def test_add_entry_xml_is_wrapped_in_request_with_types() -> None:
    body = bodies_v1.entry_body(
        "xml",
        project_id=5198193,
        task_id=2892243,
        spent_at=date(2016, 1, 24),
        hours=1.07,
        notes="New notes.",
    )
    assert b'<project_id type="integer">5198193</project_id>' in body
    assert b'<spent_at type="date">2016-01-24</spent_at>' in body
    assert decode(body, "xml") == {
        "request": {
            "notes": "New notes.",
            "hours": "1.07",
            "project_id": "5198193",
            "task_id": "2892243",
            "spent_at": "2016-01-24",
        }
    }


def test_starting_a_timer_sends_hours_blank() -> None:
    body = json.loads(bodies_v1.entry_body("json", project_id=1, task_id=2, start_timer=True))
    assert body == {"hours": "", "project_id": 1, "task_id": 2}
    assert (
        decode(
            bodies_v1.entry_body("xml", project_id=1, task_id=2, start_timer=True),
            "xml",
        )["request"]["hours"]
        == ""
    )


def test_timestamp_accounts_post_start_and_end_times() -> None:
    body = json.loads(
        bodies_v1.entry_body(
            "json",
            project_id=1,
            task_id=2,
            spent_at=date(2015, 11, 24),
            started_at=time(8, 0),
            ended_at=time(9, 10),
            notes="Test API support",
        )
    )
    assert body["started_at"] == "8:00am" and body["ended_at"] == "9:10am"
    assert "hours" not in body


def test_an_update_sends_only_what_changes() -> None:
    assert json.loads(bodies_v1.entry_body("json", notes="only notes")) == {"notes": "only notes"}
    assert decode(bodies_v1.entry_body("xml", hours=2), "xml") == {"request": {"hours": "2"}}


def test_project_body_dashed_in_xml_underscored_in_json() -> None:
    fields = {
        "name": "SuprGlu",
        "client_id": 2,
        "active": True,
        "bill_by": "none",
        "code": "",
        "notes": "",
        "budget": None,
        "budget_by": "none",
    }
    xml = bodies_v1.project_body("xml", **fields)  # type: ignore[arg-type]
    assert b'<client-id type="integer">2</client-id>' in xml
    assert b'<active type="boolean">true</active>' in xml
    assert b"<bill-by>none</bill-by>" in xml and b"budget>" not in xml.replace(b"budget-by>", b"")
    assert json.loads(bodies_v1.project_body("json", **fields)) == {  # type: ignore[arg-type]
        "project": {
            "name": "SuprGlu",
            "active": True,
            "bill_by": "none",
            "client_id": 2,
            "code": "",
            "notes": "",
            "budget_by": "none",
        }
    }


def test_coop_bodies() -> None:
    assert json.loads(bodies_v1.status_body("json", "Lunch")) == {"status": {"text": "Lunch"}}
    assert decode(bodies_v1.status_body("xml", "Lunch"), "xml") == {"status": {"text": "Lunch"}}
    assert json.loads(
        bodies_v1.group_body(
            "json",
            name="Fawlty Towers",
            timezone="London",
            member_emails=["sybil@fawltytowers.com", "polly@fawltytowers.com"],
        )
    ) == {
        "group": {
            "name": "Fawlty Towers",
            "timezone": "London",
            "member_emails": "sybil@fawltytowers.com, polly@fawltytowers.com",
        }
    }
    assert json.loads(bodies_v1.group_body("json", name="New name")) == {
        "group": {"name": "New name"}
    }
    assert json.loads(bodies_v1.change_owner_body("json", 5)) == {"new_group_owner_id": 5}
    assert bodies_v1.change_owner_body("xml", 5).endswith(
        b"<new_group_owner_id>5</new_group_owner_id>"
    )
    assert json.loads(bodies_v1.membership_body("json", "manuel@fawltytowers.com")) == {
        "membership": {"email": "manuel@fawltytowers.com"}
    }
