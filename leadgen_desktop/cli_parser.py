"""The arguments of ``leadgen``: its subcommands and flags, each checked with a message saying how to fix it.

Building the parser imports no command's code: ``leadgen run --help`` (and any usage error)
answers without loading the pipeline, the database or the network.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from leadgen_desktop import __version__
from leadgen_desktop.domain import (
    AREA_EXAMPLE,
    AREA_FORMAT,
    MAX_RESULTS_RANGE,
    PROVIDERS,
    Area,
    AreaError,
    HunterMode,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130


class UsageError(Exception):
    """Bad input: reported in one line, exit code 2, nothing started."""


class CommandParser(argparse.ArgumentParser):
    """``argparse`` saying ``leadgen: error: ...`` with exit code 2, and taking negative numbers as values."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "-33.9,151.1,-33.7,151.3" is a value (an area in the south), not an option
        self._negative_number_matcher = re.compile(r"^-\d")

    def error(self, message: str) -> NoReturn:
        """Say what was wrong and where the help is; exit 2."""
        self.exit(EXIT_USAGE, f"leadgen: error: {message}\n(see 'leadgen {self._sub_hint()}--help')\n")

    def _sub_hint(self) -> str:
        parts = self.prog.split()[1:]
        return " ".join(parts) + " " if parts else ""


def _int_in(low: int, high: int, name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be between {low} and {high}, got {value}")
        return value

    return parse


def _budget(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--budget must be an amount in USD, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"--budget must be zero or more, got {text!r}")
    return value


def _area(text: str) -> Area:
    try:
        return Area.parse(text)
    except AreaError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``leadgen`` (subcommands run, campaigns, export, keys, worker, db-password)."""
    parser = CommandParser(prog="leadgen", description="Find local-business leads with verified emails.")
    parser.add_argument("--version", action="version", version=f"leadgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)
    _add_run(sub)

    resume = sub.add_parser("resume", help="continue an interrupted job where it stopped")
    resume.add_argument("job_id")
    resume.add_argument("--budget", type=_budget, default=None, help="raise (or set) the job's budget in USD")
    resume.add_argument("--db", default=None)
    resume.add_argument("--json", action="store_true")

    campaigns = sub.add_parser("campaigns", help="list campaigns, newest first")
    campaigns.add_argument("--db", default=None)
    campaigns.add_argument("--json", action="store_true")

    export = sub.add_parser("export", help="export a campaign's leads to CSV")
    export.add_argument("campaign_id")
    export.add_argument("--output", type=Path, required=True)
    export.add_argument("--db", default=None)

    _add_team_commands(sub)

    keys = sub.add_parser("keys", help="manage API keys in the OS keychain")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, parser_class=CommandParser)
    keys_sub.add_parser("status", help="which providers have a key, and where it comes from")
    for name, text in (("set", "store a key (read without echo, or from stdin)"), ("delete", "remove a key")):
        action = keys_sub.add_parser(name, help=text)
        action.add_argument("provider", choices=PROVIDERS)
    return parser


def _add_run(sub: Any) -> None:
    run = sub.add_parser("run", help="run a campaign")
    run.add_argument("--business-type", required=True, help='e.g. "dentist"')
    run.add_argument("--location", required=True, help='e.g. "Austin, TX"')
    run.add_argument("--keywords", default="")
    run.add_argument(
        "--area",
        type=_area,
        default=None,
        metavar=AREA_FORMAT,
        help=f"the rectangle to cover, in degrees (e.g. {AREA_EXAMPLE}); default: the location's own area",
    )
    run.add_argument("--max-results", type=_int_in(*MAX_RESULTS_RANGE, "--max-results"), default=20)
    run.add_argument("--min-score", type=_int_in(0, 100, "--min-score"), default=50)
    run.add_argument("--budget", type=_budget, default=None, help="USD ceiling for paid calls")
    run.add_argument("--no-verify", action="store_true", help="do not verify found emails")
    modes = [mode.value for mode in HunterMode]
    run.add_argument("--hunter", choices=modes, help="when to pay for Hunter's search: always, fallback "
        "(only where the website shows no address; default: Settings' mode) or never")  # fmt: skip
    run.add_argument("--demo", action="store_true", help="use offline demo data (costs nothing)")
    run.add_argument("--output", type=Path, default=None, help="write the leads to this CSV file")
    run.add_argument(
        "--db",
        default=None,
        help="database file or postgresql:// URL (default: LEADGEN_DB or the data folder)",
    )
    run.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    run.add_argument(
        "--estimate", action="store_true", help="print the worst-case and expected cost, then exit"
    )
    run.add_argument(
        "--queue", action="store_true", help="store the job as pending for 'leadgen worker' and return"
    )


def _add_team_commands(sub: Any) -> None:
    """``worker`` and ``db-password`` (run by :mod:`leadgen_desktop.cli_team`)."""
    worker = sub.add_parser("worker", help="run queued jobs of a team database (leadgen run --queue)")
    worker.add_argument("--db", default=None, help="the team database (postgresql://...; default LEADGEN_DB)")
    worker.add_argument("--once", action="store_true", help="exit once no job is pending or abandoned")
    worker.add_argument(
        "--max-jobs", type=_int_in(1, 64, "--max-jobs"), default=1, help="jobs run at once (default 1)"
    )

    password = sub.add_parser("db-password", help="store a team database's password in the OS keychain")
    action = password.add_subparsers(dest="password_command", required=True, parser_class=CommandParser)
    for name, text in (("set", "store it (read without echo, or from stdin)"), ("delete", "forget it")):
        command = action.add_parser(name, help=text)
        command.add_argument("url", help="postgresql://USER@HOST:PORT/DBNAME")
