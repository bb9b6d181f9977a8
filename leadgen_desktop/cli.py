"""The headless ``leadgen`` command, over the same pipeline as the window.

Exit codes: 0 completed, 1 failed (the job started and failed), 2 bad usage
or input (nothing started), 130 cancelled (Ctrl-C).

Ctrl-C: the run works on a thread of its own while the main thread only waits, so a
signal is always handled at once, whatever the run is blocked on. The first Ctrl-C
cancels (the job is stored as ``cancelled``, resumable); a second one exits 130 at
once, leaving the job as it was stored so far (``leadgen resume`` continues it). The
handler takes no lock (not even a stream's, to print): all saying happens after it.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import math
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

from leadgen_desktop import __version__
from leadgen_desktop.cli_report import Progress, print_human_summary, summary_json
from leadgen_desktop.cli_team import TeamUsageError, add_team_commands, cmd_db_password, cmd_worker
from leadgen_desktop.core.billing.estimate import estimate_cost
from leadgen_desktop.core.export import ExportError, check_output_path, export_job_csv, unfinished_job_notice
from leadgen_desktop.core.jobs import JobBusy, Jobs, Resumability
from leadgen_desktop.core.run.area_mapping import AreaPreview, known_area, map_area
from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.errors import StorageError
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import (
    AREA_EXAMPLE,
    AREA_FORMAT,
    MAX_RESULTS_RANGE,
    PROVIDERS,
    Area,
    AreaError,
    CampaignConfig,
    CancelToken,
    HunterMode,
    JobFinished,
    JobStatus,
    Metrics,
    ProviderError,
    Providers,
    Waker,
)
from leadgen_desktop.keychain import ENV_VARS, PROVIDER_NAMES, ApiKeyStore
from leadgen_desktop.logging_setup import configure_logging
from leadgen_desktop.net.http import ConfigError
from leadgen_desktop.paths import log_dir
from leadgen_desktop.settings import AppSettings, load_settings
from leadgen_desktop.wiring import build_pipeline, build_providers, close_stores, demo_requested, open_store

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130


class UsageError(Exception):
    """Bad input: reported in one line, exit code 2, nothing started."""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # "-33.9,151.1,-33.7,151.3" is a value (an area in the south), not an option
        self._negative_number_matcher = re.compile(r"^-\d")

    def error(self, message: str) -> NoReturn:
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
    """The argument parser of ``leadgen`` (subcommands run, campaigns, export, keys)."""
    parser = _Parser(prog="leadgen", description="Find local-business leads with verified emails.")
    parser.add_argument("--version", action="version", version=f"leadgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

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

    add_team_commands(sub, _Parser, _int_in(1, 64, "--max-jobs"))

    keys = sub.add_parser("keys", help="manage API keys in the OS keychain")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, parser_class=_Parser)
    keys_sub.add_parser("status", help="which providers have a key, and where it comes from")
    for name, text in (("set", "store a key (read without echo, or from stdin)"), ("delete", "remove a key")):
        action = keys_sub.add_parser(name, help=text)
        action.add_argument("provider", choices=PROVIDERS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``leadgen`` console script (as the program, a cancel exits at once:
    everything is stored, and the interpreter's teardown could take most of Ctrl-C's second)."""
    code = _main(argv)
    if code == EXIT_CANCELLED and argv is None:
        _exit_now(code)
    if argv is None:
        _skip_teardown_collection()
    return code


def _skip_teardown_collection() -> None:
    """Let the interpreter end without collecting what the command leaves (as the program only).

    By now every row and the bill are committed and every database connection is closed
    (``close_stores``; the run thread closed its own). Collecting the ~90,000 objects and
    800 modules a live run leaves cost the exit ~0.2 s; frozen, the collections at teardown
    skip them (their memory goes back with the process). atexit handlers (logging's
    flush) and stdio flushing still run, unlike ``os._exit``.
    """
    gc.freeze()


