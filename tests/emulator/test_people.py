"""``/people`` over real HTTP: listing, showing, creating, changing, archiving and deleting people,
in JSON and XML, for each role."""

from __future__ import annotations

import httpx
import pytest
from defusedxml import ElementTree
from harvest import Harvest

from emulator.runner import RunningEmulator
from tests.emulator.conftest import Api

FIELDS = ["id", "email", "first_name", "last_name", "is_admin", "is_project_manager",
          "is_contractor", "is_active", "has_access_to_all_future_projects", "timezone",
          "department", "telephone", "default_hourly_rate", "created_at", "updated_at"]
XML_TYPES = {"id": "integer", "is-admin": "boolean", "is-project-manager": "boolean",
             "is-contractor": "boolean", "is-active": "boolean",
             "has-access-to-all-future-projects": "boolean", "default-hourly-rate": "decimal",
             "created-at": "datetime", "updated-at": "datetime"}
EDGAR = {"first_name": "Edgar", "last_name": "Ruth", "email": "edgar@example.com",
         "timezone": "Central Time (US & Canada)", "is_admin": "false", "telephone": "444-444"}


def _uid(emulator: RunningEmulator, who: str) -> int:
    return emulator.info.logins[who].user_id


def _user(emulator: RunningEmulator, user_id: int) -> dict | None:
    return emulator.store.one("SELECT * FROM users WHERE id = ?", user_id)


def _count(emulator: RunningEmulator) -> int:
    return emulator.store.scalar("SELECT COUNT(*) FROM users")


def test_admin_lists_people_in_json_without_passwords(api: Api, emulator: RunningEmulator) -> None:
    response = api("sybil").get("/people")
    assert response.status_code == 200
    body = response.json()
    assert all(list(item) == ["user"] for item in body)
    people = [item["user"] for item in body]
    assert [p["email"].split("@")[0] for p in people] == ["sybil", "basil", "polly", "manuel"]
    assert list(people[0]) == FIELDS
    basil = people[1]
    assert (basil["id"], basil["is_admin"], basil["is_project_manager"], basil["is_active"]) == \
        (_uid(emulator, "basil"), False, True, True)
    assert "password" not in response.text and "harvest-demo" not in response.text


def test_admin_lists_people_in_xml(api: Api) -> None:
    response = api("sybil", fmt="xml").get("/people")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "users" and [child.tag for child in root] == ["user"] * 4
    user = root[0]
    assert [child.tag for child in user] == [name.replace("_", "-") for name in FIELDS]
    for tag, kind in XML_TYPES.items():
        assert user.find(tag).get("type") == kind, tag
    assert user.find("is-admin").text == "true"
    assert b"harvest-demo" not in response.content


