"""The account's things over v2: projects, people, clients, tasks, expense categories.

Reads are cached briefly (see ``cache``); project writes forget every cached project read.
``/projects``, ``/clients`` and ``/tasks`` need an administrator or a permitted manager; a
member sees projects only through their own project assignments (v2-notes §9). So when v2
answers 403 there, the member's assignments answer instead: "every project the caller may
see" is, for a member, exactly those.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from bot.harvest import bodies_v2, parse_v2
from bot.harvest.calls_v2 import V2Calls
from bot.harvest.errors import Forbidden, NotFound
from bot.harvest.models import (
    Client,
    ExpenseCategory,
    Person,
    Project,
    Task,
    TaskAssignment,
)

T = TypeVar("T")


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


H = TypeVar("H", bound=_HasId)


class ResourcesV2Calls(V2Calls):
    """Mixed into ``HarvestV2Client``."""

    # --- a member's view: what v2 refuses them, read from their assignments -----------------
    # One rule for projects, clients and tasks (see above), so the three cannot drift apart.

    def _all_or_assigned(
        self, kind: str, load: Callable[[], tuple[T, ...]], assigned: Callable[[], tuple[T, ...]]
    ) -> tuple[T, ...]:
        """``load()``'s list, or where v2 refuses it (403), ``assigned()``: cached as ``kind``."""

        def either() -> tuple[T, ...]:
            try:
                return load()
            except Forbidden:
                return assigned()

        return self._cached((kind,), either)

    def _one_or_assigned(
        self,
        key: tuple[str, int],
        load: Callable[[], H],
        assigned: Callable[[], tuple[H, ...]],
        missing: str,
    ) -> H:
        """``load()``'s one thing, or where v2 refuses it (403), the one of ``assigned()`` with
        the key's id; NotFound (saying ``missing``) if the member has none such."""

        def either() -> H:
            try:
                return load()
            except Forbidden as refused:
                for found in assigned():
                    if found.id == key[1]:
                        return found
                raise NotFound(missing, method="GET", path=refused.path, status=404) from refused

        return self._cached(key, either)

    # --- assignments (what a person may log time to) ----------------------------------------

    def assigned_projects(self, user_id: int | None = None) -> tuple[Project, ...]:
        """The projects, with active tasks, a person (default: the caller) may log time to.

        :raises Forbidden: another person's, unless an administrator or their manager.
        """
        path = (
            "/users/me/project_assignments"
            if user_id is None
            else f"/users/{user_id}/project_assignments"
        )
        return self._cached(
            ("projects", "assigned", user_id),
            lambda: self._list(path, "project_assignments", parse_v2.assigned_projects),
        )

    # --- projects ----------------------------------------------------------------------------

    def projects(self) -> tuple[Project, ...]:
        """Every project the caller may see (a member: their assigned projects)."""
        return self._all_or_assigned(
            "projects",
            lambda: self._list("/projects", "projects", parse_v2.projects),
            self.assigned_projects,
        )

    def project(self, project_id: int) -> Project:
        """One project. :raises NotFound:"""
        return self._one_or_assigned(
            ("projects", project_id),
            lambda: self._get(f"/projects/{project_id}", parse_v2.project),
            self.assigned_projects,
            "no such project among yours",
        )

    def create_project(
        self,
        name: str,
        client_id: int,
        *,
        code: str = "",
        notes: str = "",
        active: bool = True,
        billable: bool = False,
        bill_by: str = "none",
        budget: float | None = None,
        budget_by: str = "none",
    ) -> Project:
        body = bodies_v2.project_fields(
            name=name,
            client_id=client_id,
            code=code,
            notes=notes,
            active=active,
            billable=billable,
            bill_by=bill_by,
            budget=budget,
            budget_by=budget_by,
        )
        return self._write_project("POST", "/projects", body, idempotent=False)

    def update_project(
        self,
        project_id: int,
        *,
        name: str | None = None,
        client_id: int | None = None,
        code: str | None = None,
        notes: str | None = None,
        billable: bool | None = None,
        bill_by: str | None = None,
        budget: float | None = None,
        budget_by: str | None = None,
    ) -> Project:
        body = bodies_v2.project_fields(
            name=name,
            client_id=client_id,
            code=code,
            notes=notes,
            billable=billable,
            bill_by=bill_by,
            budget=budget,
            budget_by=budget_by,
        )
        return self._write_project("PATCH", f"/projects/{project_id}", body, idempotent=True)

    def toggle_project(self, project_id: int) -> Project:
        """Archive or reactivate: v2 has no toggle, so read ``is_active`` and set the opposite.

        Setting a value (not flipping one) makes the PATCH safe to repeat.
        """
        current = self._get(f"/projects/{project_id}", parse_v2.project)
        body = bodies_v2.project_fields(active=not current.active)
        return self._write_project("PATCH", f"/projects/{project_id}", body, idempotent=True)

    def _write_project(self, method: str, path: str, body: bytes, *, idempotent: bool) -> Project:
        """Send a project write and read the project it answers with; cached project reads
        are forgotten even when it fails, since a failed write may still have landed."""
        try:
            reply = self._send(method, path, body=body, idempotent=idempotent)
        finally:
            self._cache.invalidate("projects")
        return reply.read(parse_v2.project)

    def delete_project(self, project_id: int) -> None:
        try:
            self._send("DELETE", f"/projects/{project_id}", idempotent=True)
        finally:
            self._cache.invalidate("projects")

    def task_assignments(self, project_id: int) -> tuple[TaskAssignment, ...]:
        return self._cached(
            ("projects", "task_assignments", project_id),
            lambda: self._list(
                f"/projects/{project_id}/task_assignments",
                "task_assignments",
                lambda records: parse_v2.task_assignments(records, project_id),
            ),
        )

    # --- people, clients, tasks --------------------------------------------------------------

    def people(self) -> tuple[Person, ...]:
        return self._cached(("people",), lambda: self._list("/users", "users", parse_v2.people))

    def person(self, user_id: int) -> Person:
        return self._cached(
            ("people", user_id), lambda: self._get(f"/users/{user_id}", parse_v2.person)
        )

    def clients(self) -> tuple[Client, ...]:
        """Every client of the account (a member: the clients of their assigned projects)."""
        return self._all_or_assigned(
            "clients",
            lambda: self._list("/clients", "clients", parse_v2.clients),
            self._assigned_clients,
        )

    def client(self, client_id: int) -> Client:
        return self._one_or_assigned(
            ("clients", client_id),
            lambda: self._get(f"/clients/{client_id}", parse_v2.client),
            self._assigned_clients,
            "no such client among your projects'",
        )

    def _assigned_clients(self) -> tuple[Client, ...]:
        found: dict[int, Client] = {}
        for project in self.assigned_projects():
            if project.client_id is not None and project.client_id not in found:
                found[project.client_id] = Client(project.client_id, project.client_name or "")
        return tuple(found.values())

    def tasks(self) -> tuple[Task, ...]:
        """Every task of the account (a member: the tasks of their assigned projects)."""
        return self._all_or_assigned(
            "tasks", lambda: self._list("/tasks", "tasks", parse_v2.tasks), self._assigned_tasks
        )

    def _assigned_tasks(self) -> tuple[Task, ...]:
        found: dict[int, Task] = {}
        for project in self.assigned_projects():
            for task in project.tasks:
                found.setdefault(task.id, task)
        return tuple(found.values())

    def expense_categories(self) -> tuple[ExpenseCategory, ...]:
        return self._cached(
            ("expense_categories",),
            lambda: self._list(
                "/expense_categories", "expense_categories", parse_v2.expense_categories
            ),
        )
