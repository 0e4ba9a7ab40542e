"""What to work on: a typed ``project / task notes`` resolved against the projects Harvest offers.

Pure: takes the offered projects (``Day.projects``, each with its tasks) and returns either a
:class:`Resolved` project and task or a :class:`Choice` carrying the candidates a picker shows.
Never an error: an unclear or unknown name is a question for the person, not a failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.harvest.models import Project, Task
from bot.parsing.commands import WorkText
from bot.parsing.matching import Candidate, MatchKind, match_leading

#: Slack's static_select takes at most 100 options.
MAX_OPTIONS = 100


@dataclass(frozen=True)
class Pair:
    """A project and one of its tasks, with the names to show."""

    project_id: int
    task_id: int
    project_name: str
    task_name: str
    client_name: str | None = None

    @property
    def label(self) -> str:
        client = f" ({self.client_name})" if self.client_name else ""
        return f"{self.project_name}{client} / {self.task_name}"


@dataclass(frozen=True)
class Resolved:
    pair: Pair
    notes: str


@dataclass(frozen=True)
class Choice:
    """The person must pick: ``reason`` says why, ``pairs`` are the options, best first."""

    reason: str
    pairs: tuple[Pair, ...]
    notes: str


def pair(project: Project, task: Task) -> Pair:
    return Pair(project.id, task.id, project.name, task.name, project.client_name)


def all_pairs(projects: Sequence[Project]) -> tuple[Pair, ...]:
    return tuple(pair(p, t) for p in projects for t in p.tasks)[:MAX_OPTIONS]


def _notes(*parts: str | None) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def resolve(work: WorkText, projects: Sequence[Project]) -> Resolved | Choice:
    """Match ``work`` against ``projects``; a :class:`Choice` when it is not clear."""
    offered = [p for p in projects if p.active and p.tasks]
    if not offered:
        return Choice("Harvest offers you no projects to track time to.", (), work.notes or "")
    if work.project is None:
        return Choice("Which project and task?", all_pairs(offered), _notes(work.task, work.notes))
    candidates = [
        Candidate(p, p.name, p.client_name or "", p.code) for p in offered
    ]
    found, rest = match_leading(work.project, candidates)
    if found.kind is MatchKind.NONE:
        return Choice(
            f"I couldn't find a project called “{work.project}”. Pick one:",
            all_pairs(offered),
            _notes(work.task if work.task else None, work.notes),
        )
    if found.kind is MatchKind.AMBIGUOUS:
        tied = [c.value for c in found.tied]
        return Choice(
            f"“{work.project}” could be {len(tied)} projects. Which one?",
            all_pairs(tied),
            _notes(rest, work.task, work.notes),
        )
    project = found.ranked[0].candidate.value
    if work.task is None:
        if len(project.tasks) == 1:
            return Resolved(pair(project, project.tasks[0]), _notes(rest, work.notes))
        return Choice(
            f"Which task on {project.name}?",
            tuple(pair(project, t) for t in project.tasks),
            _notes(rest, work.notes),
        )
    tasks = [Candidate(t, t.name) for t in project.tasks]
    found_task, task_rest = match_leading(work.task, tasks)
    notes = _notes(rest, task_rest, work.notes)
    if found_task.kind is MatchKind.UNIQUE:
        return Resolved(pair(project, found_task.ranked[0].candidate.value), notes)
    options = (
        [c.value for c in found_task.tied]
        if found_task.kind is MatchKind.AMBIGUOUS
        else list(project.tasks)
    )
    reason = (
        f"“{work.task}” could be several tasks on {project.name}. Which one?"
        if found_task.kind is MatchKind.AMBIGUOUS
        else f"{project.name} has no task called “{work.task}”. Pick one:"
    )
    return Choice(reason, tuple(pair(project, t) for t in options), notes)


def find_pair(projects: Sequence[Project], project_id: int, task_id: int) -> Pair:
    """The offered pair with these ids; a bare one when it is not offered (Harvest says why)."""
    for project in projects:
        if project.id == project_id:
            for task in project.tasks:
                if task.id == task_id:
                    return pair(project, task)
    return Pair(project_id, task_id, f"project {project_id}", f"task {task_id}")