def _exit_now(code: int) -> NoReturn:
    """Flush what was said and logged, then end the process without tearing the interpreter down."""
    logging.shutdown()
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "campaigns":
            return _cmd_campaigns(args)
        if args.command == "export":
            return _cmd_export(args)
        if args.command == "resume":
            return _cmd_resume(args)
        if args.command == "worker":
            return cmd_worker(args)
        if args.command == "db-password":
            return cmd_db_password(args)
        return _cmd_keys(args)
    except (UsageError, TeamUsageError, StorageError, ExportError, JobBusy, ConfigError) as exc:
        print(f"leadgen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("leadgen: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    finally:
        close_stores()


def _cmd_run(args: argparse.Namespace) -> int:
    demo = demo_requested(args.demo)
    settings = load_settings()
    config = CampaignConfig(
        business_type=args.business_type,
        location=args.location,
        keywords=args.keywords,
        max_results=args.max_results,
        min_score=args.min_score,
        budget=args.budget,
        verify=not args.no_verify,
        demo=demo,
        output=str(args.output.expanduser().resolve()) if args.output else None,
        area=args.area,
        hunter=HunterMode(args.hunter) if args.hunter else settings.hunter_mode,
    ).normalized()
    errors = config.validate()
    if errors:
        raise UsageError("; ".join(f"--{e.field.replace('_', '-')}: {e.message}" for e in errors))
    if args.queue:
        return _queue(config, args)
    if args.output is not None:
        problem = check_output_path(args.output)
        if problem:
            raise UsageError(f"--output: {problem}")
    keys = _keys_for(demo)
    providers = build_providers(demo, keys, settings)  # checks LEADGEN_*_URL, keys, web variables first
    store = open_store(args.db)
    if args.estimate:
        preview = _map_for_estimate(config, providers, settings, store)
        estimate = estimate_cost(config, providers, settings.price_table, store, settings.cache_ttl, preview)
        print(json.dumps(estimate.to_json()) if args.json else estimate.describe())
        return EXIT_OK
    _configure_logging(keys)
    pipeline = build_pipeline(store, providers, settings)
    campaign_id, job_id = pipeline.start(config)
    finished = _run_with_ctrl_c(pipeline, job_id, campaign_id, args.json)
    return _report(finished, args.json)


def _queue(config: CampaignConfig, args: argparse.Namespace) -> int:
    """``run --queue``: store the job as pending for the workers and print its summary."""
    if args.output is not None or args.estimate:
        flag = "--output" if args.output is not None else "--estimate"
        raise UsageError(
            f"--queue cannot be used with {flag}: a worker runs the job later "
            "(export it then with 'leadgen export CAMPAIGN_ID --output FILE.csv')."
        )
    store = open_store(args.db)
    jobs = Jobs(store, user=load_settings().user_name or None)
    campaign_id, job_id = jobs.start(config, queued=True)
    job = jobs.get(job_id)
    assert job is not None
    if not args.json:
        print(f"Queued job {job_id} (campaign {campaign_id}) in {store.path}; run it with 'leadgen worker'.")
        return EXIT_OK
    return _report(jobs.summary(job), as_json=True)


def _map_for_estimate(
    config: CampaignConfig, providers: Providers, settings: AppSettings, store: Store
) -> AreaPreview | None:
    """The area mapped for free when it is known without a paid lookup (say so on stderr)."""
    area = known_area(config, providers, settings.price_table, store, settings.cache_ttl)
    if area is None or providers.area is None:
        return None
    print(f"Mapping the area {area} with free IDs-only searches...", file=sys.stderr)
    try:
        return map_area(
            area,
            providers.area,
            config.business_query,
            settings.price_table,
            store,
            settings.cache_ttl,
            CancelToken(),
        )
    except ProviderError as exc:
        raise UsageError(f"mapping the area failed: {exc.message}") from None


def _keys_for(demo: bool) -> dict[str, str | None]:
    keys = ApiKeyStore().all_keys()
    if not demo and not keys.get("google_places"):
        raise UsageError(
            "no Google Places API key. Store one with 'leadgen keys set google_places', set "
            f"{ENV_VARS['google_places']}, or try the offline demo with --demo."
        )
    return keys


def _configure_logging(keys: dict[str, str | None]) -> None:
    try:
        configure_logging(log_dir(), secrets=keys.values())
    except OSError as exc:  # logging is a convenience: never a reason not to run
        print(f"leadgen: warning: cannot write the log file: {exc.strerror or exc}", file=sys.stderr)


def _cmd_resume(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    jobs = Jobs(store)
    job = jobs.get(args.job_id)
    if job is None:
        raise UsageError(f"no job {args.job_id!r} in {store.path}; list them with 'leadgen campaigns'.")
    state = jobs.resumability(job)
    if state is Resumability.FINISHED:  # nothing to do: its summary, and nothing called
        return _report(jobs.summary(job), args.json)
    if state is Resumability.RUNNING:
        raise JobBusy(job.job_id, jobs.holder(job.job_id) or "")
    keys = _keys_for(job.config.demo)
    if job.config.output:
        problem = check_output_path(Path(job.config.output))
        if problem:
            raise UsageError(f"the job's output file: {problem}")
    settings = load_settings()
    providers = build_providers(job.config.demo, keys, settings)  # checks LEADGEN_*_URL, keys, web variables
    _configure_logging(keys)
    jobs.reopen(job.job_id, args.budget)
    pipeline = build_pipeline(store, providers, settings)
    finished = _run_with_ctrl_c(pipeline, job.job_id, job.campaign_id, args.json)
    return _report(finished, args.json)


SIGNAL_CHECK_INTERVAL = 0.2
"""Longest the main thread waits without letting a signal handler run (see _run_with_ctrl_c)."""

CANCELLING_LINE = "leadgen: cancelling… (press Ctrl-C again to stop at once)"
"""Said on stderr at the first Ctrl-C (tests wait for it before sending the second)."""


def _run_with_ctrl_c(pipeline: Pipeline, job_id: str, campaign_id: str, as_json: bool) -> JobFinished:
    """Run the job on a worker thread; the first SIGINT cancels it, a second one exits 130 at once.

    The main thread only waits, so its handler runs at once even while the run is blocked
    in C code (a socket, SQLite's busy wait). The run thread blocks SIGINT (and every thread
    it starts inherits that), so the kernel delivers the signal to the main thread, whose
    wait it interrupts; the bounded wait is the safety net where that cannot be arranged.
    The handler only counts, cancels and wakes this thread: the rest happens here, after it.
    """
    progress = Progress(sys.stderr, quiet=False)
    token = CancelToken()
    outcome: list[JobFinished | BaseException] = []
    wake = Waker()
    interrupts: list[int] = []

    def work() -> None:
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            outcome.append(pipeline.run(job_id, token, progress))
        except BaseException as exc:  # noqa: BLE001 - re-raised on the main thread
            outcome.append(exc)
        finally:
            pipeline.store.db.close()  # this thread's connection: else only the exit's collection closes it
            wake.wake()

    def on_sigint(_signum: int, _frame: FrameType | None) -> None:
        interrupts.append(_signum)  # one C-level step each: never interrupted halfway
        token.cancel()
        wake.wake()

    previous = signal.signal(signal.SIGINT, on_sigint)
    said_cancelling = False
    try:
        threading.Thread(target=work, name="leadgen-run", daemon=True).start()
        while True:
            if interrupts and not said_cancelling:
                print(CANCELLING_LINE, file=sys.stderr, flush=True)
                said_cancelling = True
            if outcome:
                break
            if len(interrupts) > 1:
                _exit_at_once(job_id, campaign_id, progress.metrics, as_json)
            wake.wait(SIGNAL_CHECK_INTERVAL)
    finally:
        signal.signal(signal.SIGINT, previous)
        progress.close()
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _exit_at_once(job_id: str, campaign_id: str, metrics: Metrics, as_json: bool) -> NoReturn:
    """The second Ctrl-C: say what is kept, print the summary if asked, exit 130 without waiting."""
    error = (
        "Stopped at once by a second Ctrl-C: everything stored so far is kept; "
        f"continue with: leadgen resume {job_id}"
    )
    if as_json:
        stopped = JobFinished(job_id, campaign_id, JobStatus.CANCELLED, metrics, error=error)
        print(json.dumps(summary_json(stopped)), flush=True)
    print(f"leadgen: {error}", file=sys.stderr, flush=True)
    os._exit(EXIT_CANCELLED)


def _report(finished: JobFinished, as_json: bool) -> int:
    if as_json:
        print(json.dumps(summary_json(finished)))
    print_human_summary(finished, sys.stderr if as_json else sys.stdout)
    return {
        JobStatus.COMPLETED: EXIT_OK,
        JobStatus.PENDING: EXIT_OK,
        JobStatus.CANCELLED: EXIT_CANCELLED,
    }.get(finished.status, EXIT_FAILED)


def _cmd_campaigns(args: argparse.Namespace) -> int:
    summaries = open_store(args.db).campaigns.summaries()
    if args.json:
        print(json.dumps([s.to_json() for s in summaries]))
        return EXIT_OK
    if not summaries:
        print("No campaigns yet. Try: leadgen run --demo --business-type dentist --location 'Austin, TX'")
        return EXIT_OK
    for s in summaries:
        demo = " [demo]" if s.demo else ""
        who = f"  by {s.created_by}" if s.created_by else ""
        held = f"  (worker {s.lease_owner})" if s.lease_owner and s.status == "processing" else ""
        print(
            f"{s.campaign_id}  job {s.job_id}  {s.status:<10} {s.leads:>5} leads  ${s.total_cost:.4f}  "
            f"{s.created_at:%Y-%m-%d %H:%M}  {s.business_type} in {s.location}{demo}{who}{held}"
        )
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    problem = check_output_path(args.output)
    if problem:
        raise UsageError(f"--output: {problem}")
    store = open_store(args.db)
    job = store.jobs.latest_for_campaign(args.campaign_id)
    if job is None:
        raise UsageError(
            f"no campaign {args.campaign_id!r} in {store.path}; list them with 'leadgen campaigns'."
        )
    notice = unfinished_job_notice(Jobs(store), job.job_id)
    if notice:
        print(f"leadgen: note: {notice}", file=sys.stderr)
    count = export_job_csv(store, job.job_id, args.output)
    print(f"Wrote {count} leads to {args.output}", file=sys.stderr)
    return EXIT_OK


def _cmd_keys(args: argparse.Namespace) -> int:
    store = ApiKeyStore()
    if args.keys_command == "status":
        if not store.backend_available():
            print("No usable OS keychain here; use the LEADGEN_*_KEY environment variables.")
        for provider in PROVIDERS:
            status = store.status(provider)
            print(f"{provider:<14} {PROVIDER_NAMES[provider]:<14} {status.source.value}")
        return EXIT_OK
    provider = args.provider
    if args.keys_command == "delete":
        removed = store.delete(provider)
        print(f"{PROVIDER_NAMES[provider]} key {'removed' if removed else 'was not stored'}.")
        return EXIT_OK
    if not store.backend_available():
        raise UsageError(
            f"no usable OS keychain on this machine; set {ENV_VARS[provider]} in the environment instead."
        )
    if sys.stdin.isatty():
        import getpass

        key = getpass.getpass(f"{PROVIDER_NAMES[provider]} API key (input hidden): ")
    else:
        key = sys.stdin.readline()
    try:
        source = store.set(provider, key)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"{PROVIDER_NAMES[provider]} key stored ({source.value}).")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
