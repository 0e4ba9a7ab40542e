"""``harvest-bot``: the command line.

Sub-commands are added as the capabilities behind them land; each is a thin shell over a
function that a test can call directly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence


def _emulator(args: argparse.Namespace) -> int:
    # The CLI is the one place in bot/ allowed to start the emulator (demo and offline use).
    from emulator.runner import serve

    seed = None if args.seed == "none" else args.seed
    serve(args.host, args.port, args.db, seed)
    return 0


def _manifest(args: argparse.Namespace) -> int:
    import yaml  # type: ignore[import-untyped]

    from bot.config import ConfigError, load_settings, manifest_for_slack

    env = dict(os.environ)
    if args.public_url:
        env["HARVEST_BOT_PUBLIC_URL"] = args.public_url
    try:
        manifest = manifest_for_slack(load_settings(args.config, env), socket_mode=args.socket)
    except ConfigError as error:
        print(error, file=sys.stderr)
        print("(pass --public-url https://… or, for Socket Mode, --socket)", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(manifest, indent=2, ensure_ascii=False))
    else:
        print(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100), end="")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, load_settings, require_for_serve
    from bot.secrets import SecretKeyError

    try:
        settings = load_settings(args.config)
        require_for_serve(settings, socket_mode=args.socket)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    from bot.web import serve

    try:
        return serve(settings, socket_mode=args.socket, host=args.host, port=args.port)
    except SecretKeyError as error:
        print(error, file=sys.stderr)
        return 2


def _console(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, load_settings
    from bot.console.terminal import run_console

    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    if not settings.slack.signing_secret:
        print("SLACK_SIGNING_SECRET (the app's) is needed to sign the console's requests",
              file=sys.stderr)
        return 2
    app_url = args.app_url or f"http://{settings.http.host}:{settings.http.port}"
    try:
        return run_console(settings, app_url, sys.stdin, sys.stdout, slack_port=args.slack_port,
                           user=args.user)
    except OSError as error:
        print(error, file=sys.stderr)
        return 1


def _demo(args: argparse.Namespace) -> int:
    # The CLI starts the emulator (bot.demo itself imports nothing from emulator/).
    from bot.demo import DemoError, DemoHarvest, run_demo
    from emulator.runner import running_emulator

    with running_emulator("demo") as harvest:
        passwords = {login.email.lower(): login.password for login in harvest.info.logins.values()}
        try:
            return run_demo(DemoHarvest(harvest.base_url, harvest.coop_url, passwords),
                            sys.stdin, sys.stdout, user=args.user)
        except DemoError as error:
            print(error, file=sys.stderr)
            return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harvest-bot", description="Harvest time tracking in Slack, and its offline Harvest.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    emulator = commands.add_parser(
        "emulator", help="serve the Harvest API emulator: v1, v2, Harvest ID and Co-op (demo data by default)",
        description="Serve a Harvest API emulator (v1 at /, v2 at /v2, Harvest ID at /id, Co-op at /coop) that Harvest clients can be pointed at unchanged.")
    emulator.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    emulator.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    emulator.add_argument("--db", default="harvest-emulator.sqlite",
                          help="SQLite file that keeps the account (default harvest-emulator.sqlite;"
                               " ':memory:' keeps nothing)")
    emulator.add_argument("--seed", choices=["demo", "empty", "none"], default="demo",
                          help="data for a new database (default demo; an existing one is kept)")
    emulator.set_defaults(run=_emulator)

    manifest = commands.add_parser(
        "manifest", help="print the Slack app manifest (for \"Create an app > From a manifest\")",
        description="Print the manifest part of app.yaml as Slack takes it, its URLs pointing at "
                    "the public URL (--public-url or HARVEST_BOT_PUBLIC_URL).")
    manifest.add_argument("--public-url", help="https://… where Slack reaches the bot")
    manifest.add_argument("--socket", action="store_true",
                          help="for Socket Mode: no request URLs, socket_mode_enabled: true")
    manifest.add_argument("--json", action="store_true", help="JSON instead of YAML")
    manifest.add_argument("--config", help="app.yaml to read (default: $HARVEST_BOT_CONFIG or the"
                                           " repository's)")
    manifest.set_defaults(run=_manifest)

    serve = commands.add_parser(
        "serve", help="run the Slack app (HTTP under uvicorn, or --socket for Socket Mode)",
        description="Run harvest-bot: settings from app.yaml and the environment "
                    "(SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, HARVEST_BASE_URL, ...).")
    serve.add_argument("--host", help="address to listen on (default: bot.http.host)")
    serve.add_argument("--port", type=int, help="port (default: bot.http.port)")
    serve.add_argument("--socket", action="store_true",
                       help="Socket Mode over the app-level token (SLACK_APP_TOKEN), no public URL")
    serve.add_argument("--config", help="app.yaml to read (default: $HARVEST_BOT_CONFIG or the"
                                        " repository's)")
    serve.set_defaults(run=_serve)

    console = commands.add_parser(
        "console", help="be a Slack user at a prompt, talking to a running app",
        description="A local Slack for a running app: type /harvest … as a demo person; the "
                    "requests are signed with SLACK_SIGNING_SECRET, and what the app posts to "
                    "the local Slack Web API (run the app with SLACK_API_URL pointing at it) is "
                    "printed as text. Lines can be piped in.")
    console.add_argument("--app-url", help="the app's URL (default http://bot.http.host:port)")
    console.add_argument("--slack-port", type=int, default=3001,
                         help="port of the local Slack Web API (default 3001)")
    console.add_argument("--user", help="demo person to start as (default the first)")
    console.add_argument("--config", help="app.yaml to read (default: $HARVEST_BOT_CONFIG or the"
                                          " repository's)")
    console.set_defaults(run=_console)

    demo = commands.add_parser(
        "demo", help="try it all here: Harvest emulator + the app + a local Slack console",
        description="Start the Harvest emulator with its demo account, the app and a local "
                    "Slack on loopback, with the demo people already linked, and a console to "
                    "type /harvest … in. Nothing to configure; nothing is kept.")
    demo.add_argument("--user", help="demo person to start as (sybil, basil, polly, manuel)")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
