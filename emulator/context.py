"""What a route handler gets: the caller, the merged parameters and how to answer.

Handlers are plain functions ``handler(ctx) -> Reply`` registered with :func:`route`; they raise
:class:`emulator.errors.ApiError` subclasses to refuse. Authentication, the throttle and the
response format are settled before a handler runs, so handlers hold only Harvest's rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from emulator.codec import Node
from emulator.errors import Forbidden, NotFound
from emulator.params import Params

if TYPE_CHECKING:
    from emulator.server import Emulator


@dataclass
class Reply:
    """A handler's answer: status, body tree (rendered in the negotiated format) and headers."""

    body: Node | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a body already rendered (HTML pages, OAuth JSON)
    content_type: str | None = None


@dataclass
class Ctx:
    emulator: Emulator
    method: str
    path: str
    params: Params
    path_params: dict[str, str]
    user: dict[str, Any] | None
    fmt: str
    headers: dict[str, str]

    @property
    def store(self):  # noqa: ANN201 - the Store; typed loosely to avoid an import cycle
        return self.emulator.store

    def now(self) -> datetime:
        return self.emulator.clock.now()

    @property
    def me(self) -> dict[str, Any]:
        assert self.user is not None, "route declared public but reads the caller"
        return self.user

    @property
    def is_admin(self) -> bool:
        return bool(self.me["is_admin"])

    @property
    def is_pm(self) -> bool:
        return bool(self.me["is_project_manager"])

    def path_int(self, name: str) -> int:
        """A numeric path segment; anything else is a 404, as Rails' routes answered."""
        value = self.path_params.get(name, "")
        if not value.isdigit() or len(value) > 18:
            raise NotFound()
        return int(value)

    def require_admin(self) -> None:
        """:raises Forbidden: the caller is not an administrator."""
        if not self.is_admin:
            raise Forbidden("Only administrators may do this")

    def managed_project_ids(self) -> set[int]:
        rows = self.store.all(
            "SELECT project_id FROM user_assignments WHERE user_id = ? AND is_project_manager = 1",
            self.me["id"],
        )
        return {row["project_id"] for row in rows}

    def timesheet_user(self) -> dict[str, Any]:
        """Whose timesheet a time-tracking call works on: the caller, or ``of_user`` for admins.

        :raises Forbidden: ``of_user`` from someone who is not an administrator.
        :raises NotFound: ``of_user`` names nobody.
        """
        other = self.params.int("of_user")
        if other is None or other == self.me["id"]:
            return self.me
        if not self.is_admin:
            raise Forbidden("Only administrators may work with another person's timesheet")
        user = self.store.one("SELECT * FROM users WHERE id = ?", other)
        if user is None:
            raise NotFound("No such user")
        return user


Handler = Callable[[Ctx], Reply]


@dataclass(frozen=True)
class RouteSpec:
    path: str
    methods: tuple[str, ...]
    handler: Handler
    public: bool = False  # no authentication (OAuth pages)
    throttled: bool = True


class Routes:
    """A module's routes, collected by decorator so each module lists its own."""

    def __init__(self) -> None:
        self.specs: list[RouteSpec] = []

    def __call__(self, path: str, *methods: str, public: bool = False,
                 throttled: bool = True) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.specs.append(RouteSpec(path, tuple(methods or ("GET",)), handler, public, throttled))
            return handler

        return register
