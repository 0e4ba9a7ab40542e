"""``harvest-bot demo``: the app, a local Slack and the console, all on loopback, in front of a
Harvest the caller provides (the CLI starts the emulator with its demo account).

Nothing to configure: a temporary directory holds the SQLite database and the key file, the
signing secret and bot token are made up for the run, the app's Slack API URL is the local
Slack's, and the demo's Slack people (``bot.demo`` in ``app.yaml``) are linked to the Harvest
people with their email through the app's own :class:`~bot.accounts.Accounts`, so that
``/harvest start website / design`` works at once. Everything stops, and the directory goes,
when the context exits.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.accounts import HarvestClients
from bot.config import Settings, load_settings
from bot.console.lines import LineError
from bot.console.session import ConsoleSession, Person
from bot.console.terminal import EVENTS_PATH, lines_from
from bot.localslack.server import LocalSlack
from bot.localslack.serving import Background
from bot.localslack.signing import SlackSigner
from bot.services import Services, build_services


class DemoError(Exception):
    """The demo could not be set up."""


@dataclass(frozen=True)
class DemoHarvest:
    """The Harvest behind the demo: its URLs, and each demo person's password by email."""

    base_url: str
    coop_url: str
    passwords: Mapping[str, str]


@dataclass
class Demo:
    """A running demo: what a console session (or a test) needs to reach."""

    settings: Settings
    services: Services
    slack: LocalSlack
    signer: SlackSigner
    app_url: str
    people: tuple[Person, ...]
    linked: tuple[Person, ...]

    @property
    def events_url(self) -> str:
        return self.app_url + EVENTS_PATH

    def session(self, out: TextIO, *, user: str | None = None, first_wait: float = 10.0,
                quiet: float = 0.4) -> ConsoleSession:
        """A console session as ``user`` (a demo person's name; default the first).

        :raises LineError: no demo person goes by ``user``.
        """
        session = ConsoleSession(self.slack, self.signer, self.events_url, self.people, out,
                                 first_wait=first_wait, quiet=quiet)
        if user:
            session.become(user)
        return session


def demo_environment(harvest: DemoHarvest, slack_api_url: str, directory: Path) -> dict[str, str]:
    """The settings of one demo run, as environment variables (nothing read from the machine)."""
    return {
        "SLACK_SIGNING_SECRET": secrets.token_hex(16),
        "SLACK_BOT_TOKEN": f"xoxb-demo-{secrets.token_hex(12)}",
        "SLACK_API_URL": slack_api_url,
        "HARVEST_BASE_URL": harvest.base_url,
        "HARVEST_COOP_URL": harvest.coop_url,
        "HARVEST_BOT_DATABASE": str(directory / "harvest-bot.sqlite"),
        "HARVEST_BOT_SECRET_KEY_FILE": str(directory / "secret.key"),
    }


@contextmanager
def running_demo(harvest: DemoHarvest, *, config: Path | None = None) -> Iterator[Demo]:
    """Start the local Slack and the app, link the demo people; stop both and forget all on exit.

    :raises DemoError: ``app.yaml`` names no demo people, or Harvest refused every one of them.
    """
    from bot.web import create_asgi  # the app and its handlers load only when a demo runs

    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="harvest-bot-demo-")))
        demo_settings = load_settings(config, env={}).demo
        people = tuple(Person(u.user_id, u.name, u.email, u.timezone) for u in demo_settings.users)
        if not people:
            raise DemoError("app.yaml names no demo people (bot.demo.users)")
        slack = LocalSlack(team_id=demo_settings.team_id, team_name=demo_settings.team_name)
        stack.enter_context(slack)
        for person in people:
            slack.add_user(person.user_id, name=person.name, email=person.email, tz=person.timezone)
        env = demo_environment(harvest, slack.base_url, directory)
        settings = load_settings(config, env=env)
        clients = HarvestClients(settings.harvest.coop_url or None)
        stack.callback(clients.close)  # after services.close: the pools outlive their users
        services = build_services(settings, env=env, clients=clients)
        stack.callback(services.close)
        linked = _link(services, settings, harvest, people)
        app = Background(create_asgi(settings, services), name="harvest-bot", lifespan="on")
        stack.callback(app.stop)
        app.start()
        signer = SlackSigner(env["SLACK_SIGNING_SECRET"], team_id=settings.demo.team_id)
        yield Demo(settings, services, slack, signer, app.url, people, linked)


def _link(services: Services, settings: Settings, harvest: DemoHarvest,
          people: tuple[Person, ...]) -> tuple[Person, ...]:
    """Link each demo person Harvest knows by email, as ``/harvest connect`` would."""
    linked = []
    for person in people:
        password = harvest.passwords.get(person.email.lower())
        if password is None:
            continue
        services.accounts.link_basic(settings.demo.team_id, person.user_id, harvest.base_url,
                                     person.email, password, timezone=person.timezone)
        linked.append(person)
    if not linked:
        raise DemoError("none of the demo people is a Harvest person of the demo account")
    return tuple(linked)


def run_demo(harvest: DemoHarvest, stdin: TextIO, out: TextIO, *, user: str | None = None,
             config: Path | None = None) -> int:
    """The demo with a console on ``stdin`` and ``out``, until ``:quit`` or end of input.

    :raises DemoError: see :func:`running_demo`.
    """
    with running_demo(harvest, config=config) as demo:
        out.write("\n".join(banner(demo, harvest)) + "\n")
        try:
            session = demo.session(out, user=user)
        except LineError as error:
            out.write(f"{error}\n")
            return 2
        with session:
            session.greet()
            typed, echo = lines_from(stdin, session)
            session.run(typed, echo=echo)
    return 0


def banner(demo: Demo, harvest: DemoHarvest) -> list[str]:
    """What the demo says about itself before the first prompt."""
    names = ", ".join(p.name for p in demo.linked)
    return [
        "harvest-bot demo: everything runs here, on loopback; :quit (or end of input) stops it.",
        f"  Harvest (emulator)  {harvest.base_url}",
        f"  the app             {demo.app_url}",
        f"  Slack (local)       {demo.slack.base_url}",
        f"  linked to Harvest   {names}",
    ]
