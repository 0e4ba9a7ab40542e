"""Who may do what on v2: ``access_roles`` from the store's v1 roles, and the v2 permission rules.

The store keeps v1's roles (``is_admin``, ``is_project_manager``); v2 names them ``administrator``,
``manager`` and ``member`` [US], and a manager may hold extra access roles, kept in
``users.manager_permissions`` (the demo's Basil holds ``time_and_expenses_manager``).

Assumptions where the v2 pages are silent or the emulator has no model:

- No "assigned teammates": a manager's reach is the projects they manage (``user_assignments``
  with ``is_project_manager``). So managers see their own time and expenses plus everything on
  their managed projects; ``/v2/users`` and ``/v2/users/{id}/project_assignments``, which need
  "a Manager with assigned teammates", answer 403 to managers.
- Acting for someone else (``user_id`` on create; editing, stopping, restarting or deleting
  their entries): administrators always; managers holding ``time_and_expenses_manager`` on
  projects they manage [TE, SUP]; nobody else.
- Seeing rates (``billable_rate``, ``cost_rate``, a report's ``currency`` and
  ``billable_amount``): administrators, and managers holding ``billable_rates_manager``.
- ``/v2/clients`` and ``/v2/tasks``: administrators and managers holding
  ``client_and_task_manager`` [CL, TK].
"""

from __future__ import annotations

from typing import Any

from emulator.store import Store

ADMIN, MANAGER, MEMBER = "administrator", "manager", "member"
TIME_AND_EXPENSES = "time_and_expenses_manager"
RATES = "billable_rates_manager"
CLIENTS_AND_TASKS = "client_and_task_manager"
MANAGER_PERMISSIONS = ("project_creator", RATES, "managed_projects_invoice_drafter",
                       "managed_projects_invoice_manager", CLIENTS_AND_TASKS, TIME_AND_EXPENSES,
                       "estimates_manager")


def access_roles(user: dict[str, Any]) -> list[str]:
    """``["administrator"]``, ``["manager", <its extra roles>…]`` or ``["member"]``."""
    if user["is_admin"]:
        return [ADMIN]
    if user["is_project_manager"]:
        extras = (user.get("manager_permissions") or "").split()
        return [MANAGER, *[name for name in MANAGER_PERMISSIONS if name in extras]]
    return [MEMBER]


def is_admin(user: dict[str, Any]) -> bool:
    return bool(user["is_admin"])


def is_manager(user: dict[str, Any]) -> bool:
    return not user["is_admin"] and bool(user["is_project_manager"])


def holds(user: dict[str, Any], permission: str) -> bool:
    """An administrator holds every permission; a manager the extra roles they were given."""
    return is_admin(user) or (is_manager(user) and permission in access_roles(user))


def sees_rates(user: dict[str, Any]) -> bool:
    return holds(user, RATES)


def managed_projects(store: Store, user: dict[str, Any]) -> set[int]:
    if not is_manager(user):
        return set()
    rows = store.all("SELECT project_id FROM user_assignments WHERE user_id = ? "
                     "AND is_project_manager = 1", user["id"])
    return {row["project_id"] for row in rows}


def sees_all(user: dict[str, Any]) -> bool:
    return is_admin(user)


def visible(store: Store, user: dict[str, Any], owner_id: int, project_id: int) -> bool:
    """May ``user`` see a time entry or an expense of ``owner_id`` on ``project_id``?"""
    return (is_admin(user) or owner_id == user["id"]
            or project_id in managed_projects(store, user))


def acts_for(store: Store, user: dict[str, Any], owner_id: int, project_id: int) -> bool:
    """May ``user`` create or change time of ``owner_id`` on ``project_id``?"""
    if is_admin(user) or owner_id == user["id"]:
        return True
    return holds(user, TIME_AND_EXPENSES) and project_id in managed_projects(store, user)


def visibility_sql(store: Store, user: dict[str, Any], alias: str = "e") -> tuple[str, list[Any]]:
    """A SQL condition (on ``{alias}.user_id``/``{alias}.project_id``) for what ``user`` sees."""
    if is_admin(user):
        return "1 = 1", []
    managed = sorted(managed_projects(store, user))
    if not managed:
        return f"{alias}.user_id = ?", [user["id"]]
    marks = ", ".join("?" for _ in managed)
    return f"({alias}.user_id = ? OR {alias}.project_id IN ({marks}))", [user["id"], *managed]
