"""v2 objects as JSON-ready dicts, built from the store's (v1) rows.

Field lists follow the v2 object tables and examples [US, CO, CL, PR, TK, TA, PA, EX]. Where the
store has nothing to say the emulator answers as an account that never set the option did
(assumptions): no addresses, statement keys, budgets, cost rates, receipts or invoices;
``weekly_capacity`` is the account's (35 h = 126000 s by default); a user's ``roles`` are their
v1 department, if any; ``avatar_url`` is a path on the emulator that serves no image.

Currencies: the store keeps v1's spelling, "United States Dollar - USD"; v2 shows the code.

Billable rate of an entry (when billable): by the project's ``bill_by`` — ``Project`` the
project's rate, ``Tasks`` the task assignment's (else the task's default), ``People`` the user
assignment's (else the person's default), ``none`` no rate.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from emulator.store import Store
from emulator.v2.context import day, decimal, stamp


def currency_code(text: str | None) -> str:
    code = (text or "").rsplit("-", 1)[-1].strip().upper()
    return code if len(code) == 3 and code.isalpha() else "USD"


def full_name(user: dict[str, Any]) -> str:
    return f"{user['first_name']} {user['last_name']}"


class Lookup:
    """The small tables one request reads again and again, each loaded once."""

    def __init__(self, store: Store):
        self.store = store

    @cached_property
    def users(self) -> dict[int, dict[str, Any]]:
        return {row["id"]: row for row in self.store.all("SELECT * FROM users")}

    @cached_property
    def clients(self) -> dict[int, dict[str, Any]]:
        return {row["id"]: row for row in self.store.all("SELECT * FROM clients")}

    @cached_property
    def projects(self) -> dict[int, dict[str, Any]]:
        return {row["id"]: row for row in self.store.all("SELECT * FROM projects")}

    @cached_property
    def tasks(self) -> dict[int, dict[str, Any]]:
        return {row["id"]: row for row in self.store.all("SELECT * FROM tasks")}

    @cached_property
    def categories(self) -> dict[int, dict[str, Any]]:
        return {row["id"]: row for row in self.store.all("SELECT * FROM expense_categories")}

    @cached_property
    def task_assignments(self) -> dict[tuple[int, int], dict[str, Any]]:
        return {(row["project_id"], row["task_id"]): row
                for row in self.store.all("SELECT * FROM task_assignments")}

    @cached_property
    def user_assignments(self) -> dict[tuple[int, int], dict[str, Any]]:
        return {(row["project_id"], row["user_id"]): row
                for row in self.store.all("SELECT * FROM user_assignments")}

    def currency(self, project_id: int) -> str:
        project = self.projects[project_id]
        return currency_code(self.clients[project["client_id"]]["currency"])

    def billable(self, project_id: int, task_id: int) -> bool:
        """The project is billable and so is the task on it (v1 reports' rule)."""
        project = self.projects[project_id]
        assignment = self.task_assignments.get((project_id, task_id))
        task_billable = (assignment["billable"] if assignment
                         else self.tasks[task_id]["billable_by_default"])
        return bool(project["billable"]) and bool(task_billable)

    def billable_rate(self, project_id: int, task_id: int, user_id: int) -> float | None:
        if not self.billable(project_id, task_id):
            return None
        project = self.projects[project_id]
        bill_by = (project["bill_by"] or "none").lower()
        if bill_by == "project":
            return project["hourly_rate"]
        if bill_by == "tasks":
            assignment = self.task_assignments.get((project_id, task_id))
            rate = assignment["hourly_rate"] if assignment else None
            return rate if rate is not None else self.tasks[task_id]["default_hourly_rate"]
        if bill_by == "people":
            assignment = self.user_assignments.get((project_id, user_id))
            rate = assignment["hourly_rate"] if assignment else None
            return rate if rate is not None else self.users[user_id]["default_hourly_rate"]
        return None


# -- small references ---------------------------------------------------------------------------


def ref(row: dict[str, Any], *extra: str) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], **{name: row[name] for name in extra}}


def user_ref(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "name": full_name(user)}


