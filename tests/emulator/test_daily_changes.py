"""Changing time: ``POST /daily/update/{id}`` (partial), ``DELETE /daily/delete/{id}``, locked
(approved) entries, and ``of_user`` for administrators."""

from __future__ import annotations

import pytest

from emulator.runner import RunningEmulator
from tests.emulator.conftest import Api, refusal
from tests.emulator.daily_support import (
    BUTTER,
    DESIGN,
    DEVELOPMENT,
    GOURMET,
    add,
    freeze,
    ids,
    lock,
    row,
    set_account,
    snapshot,
    uid,
    xml,
)

# -- update -----------------------------------------------------------------------------------------


def test_update_changes_only_what_it_names(api: Api, emulator: RunningEmulator) -> None:
    freeze(emulator)
    entry = add(api("polly"), emulator, hours=1, notes="Old", spent_at="2026-11-24")
    emulator.clock.advance(60)
    response = api("polly").post(f"/daily/update/{entry['id']}", json={"notes": "New notes."})
    assert response.status_code == 200
    body = response.json()
    assert body["notes"] == "New notes." and body["hours"] == 1 and body["spent_at"] == "2026-11-24"
    assert body["updated_at"] == "2026-11-25T12:01:00Z" and body["created_at"] == entry["created_at"]
    stored = row(emulator, entry["id"])
    assert stored is not None and (stored["notes"], stored["hours"]) == ("New notes.", 1.0)


def test_update_in_xml_as_the_document_sends_it(api: Api, emulator: RunningEmulator) -> None:
    entry = add(api("polly"), emulator, hours=1)
    project_id, task_id = ids(emulator, GOURMET, BUTTER)
    response = api("polly", fmt="xml").post(f"/daily/update/{entry['id']}", content=f"""<request>
  <notes>New notes.</notes>
  <hours>1.07</hours>
  <spent_at type="date">Tue, 17 Oct 2016</spent_at>
  <project_id>{project_id}</project_id>
  <task_id>{task_id}</task_id>
</request>""")
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "day_entry"
    assert root.find("hours").text == "1.07" and root.find("spent_at").text == "2016-10-17"
    assert root.find("project").text == "Gourmet Night" and root.find("task").text == "Put butter on trays"
    stored = row(emulator, entry["id"])
    assert stored is not None
    assert (stored["project_id"], stored["task_id"], stored["spent_at"]) == (
        project_id, task_id, "2016-10-17")