@pytest.mark.parametrize("who", ["basil", "polly"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_only_administrators_list_people(api: Api, who: str, fmt: str) -> None:
    response = api(who, fmt=fmt).get("/people")
    assert response.status_code == 403 and b"fawltytowers" not in response.content


def test_updated_since_filters_people(api: Api, emulator: RunningEmulator) -> None:
    emulator.store.update("users", _uid(emulator, "manuel"), updated_at="2031-05-01T00:00:00.000000Z")
    recent = api("sybil").get("/people", params={"updated_since": "2031-04-30 23:59"}).json()
    assert [p["user"]["id"] for p in recent] == [_uid(emulator, "manuel")]
    assert api("sybil").get("/people", params={"updated_since": "soon"}).status_code == 400


def test_show_person_to_admins_and_to_themselves(api: Api, emulator: RunningEmulator) -> None:
    polly = _uid(emulator, "polly")
    assert api("sybil").get(f"/people/{polly}").json()["user"]["first_name"] == "Polly"
    own = api("polly").get(f"/people/{polly}")
    assert own.status_code == 200 and list(own.json()) == ["user"]
    root = ElementTree.fromstring(api("polly", fmt="xml").get(f"/people/{polly}").content)
    assert root.tag == "user" and root.find("email").text == "polly@fawltytowers.example"
    # "You may also pass a user's email address in place of a user_id."
    by_email = api("sybil").get("/people/polly@fawltytowers.example")
    assert by_email.json()["user"]["id"] == polly
    assert api("polly").get("/people/polly@fawltytowers.example").status_code == 200


def test_others_are_refused_and_unknown_people_are_404(api: Api, emulator: RunningEmulator) -> None:
    sybil = _uid(emulator, "sybil")
    for who in ("basil", "polly"):
        refused = api(who).get(f"/people/{sybil}")
        assert refused.status_code == 403 and b"Sybil" not in refused.content
    assert api("polly").get("/people/999").status_code == 403
    assert api("sybil").get("/people/999").status_code == 404
    assert api("sybil").get("/people/nobody@example.com").status_code == 404


# -- creating --------------------------------------------------------------------------------


def test_create_person_with_json(api: Api, emulator: RunningEmulator) -> None:
    response = api("sybil").post("/people", json={"user": {**EDGAR, "password": "s3cret",
                                                           "default_hourly_rate": "95"}})
    assert response.status_code == 201 and response.content == b""
    location = response.headers["location"]
    assert location.startswith("/people/")
    row = _user(emulator, int(location.rsplit("/", 1)[1]))
    assert (row["first_name"], row["email"], row["timezone"], row["is_admin"], row["telephone"],
            row["default_hourly_rate"], row["is_active"]) == \
        ("Edgar", "edgar@example.com", "Central Time (US & Canada)", 0, "444-444", 95.0, 1)
    # The new person can sign in with the password the request gave.
    who = httpx.get(emulator.base_url + "/account/who_am_i", auth=("edgar@example.com", "s3cret"),
                    headers={"Accept": "application/json"})
    assert who.status_code == 200


def test_create_person_with_the_documents_xml(api: Api, emulator: RunningEmulator) -> None:
    body = """<user>
      <first-name>Edgar</first-name>
      <last-name>Ruth</last-name>
      <email>edgarruth@example.com</email>
      <timezone>Central Time (US &amp; Canada)</timezone>
      <is-admin type="boolean">false</is-admin>
      <telephone>444-444</telephone>
    </user>"""
    response = api("sybil", fmt="xml").post("/people", content=body)
    assert response.status_code == 201
    row = _user(emulator, int(response.headers["location"].rsplit("/", 1)[1]))
    assert row["email"] == "edgarruth@example.com" and row["timezone"] == "Central Time (US & Canada)"
    form = api("sybil").post("/people", data={"user[first_name]": "Form", "user[last_name]": "Made",
                                              "user[email]": "form@example.com"},
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 201


@pytest.mark.parametrize("change,hint", [
    ({"email": "POLLY@fawltytowers.example"}, "taken"),
    ({"email": "not-an-email"}, "Email"),
    ({"first_name": ""}, "First name"),
    ({"timezone": "Mars/Olympus"}, "Timezone"),
    ({"is_admin": "maybe"}, "is_admin"),
    ({"default_hourly_rate": "a lot"}, "default_hourly_rate"),
])
def test_invalid_people_are_400_and_nothing_is_written(api: Api, emulator: RunningEmulator,
                                                      change: dict, hint: str) -> None:
    before = _count(emulator)
    response = api("sybil").post("/people", json={"user": {**EDGAR, **change}})
    assert response.status_code == 400 and hint.lower() in response.headers["hint"].lower()
    assert _count(emulator) == before


@pytest.mark.parametrize("who", ["basil", "polly"])
def test_only_administrators_create_people(api: Api, emulator: RunningEmulator, who: str) -> None:
    before = _count(emulator)
    assert api(who).post("/people", json={"user": EDGAR}).status_code == 403
    assert _count(emulator) == before


# -- updating --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_admin_updates_a_person(api: Api, emulator: RunningEmulator, fmt: str) -> None:
    manuel = _uid(emulator, "manuel")
    if fmt == "json":
        response = api("sybil").put(f"/people/{manuel}", json={"user": {
            "department": "Bar", "is_project_manager": True, "password": "ignored"}})
    else:
        response = api("sybil", fmt="xml").put(
            f"/people/{manuel}", content='<user><department>Bar</department>'
            '<is-project-manager type="boolean">true</is-project-manager>'
            '<password>ignored</password></user>')
    assert response.status_code == 200 and response.headers["location"] == f"/people/{manuel}"
    row = _user(emulator, manuel)
    assert (row["department"], row["is_project_manager"], row["password"]) == \
        ("Bar", 1, "harvest-demo")


def test_people_edit_their_own_profile_but_not_their_role(api: Api,
                                                          emulator: RunningEmulator) -> None:
    polly = _uid(emulator, "polly")
    own = api("polly").put(f"/people/{polly}", json={"user": {"telephone": "555-0101",
                                                              "is_admin": False}})
    assert own.status_code == 200 and _user(emulator, polly)["telephone"] == "555-0101"
    promoted = api("polly").put(f"/people/{polly}", json={"user": {"is_admin": True}})
    assert promoted.status_code == 403 and _user(emulator, polly)["is_admin"] == 0
    other = api("polly").put(f"/people/{_uid(emulator, 'manuel')}",
                             json={"user": {"telephone": "1"}})
    assert other.status_code == 403


def test_update_refusals(api: Api, emulator: RunningEmulator) -> None:
    sybil, polly = _uid(emulator, "sybil"), _uid(emulator, "polly")
    taken = api("sybil").put(f"/people/{polly}", json={"user": {"email": "basil@fawltytowers.example"}})
    assert taken.status_code == 400
    assert api("sybil").put(f"/people/{sybil}", json={"user": {"is_admin": False}}).status_code \
        == 400
    assert api("sybil").put("/people/999", json={"user": {"telephone": "1"}}).status_code == 404
    assert _user(emulator, polly)["email"] == "polly@fawltytowers.example"


# -- toggling and deleting ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "GET", "PUT"])
def test_toggle_archives_a_person_who_then_cannot_sign_in(api: Api, emulator: RunningEmulator,
                                                          method: str) -> None:
    polly = _uid(emulator, "polly")
    response = api("sybil").request(method, f"/people/{polly}/toggle")
    assert response.status_code == 200 and response.headers["location"] == f"/people/{polly}"
    assert _user(emulator, polly)["is_active"] == 0
    assert api("polly").get("/account/who_am_i").status_code == 401
    assert api("sybil", fmt="xml").request(method, f"/people/{polly}/toggle").status_code == 200
    assert _user(emulator, polly)["is_active"] == 1


def test_toggle_refusals(api: Api, emulator: RunningEmulator) -> None:
    assert api("basil").post(f"/people/{_uid(emulator, 'polly')}/toggle").status_code == 403
    assert api("sybil").post(f"/people/{_uid(emulator, 'sybil')}/toggle").status_code == 400
    assert api("sybil").post("/people/999/toggle").status_code == 404
    assert _user(emulator, _uid(emulator, "polly"))["is_active"] == 1


def test_a_person_with_hours_is_not_deleted(api: Api, emulator: RunningEmulator) -> None:
    manuel = _uid(emulator, "manuel")
    response = api("sybil").delete(f"/people/{manuel}")
    assert response.status_code == 400 and "archive" in response.headers["hint"]
    assert _user(emulator, manuel) is not None
    assert api("sybil").delete(f"/people/{_uid(emulator, 'sybil')}").status_code == 400
    assert api("basil").delete(f"/people/{manuel}").status_code == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_person_without_hours_is_deleted(api: Api, emulator: RunningEmulator, fmt: str) -> None:
    created = api("sybil").post("/people", json={"user": EDGAR})
    user_id = int(created.headers["location"].rsplit("/", 1)[1])
    project = emulator.info.ids["project:Mobile App"]
    api("sybil").post(f"/projects/{project}/user_assignments", json={"user": {"id": user_id}})
    response = api("sybil", fmt=fmt).delete(f"/people/{user_id}")
    assert response.status_code == 200
    assert _user(emulator, user_id) is None
    assert emulator.store.scalar("SELECT COUNT(*) FROM user_assignments WHERE user_id = ?",
                                 user_id) == 0
    assert api("sybil").get(f"/people/{user_id}").status_code == 404


def test_python_harvest_reads_and_toggles_people(emulator: RunningEmulator) -> None:
    login = emulator.info.logins["sybil"]
    client = Harvest(emulator.base_url, login.email, login.password)
    assert len(client.people()) == 4
    manuel = _uid(emulator, "manuel")
    assert client.get_person(manuel)["user"]["last_name"] == "Garcia"
    client.toggle_person_active(manuel)  # a GET, as that client sends it
    assert _user(emulator, manuel)["is_active"] == 0
