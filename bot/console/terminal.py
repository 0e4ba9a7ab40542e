"""The console at a terminal or behind a pipe: where lines come from, and the run of
``harvest-bot console`` against an app started elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TextIO
from urllib.parse import urlsplit

from bot.config import Settings
from bot.console.lines import LineError
from bot.console.session import ConsoleSession, Person
from bot.localslack.server import LocalSlack
from bot.localslack.signing import SlackSigner

EVENTS_PATH = "/slack/events"


def prompted(prompt: Callable[[], str], read: Callable[[str], str] = input) -> Iterator[str]:
    """Lines typed at a terminal, each after ``prompt()``, until end of input."""
    while True:
        try:
            yield read(prompt())
        except EOFError:
            return


def lines_from(stdin: TextIO, session: ConsoleSession) -> tuple[Iterable[str], bool]:
    """Lines from a terminal (prompted, with line editing) or from a pipe or file, and whether
    the session should echo them (a transcript reads better with the commands in it)."""
    if stdin.isatty():
        try:
            import readline  # noqa: F401 - importing it gives input() history and editing
        except ImportError:
            pass
        return prompted(lambda: session.prompt), False
    return stdin, True


def events_url(app_url: str) -> str:
    """``http://host:port`` means its ``/slack/events``; a URL with a path is taken as it is."""
    if urlsplit(app_url).path.strip("/"):
        return app_url
    return app_url.rstrip("/") + EVENTS_PATH


def people_of(settings: Settings) -> tuple[Person, ...]:
    return tuple(Person(u.user_id, u.name, u.email, u.timezone) for u in settings.demo.users)


def run_console(settings: Settings, app_url: str, stdin: TextIO, out: TextIO, *,
                slack_port: int, user: str | None = None,
                first_wait: float = 10.0, quiet: float = 0.4) -> int:
    """Serve the local Slack on ``slack_port`` and talk to the app at ``app_url`` as the demo
    people of ``settings``, signing with its signing secret, until ``:quit`` or end of input.

    :raises OSError: ``slack_port`` is taken.
    """
    people: Sequence[Person] = people_of(settings)
    signer = SlackSigner(settings.slack.signing_secret.reveal(), team_id=settings.demo.team_id)
    with LocalSlack(team_id=settings.demo.team_id, team_name=settings.demo.team_name,
                    port=slack_port) as slack:
        out.write(f"Local Slack Web API on {slack.base_url} (start the app with "
                  f"SLACK_API_URL={slack.base_url}); the app: {events_url(app_url)}\n")
        with ConsoleSession(slack, signer, events_url(app_url), people, out,
                            first_wait=first_wait, quiet=quiet) as session:
            if user:
                try:
                    session.become(user)
                except LineError as error:
                    out.write(f"{error}\n")
                    return 2
            session.greet()
            typed, echo = lines_from(stdin, session)
            session.run(typed, echo=echo)
    return 0