def test_update_by_put_and_form_and_query(api: Api, emulator: RunningEmulator) -> None:
    entry = add(api("polly"), emulator, hours=1)
    path = f"/daily/update/{entry['id']}"
    assert api("polly").put(path, json={"hours": "2.5"}).json()["hours"] == 2.5
    form = api("polly").post(path, content="notes=From+a+form",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.json()["notes"] == "From a form"
    query = api("polly").post(path, content=b"", params={"hours": "0.25"})
    assert query.json()["hours"] == 0.25 and query.json()["notes"] == "From a form"


def test_update_the_hours_of_a_running_timer_keeps_it_running(api: Api, emulator: RunningEmulator) -> None:
    freeze(emulator)
    entry = add(api("polly"), emulator)
    emulator.clock.advance(600)
    updated = api("polly").post(f"/daily/update/{entry['id']}", json={"hours": 2}).json()
    assert updated["hours"] == 2 and updated["timer_started_at"] is not None
    emulator.clock.advance(30 * 60)
    assert api("polly").get(f"/daily/show/{entry['id']}").json()["hours"] == 2.5


def test_update_on_a_timestamp_account(api: Api, emulator: RunningEmulator) -> None:
    set_account(emulator, timestamp_timers=True)
    entry = add(api("polly"), emulator, started_at="8:00am", ended_at="9:00am")
    body = api("polly").post(f"/daily/update/{entry['id']}",
                             json={"started_at": "8:00am", "ended_at": "9:10am"}).json()
    assert body["ended_at"] == "9:10am" and body["hours"] == pytest.approx(1.17, abs=0.005)
    later = api("polly").post(f"/daily/update/{entry['id']}", json={"started_at": "7:10am"}).json()
    assert later["hours"] == 2 and later["started_at"] == "7:10am"


def test_update_refusals_write_nothing(api: Api, emulator: RunningEmulator) -> None:
    entry = add(api("polly"), emulator, hours=1)
    path = f"/daily/update/{entry['id']}"
    gourmet, butter, design = ids(emulator, GOURMET, BUTTER, DESIGN)
    before = snapshot(emulator)
    for body, status, words in [
        ({"hours": "abc"}, 400, "hours"),
        ({"hours": 25}, 400, "hours"),
        ({"spent_at": "2026-02-30"}, 400, "spent_at"),
        ({"project_id": gourmet}, 400, "task_id"),  # Design is not on Gourmet Night
        ({"task_id": butter}, 400, "task_id"),
        ({"task_id": [design]}, 400, "task_id"),
        ({"started_at": "8:00am", "ended_at": "9:00am"}, 400, "timestamp"),
    ]:
        response = api("polly").post(path, json=body)
        assert response.status_code == status, body
        assert words in refusal(response), body
    assert api("polly").post(path, content=b'["notes"]').status_code == 400
    assert api("manuel").post(path, json={"notes": "mine now"}).status_code == 404
    assert api("polly").post("/daily/update/1", json={"notes": "x"}).status_code == 404
    emulator.store.execute("UPDATE projects SET active = 0 WHERE id = ?", entry["project_id"])
    archived = api("polly").post(path, json={"notes": "late"})
    assert archived.status_code == 400 and "archived" in refusal(archived)
    assert snapshot(emulator) == before


# -- delete -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_delete_then_404(api: Api, emulator: RunningEmulator, fmt: str) -> None:
    entry = add(api("polly"), emulator, hours=1)
    client = api("polly", fmt=fmt)
    assert client.delete(f"/daily/delete/{entry['id']}").status_code == 200
    assert row(emulator, entry["id"]) is None
    assert client.get(f"/daily/show/{entry['id']}").status_code == 404
    assert client.delete(f"/daily/delete/{entry['id']}").status_code == 404
    assert api("polly").post(f"/daily/update/{entry['id']}", json={"notes": "x"}).status_code == 404


def test_delete_someone_elses_entry(api: Api, emulator: RunningEmulator) -> None:
    entry = add(api("polly"), emulator, hours=1)
    assert api("manuel").delete(f"/daily/delete/{entry['id']}").status_code == 404
    assert api("basil").delete(f"/daily/delete/{entry['id']}",
                               params={"of_user": uid(emulator, "polly")}).status_code == 403
    assert row(emulator, entry["id"]) is not None
    assert api("sybil").delete(f"/daily/delete/{entry['id']}",
                               params={"of_user": uid(emulator, "polly")}).status_code == 200
    assert row(emulator, entry["id"]) is None


def test_delete_a_running_timer(api: Api, emulator: RunningEmulator) -> None:
    entry = add(api("polly"), emulator)
    assert api("polly").delete(f"/daily/delete/{entry['id']}").status_code == 200
    assert row(emulator, entry["id"]) is None


# -- locked entries ---------------------------------------------------------------------------------


def test_locked_entries_refuse_everyone_but_administrators(api: Api, emulator: RunningEmulator) -> None:
    entry = add(api("polly"), emulator, hours=1, notes="Approved")
    lock(emulator, entry["id"])
    assert api("polly").get(f"/daily/show/{entry['id']}").json()["is_closed"] is True
    before = snapshot(emulator)
    for response in [api("polly").post(f"/daily/update/{entry['id']}", json={"notes": "x"}),
                     api("polly", fmt="xml").post(f"/daily/update/{entry['id']}",
                                                   content="<request><hours>2</hours></request>"),
                     api("polly").delete(f"/daily/delete/{entry['id']}"),
                     api("polly").get(f"/daily/timer/{entry['id']}")]:
        assert response.status_code == 403
        assert "locked" in response.text
    assert snapshot(emulator) == before


def test_administrators_edit_locked_entries_but_not_project_task_or_day(
        api: Api, emulator: RunningEmulator) -> None:
    entry = add(api("polly"), emulator, hours=1, spent_at="2026-11-20")
    lock(emulator, entry["id"])
    sybil = api("sybil")
    of_polly = {"of_user": uid(emulator, "polly")}
    path = f"/daily/update/{entry['id']}"
    gourmet, development = ids(emulator, GOURMET, DEVELOPMENT)
    before = snapshot(emulator)
    for field, value in [("project_id", gourmet), ("task_id", development),
                         ("spent_at", "2026-11-21")]:
        refused = sybil.post(path, params=of_polly, json={field: value, "notes": "no"})
        assert refused.status_code == 400, field
        assert field in refused.headers["Hint"] and "read-only" in refused.headers["Hint"]
    assert snapshot(emulator) == before
    same = sybil.post(path, params=of_polly, json={
        "project_id": str(entry["project_id"]), "task_id": entry["task_id"],
        "spent_at": "Fri, 20 Nov 2026", "notes": "Corrected", "hours": 1.5})
    assert same.status_code == 200
    assert same.json()["notes"] == "Corrected" and same.json()["hours"] == 1.5
    assert same.json()["is_closed"] is True
    assert sybil.delete(f"/daily/delete/{entry['id']}", params=of_polly).status_code == 200
    assert row(emulator, entry["id"]) is None


def test_seeded_locked_entries_are_read_only_for_their_owner(api: Api, emulator: RunningEmulator) -> None:
    locked = emulator.store.one(
        "SELECT id FROM day_entries WHERE user_id = ? AND is_closed = 1", uid(emulator, "manuel"))
    assert locked is not None
    response = api("manuel").delete(f"/daily/delete/{locked['id']}")
    assert response.status_code == 403
    assert row(emulator, locked["id"]) is not None
