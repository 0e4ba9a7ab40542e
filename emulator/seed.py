"""Seed data: ``demo`` is a small realistic account to try the bot on; ``empty`` is an account
with nothing but its administrator.

The demo is built relative to the emulator clock's today, from a fixed random seed, so it is the
same every run on the same day and tests can pin the day with a fixed clock. An existing database
is never seeded twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from emulator.clock import Clock, iso
from emulator.store import Store
from emulator.v2.tokens import new_personal_token, personal_tokens

DEMO_PASSWORD = "harvest-demo"
# The account's id on API v2 (the Harvest-Account-Id header); the store's default too.
DEMO_ACCOUNT_ID = 1049731


@dataclass(frozen=True)
class Login:
    role: str
    user_id: int
    email: str
    password: str
    name: str


@dataclass(frozen=True)
class OAuthApp:
    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass
class SeedInfo:
    logins: dict[str, Login] = field(default_factory=dict)  # by key: admin, manager, member, …
    oauth: OAuthApp | None = None
    ids: dict[str, int] = field(default_factory=dict)  # named ids tests refer to
    account_id: int | None = None  # API v2: the Harvest-Account-Id
    pats: dict[str, str] = field(default_factory=dict)  # API v2 personal access tokens, by login key

    def describe(self) -> list[str]:
        lines = ["Demo logins (HTTP Basic, email / password):"]
        for login in self.logins.values():
            lines.append(f"  {login.role:<15} {login.name:<18} {login.email} / {login.password}")
        if self.oauth:
            lines.append(f"OAuth client: client_id={self.oauth.client_id} "
                         f"client_secret={self.oauth.client_secret} "
                         f"redirect_uri={self.oauth.redirect_uri}")
        if self.account_id is not None:
            lines.append(f"API v2: Harvest-Account-Id {self.account_id}; personal access tokens "
                         "(Authorization: Bearer …):")
            for key, token in self.pats.items():
                lines.append(f"  {key:<15} {token}")
        return lines


def seed(store: Store, clock: Clock, name: str | None) -> SeedInfo:
    if name is None or store.one("SELECT id FROM account WHERE id = 1"):
        return _describe_existing(store)
    if name == "demo":
        return _demo(store, clock)
    if name == "empty":
        return _empty(store, clock)
    raise ValueError(f"unknown seed {name!r} (demo, empty)")


def _describe_existing(store: Store) -> SeedInfo:
    info = SeedInfo()
    for row in store.all("SELECT * FROM users ORDER BY id"):
        role = "administrator" if row["is_admin"] else (
            "project manager" if row["is_project_manager"] else "regular user")
        key = row["email"].split("@")[0]
        info.logins[key] = Login(role, row["id"], row["email"], row["password"],
                                 f"{row['first_name']} {row['last_name']}")
    app = store.one("SELECT * FROM oauth_clients LIMIT 1")
    if app:
        info.oauth = OAuthApp(app["client_id"], app["client_secret"], app["redirect_uri"])
    account = store.one("SELECT harvest_id FROM account WHERE id = 1")
    if account:
        info.account_id = account["harvest_id"]
        tokens = personal_tokens(store)
        info.pats = {key: tokens[login.user_id] for key, login in info.logins.items()
                     if login.user_id in tokens}
    return info


def _account(store: Store, now: datetime, name: str) -> None:
    store.insert("account", id=1, name=name, subdomain="demo", created_at=iso(now),
                 harvest_id=DEMO_ACCOUNT_ID)


def _user(store: Store, now: datetime, first: str, last: str, email: str, *, admin: bool = False,
          manager: bool = False, timezone_name: str = "London", contractor: bool = False,
          permissions: str = "") -> int:
    return store.insert(
        "users", email=email, password=DEMO_PASSWORD, first_name=first, last_name=last,
        is_admin=int(admin), is_project_manager=int(manager), is_contractor=int(contractor),
        timezone=timezone_name, created_at=iso(now), updated_at=iso(now),
        has_access_to_all_future_projects=int(admin), manager_permissions=permissions)


def _empty(store: Store, clock: Clock) -> SeedInfo:
    now = clock.now()
    with store.tx():
        _account(store, now, "Empty Co")
        admin = _user(store, now, "Ada", "Admin", "admin@example.com", admin=True)
        token = new_personal_token(store, admin, now)
    info = SeedInfo(account_id=DEMO_ACCOUNT_ID, pats={"admin": token})
    info.logins["admin"] = Login("administrator", admin, "admin@example.com", DEMO_PASSWORD, "Ada Admin")
    return info


# The demo account: a small agency. Names are the Co-op document's, so its examples read true.
CLIENTS = ["Acme Corp", "City of Torquay", "Globex", "Fawlty Towers (internal)"]
# Globex bills in euros, so v2's reports have a person or task with one row per currency.
CURRENCIES = {"Globex": "Euro - EUR"}
# Hourly rates by project (billed by project): v2's billable amounts have something to add up.
RATES = {"Gourmet Night": 95.0, "Data Migration": 120.0}
TASKS = [("Design", True), ("Development", True), ("Project Management", True),
         ("Meetings", False), ("Research", True), ("Put butter on trays", True)]
PROJECTS = [  # client index, name, code, active, task names
    (0, "Website Redesign", "ACME-01", True, ["Design", "Development", "Project Management", "Meetings"]),
    (0, "Mobile App", "ACME-02", True, ["Design", "Development", "Research"]),
    (1, "Gourmet Night", "TQ-7", True, ["Put butter on trays", "Meetings", "Project Management"]),
    (2, "Data Migration", "GLX-3", True, ["Development", "Research", "Meetings"]),
    (3, "Internal", "", True, ["Meetings", "Research"]),
    (2, "Legacy Portal", "GLX-1", False, ["Development"]),
]
PEOPLE = [  # key, first, last, admin, manager, timezone
    ("sybil", "Sybil", "Fawlty", True, False, "London"),
    ("basil", "Basil", "Fawlty", False, True, "London"),
    ("polly", "Polly", "Sherman", False, False, "London"),
    ("manuel", "Manuel", "Garcia", False, False, "Madrid"),
]
# On API v2 Basil is a manager who may also track time for others on the projects he manages
# (access role time_and_expenses_manager, March 2022); he does not see billable rates.
PERMISSIONS = {"basil": "time_and_expenses_manager"}


def _demo(store: Store, clock: Clock) -> SeedInfo:
    now = clock.now()
    today = now.date()
    stamp = iso(now - timedelta(days=30))
    rng = random.Random(42)
    info = SeedInfo()
    with store.tx():
        _account(store, now - timedelta(days=400), "Fawlty Towers Consulting")
        users = {}
        for key, first, last, admin, manager, tz in PEOPLE:
            email = f"{key}@fawltytowers.example"
            users[key] = _user(store, now - timedelta(days=300), first, last, email,
                               admin=admin, manager=manager, timezone_name=tz,
                               permissions=PERMISSIONS.get(key, ""))
            role = "administrator" if admin else "project manager" if manager else "regular user"
            info.logins[key] = Login(role, users[key], email, DEMO_PASSWORD, f"{first} {last}")
        clients = [store.insert("clients", name=name, created_at=stamp, updated_at=stamp,
                                currency=CURRENCIES.get(name, "United States Dollar - USD"))
                   for name in CLIENTS]
        tasks = {name: store.insert("tasks", name=name, billable_by_default=int(billable),
                                    created_at=stamp, updated_at=stamp)
                 for name, billable in TASKS}
        projects: dict[str, int] = {}
        offered: dict[int, list[int]] = {}
        for client_index, name, code, active, task_names in PROJECTS:
            pid = store.insert("projects", client_id=clients[client_index], name=name, code=code,
                               active=int(active), billable=int(client_index != 3),
                               bill_by="Project" if name in RATES else "none",
                               hourly_rate=RATES.get(name), created_at=stamp, updated_at=stamp)
            projects[name] = pid
            offered[pid] = [tasks[t] for t in task_names]
            for task_name in task_names:
                store.insert("task_assignments", project_id=pid, task_id=tasks[task_name],
                             billable=int(dict(TASKS)[task_name] and client_index != 3),
                             created_at=stamp, updated_at=stamp)
        # Everyone works on the active projects; Basil manages the Acme and Torquay ones.
        managed = {"Website Redesign", "Mobile App", "Gourmet Night"}
        for key, uid in users.items():
            for name, pid in projects.items():
                store.insert("user_assignments", project_id=pid, user_id=uid,
                             is_project_manager=int(key == "basil" and name in managed),
                             created_at=stamp, updated_at=stamp)
        info.ids.update({f"project:{name}": pid for name, pid in projects.items()})
        info.ids.update({f"task:{name}": tid for name, tid in tasks.items()})
        info.ids.update({f"client:{name}": cid for name, cid in zip(CLIENTS, clients, strict=True)})
        # Two weeks of entries on working days, before today (today starts empty: try the bot).
        open_projects = [pid for (_, _, _, is_active, _), pid in zip(PROJECTS, projects.values(), strict=True)
                         if is_active]
        notes = ["Planning", "Review with client", "Bug fixes", "Wireframes", "Standup",
                 "Data mapping", "Menu tasting", ""]
        for key, uid in users.items():
            for back in range(14, 0, -1):
                day = today - timedelta(days=back)
                if day.weekday() >= 5:
                    continue
                for _ in range(rng.randint(1, 3)):
                    pid = rng.choice(open_projects)
                    tid = rng.choice(offered[pid])
                    hours = round(rng.choice([0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4]), 2)
                    created = datetime.combine(day, time(17, 0), tzinfo=UTC)
                    store.insert("day_entries", user_id=uid, project_id=pid, task_id=tid,
                                 spent_at=day.isoformat(), hours=hours, notes=rng.choice(notes),
                                 created_at=iso(created), updated_at=iso(created),
                                 is_closed=int(back > 7 and key == "manuel"))
        categories = {
            name: store.insert("expense_categories", name=name, unit_name=unit, unit_price=price,
                               created_at=stamp, updated_at=stamp)
            for name, unit, price in [("Mileage", "mile", 0.655), ("Meals", None, None),
                                      ("Travel", None, None)]
        }
        for key, uid in users.items():
            for back in (3, 6, 10):
                day = today - timedelta(days=back)
                if key == "manuel" and back == 6:
                    store.insert("expenses", user_id=uid, project_id=projects["Gourmet Night"],
                                 expense_category_id=categories["Mileage"], spent_at=day.isoformat(),
                                 units=42.0, total_cost=round(42 * 0.655, 2), notes="Drive to the fish market",
                                 created_at=stamp, updated_at=stamp)
                else:
                    store.insert("expenses", user_id=uid, project_id=rng.choice(open_projects),
                                 expense_category_id=categories[rng.choice(["Meals", "Travel"])],
                                 spent_at=day.isoformat(), total_cost=round(rng.uniform(8, 120), 2),
                                 notes=rng.choice(["Client lunch", "Train", "Taxi"]),
                                 created_at=stamp, updated_at=stamp)
        info.ids.update({f"category:{name}": cid for name, cid in categories.items()})
        group = store.insert("groups", name="Fawlty Towers", timezone="London",
                             owner_id=users["basil"], created_at=stamp, updated_at=stamp)
        info.ids["group:Fawlty Towers"] = group
        for key in ("basil", "sybil", "polly"):
            store.insert("memberships", group_id=group, user_id=users[key],
                         email=f"{key}@fawltytowers.example", state="active", created_at=stamp)
        for back, key, text in [(2, "basil", "Fire drill at 3pm, everyone out."),
                                (1, "sybil", "The Major is back from the bank."),
                                (0, "polly", "Menus for Gourmet Night are printed.")]:
            when = iso(datetime.combine(today - timedelta(days=back), time(9, 30), tzinfo=UTC))
            store.insert("statuses", group_id=group, user_id=users[key], text=text,
                         created_at=when, updated_at=when)
        store.execute(
            "INSERT INTO oauth_clients (client_id, client_secret, redirect_uri, name) VALUES (?, ?, ?, ?)",
            "demo-client", "demo-client-secret", "http://127.0.0.1:3000/harvest/oauth/callback",
            "harvest-bot demo")
        info.pats = {key: new_personal_token(store, uid, now) for key, uid in users.items()}
    info.account_id = DEMO_ACCOUNT_ID
    info.oauth = OAuthApp("demo-client", "demo-client-secret",
                          "http://127.0.0.1:3000/harvest/oauth/callback")
    return info


