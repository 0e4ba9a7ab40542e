"""The extended API half of the v1 client: projects, people, clients, tasks, categories.

These lookups change rarely and are read often, so reads are cached briefly (see ``cache``);
project writes forget every cached project read.
"""

from __future__ import annotations

from bot.harvest import bodies_v1, parse_v1
from bot.harvest.calls_v1 import V1Calls
from bot.harvest.errors import Unavailable
from bot.harvest.models import (
    Client,
    ExpenseCategory,
    Person,
    Project,
    Task,
    TaskAssignment,
)
from bot.harvest.session import Reply


class ExtendedV1Calls(V1Calls):
    """Mixed into ``HarvestV1Client``."""

    # --- projects ----------------------------------------------------------------------------

    def projects(self) -> tuple[Project, ...]:
        return self._cached_get(("projects",), "/projects", parse_v1.projects)

    def project(self, project_id: int) -> Project:
        return self._cached(("projects", project_id), lambda: self._fetch_project(project_id))

    def _fetch_project(self, project_id: int) -> Project:
        return self._get(f"/projects/{project_id}", parse_v1.project)

    def _project_after(
        self, reply: Reply, project_id: int | None, method: str, path: str
    ) -> Project:
        """The project a write answered with, or a fresh read of it."""
        self._cache.invalidate("projects")
        if isinstance(reply.tree, dict | list) and reply.tree:
            return reply.read(parse_v1.project)
        project_id = reply.location_id() or project_id
        if project_id is None:
            raise Unavailable(
                "Harvest did not say which project it saved", method=method, path=path
            )
        return self._fetch_project(project_id)

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
        body = bodies_v1.project_body(
            self.format,
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
        reply = self._send("POST", "/projects", body=body, idempotent=False)
        return self._project_after(reply, None, "POST", "/projects")

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
        if client_id is None:
            # projects.txt: an update must "include client-id as part of the project".
            client_id = self._fetch_project(project_id).client_id
        body = bodies_v1.project_body(
            self.format,
            name=name,
            client_id=client_id,
            code=code,
            notes=notes,
            billable=billable,
            bill_by=bill_by,
            budget=budget,
            budget_by=budget_by,
        )
        path = f"/projects/{project_id}"
        reply = self._send("PUT", path, body=body, idempotent=True)
        return self._project_after(reply, project_id, "PUT", path)

    def toggle_project(self, project_id: int) -> Project:
        path = f"/projects/{project_id}/toggle"
        reply = self._send("POST", path, idempotent=False)
        return self._project_after(reply, project_id, "POST", path)

    def delete_project(self, project_id: int) -> None:
        try:
            self._send("DELETE", f"/projects/{project_id}", idempotent=True)
        finally:
            self._cache.invalidate("projects")

    def task_assignments(self, project_id: int) -> tuple[TaskAssignment, ...]:
        return self._cached_get(
            ("projects", "task_assignments", project_id),
            f"/projects/{project_id}/task_assignments",
            parse_v1.task_assignments,
        )

    # --- people, clients, tasks --------------------------------------------------------------

    def people(self) -> tuple[Person, ...]:
        return self._cached_get(("people",), "/people", parse_v1.people)

    def person(self, user_id: int) -> Person:
        return self._cached_get(("people", user_id), f"/people/{user_id}", parse_v1.person)

    def clients(self) -> tuple[Client, ...]:
        return self._cached_get(("clients",), "/clients", parse_v1.clients)

    def client(self, client_id: int) -> Client:
        return self._cached_get(("clients", client_id), f"/clients/{client_id}", parse_v1.client)

    def tasks(self) -> tuple[Task, ...]:
        return self._cached_get(("tasks",), "/tasks", parse_v1.tasks)

    def expense_categories(self) -> tuple[ExpenseCategory, ...]:
        return self._cached_get(
            ("expense_categories",), "/expense_categories", parse_v1.expense_categories
        )