def project_ref(project: dict[str, Any]) -> dict[str, Any]:
    return {"id": project["id"], "name": project["name"], "code": project["code"] or None}


def client_ref(client: dict[str, Any]) -> dict[str, Any]:
    return {"id": client["id"], "name": client["name"],
            "currency": currency_code(client["currency"])}


# -- people and the company ---------------------------------------------------------------------


def user(row: dict[str, Any], roles: list[str], capacity: int, base: str,
         rates: bool) -> dict[str, Any]:
    """The user object [US]; the legacy booleans (``is_admin``…) are not sent: current accounts
    answer with ``access_roles`` (assumption)."""
    return {
        "id": row["id"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "email": row["email"],
        "telephone": row["telephone"] or "",
        "timezone": row["timezone"],
        "has_access_to_all_future_projects": bool(row["has_access_to_all_future_projects"]),
        "is_contractor": bool(row["is_contractor"]),
        "is_active": bool(row["is_active"]),
        "weekly_capacity": capacity,
        "default_hourly_rate": row["default_hourly_rate"] if rates else None,
        "cost_rate": None,
        "roles": [row["department"]] if row["department"] else [],
        "access_roles": roles,
        "avatar_url": f"{base}/assets/profile_images/{row['id']}.png",
        "created_at": stamp(row["created_at"]),
        "updated_at": stamp(row["updated_at"]),
    }


def company(account: dict[str, Any]) -> dict[str, Any]:
    """The company object [CO]: the account's settings as v2 names them."""
    return {
        "base_uri": f"https://{account['subdomain']}.harvestapp.com",
        "full_domain": f"{account['subdomain']}.harvestapp.com",
        "name": account["name"],
        "is_active": True,
        "week_start_day": account["week_start_day"],
        "wants_timestamp_timers": bool(account["timestamp_timers"]),
        "time_format": account["time_format"],
        "date_format": "%Y-%m-%d",
        "plan_type": account["plan_type"],
        "clock": account["clock"],
        "currency_code_display": "iso_code_none",
        "currency_symbol_display": "symbol_before",
        "decimal_symbol": ".",
        "thousands_separator": ",",
        "color_scheme": "orange",
        "weekly_capacity": account["weekly_capacity"],
        "expense_feature": True,
        "invoice_feature": True,
        "estimate_feature": False,
        "approval_feature": True,
        "team_feature": True,
    }


# -- clients, projects, tasks and assignments --------------------------------------------------


def client(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "is_active": bool(row["active"]),
            "address": row["details"], "statement_key": None,
            "currency": currency_code(row["currency"]),
            "created_at": stamp(row["created_at"]), "updated_at": stamp(row["updated_at"])}


def project(row: dict[str, Any], owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "name": row["name"], "code": row["code"] or None,
        "is_active": bool(row["active"]), "is_billable": bool(row["billable"]),
        "is_fixed_fee": False, "bill_by": row["bill_by"], "hourly_rate": row["hourly_rate"],
        "budget": row["budget"], "budget_by": row["budget_by"], "budget_is_monthly": False,
        "notify_when_over_budget": False, "over_budget_notification_percentage": 80.0,
        "show_budget_to_all": False, "cost_budget": None, "cost_budget_include_expenses": False,
        "fee": None, "notes": row["notes"] or "", "starts_on": None, "ends_on": None,
        "over_budget_notification_date": None,
        "created_at": stamp(row["created_at"]), "updated_at": stamp(row["updated_at"]),
        "client": client_ref(owner),
    }


def task(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"],
            "billable_by_default": bool(row["billable_by_default"]),
            "default_hourly_rate": row["default_hourly_rate"], "is_default": bool(row["is_default"]),
            "is_active": not row["deactivated"],
            "created_at": stamp(row["created_at"]), "updated_at": stamp(row["updated_at"])}


def task_assignment(row: dict[str, Any], look: Lookup, *, with_project: bool = True
                    ) -> dict[str, Any]:
    """A task assignment; inactive when it or its task is archived."""
    task_row = look.tasks[row["task_id"]]
    body: dict[str, Any] = {"id": row["id"]}
    if with_project:
        body["project"] = project_ref(look.projects[row["project_id"]])
    body.update({
        "task": {"id": task_row["id"], "name": task_row["name"]},
        "is_active": not row["deactivated"] and not task_row["deactivated"],
        "billable": bool(row["billable"]), "hourly_rate": row["hourly_rate"],
        "budget": row["budget"],
        "created_at": stamp(row["created_at"]), "updated_at": stamp(row["updated_at"]),
    })
    return body


def user_assignment(row: dict[str, Any], look: Lookup) -> dict[str, Any]:
    return {"id": row["id"], "project": project_ref(look.projects[row["project_id"]]),
            "user": user_ref(look.users[row["user_id"]]), "is_active": not row["deactivated"],
            "is_project_manager": bool(row["is_project_manager"]),
            "use_default_rates": row["hourly_rate"] is None, "hourly_rate": row["hourly_rate"],
            "budget": None,
            "created_at": stamp(row["created_at"]), "updated_at": stamp(row["updated_at"])}


def project_assignment(row: dict[str, Any], look: Lookup) -> dict[str, Any]:
    """One of ``/users/me/project_assignments`` [PA]: a user assignment with its project,
    client and every task assignment of the project (inactive ones flagged, not left out)."""
    project_row = look.projects[row["project_id"]]
    tasks = sorted((ta for (pid, _), ta in look.task_assignments.items() if pid == project_row["id"]),
                   key=lambda ta: ta["id"])
    return {
        "id": row["id"], "is_project_manager": bool(row["is_project_manager"]),
        "is_active": not row["deactivated"], "use_default_rates": row["hourly_rate"] is None,
        "budget": None,
        "created_at": stamp(row["created_at"]), "updated_at": stamp(row["updated_at"]),
        "hourly_rate": row["hourly_rate"],
        "project": project_ref(project_row),
        "client": client_ref(look.clients[project_row["client_id"]]),
        "task_assignments": [task_assignment(ta, look, with_project=False) for ta in tasks],
    }


# -- expenses -----------------------------------------------------------------------------------


def expense_category(row: dict[str, Any]) -> dict[str, Any]:
    """The expense category object [EX]: active unless v1 deactivated it; the unit price as
    stored (finer than cents: 0.655 a mile)."""
    return {"id": row["id"], "name": row["name"], "unit_name": row["unit_name"],
            "unit_price": row["unit_price"], "is_active": not row["deactivated"],
            "created_at": stamp(row["created_at"]), "updated_at": stamp(row["updated_at"])}


def expense(row: dict[str, Any], look: Lookup) -> dict[str, Any]:
    """The expense object [EX]; locked when approved (assumption, as time entries)."""
    project_row = look.projects[row["project_id"]]
    category = look.categories[row["expense_category_id"]]
    assignment = look.user_assignments.get((row["project_id"], row["user_id"]))
    closed = bool(row["is_closed"])
    return {
        "id": row["id"],
        "notes": row["notes"] or None,
        "total_cost": decimal(row["total_cost"]),
        "units": row["units"],
        "is_closed": closed,
        "approval_status": "approved" if closed else "unsubmitted",
        "is_locked": closed,
        "is_billed": bool(row["is_billed"]),
        "locked_reason": "Item Approved and Locked for this Time Period" if closed else None,
        "spent_date": day(row["spent_at"]),
        "created_at": stamp(row["created_at"]),
        "updated_at": stamp(row["updated_at"]),
        "billable": bool(row["billable"]),
        "receipt": None,
        "user": user_ref(look.users[row["user_id"]]),
        "user_assignment": None if assignment is None else {
            "id": assignment["id"], "is_project_manager": bool(assignment["is_project_manager"]),
            "is_active": not assignment["deactivated"], "budget": None,
            "created_at": stamp(assignment["created_at"]),
            "updated_at": stamp(assignment["updated_at"]),
            "hourly_rate": assignment["hourly_rate"]},
        "project": project_ref(project_row),
        "expense_category": {"id": category["id"], "name": category["name"],
                             "unit_price": category["unit_price"],
                             "unit_name": category["unit_name"]},
        "client": client_ref(look.clients[project_row["client_id"]]),
        "invoice": None,
    }
