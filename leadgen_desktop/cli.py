"""The headless ``leadgen`` command, over the same pipeline as the window: its entry point and dispatch.

Exit codes: 0 completed, 1 failed (the job started and failed), 2 bad usage
or input (nothing started), 130 cancelled (Ctrl-C).

Ctrl-C: the run works on a thread of its own while the main thread only waits, so a
signal is always handled at once, whatever the run is blocked on (:mod:`.cli_ctrl_c`).

One module per job: the arguments (:mod:`.cli_parser`), ``run``/``resume``
(:mod:`.cli_run`), Ctrl-C (:mod:`.cli_ctrl_c`), the summary (:mod:`.cli_report`), the team
commands (:mod:`.cli_team`); ``campaigns``, ``export`` and ``keys`` are here. A command's
module is imported when that command runs, so ``leadgen run`` loads nothing of the others
(and ``--help`` nothing of any).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from leadgen_desktop.cli_ctrl_c import CANCELLING_LINE, SIGNAL_CHECK_INTERVAL
from leadgen_desktop.cli_parser import EXIT_CANCELLED, EXIT_OK, EXIT_USAGE, UsageError, build_parser

__all__ = ["CANCELLING_LINE", "SIGNAL_CHECK_INTERVAL", "UsageError", "build_parser", "main"]


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
    from leadgen_desktop.core.export import ExportError
    from leadgen_desktop.core.jobs import JobBusy
    from leadgen_desktop.db.errors import StorageError
    from leadgen_desktop.net.http import ConfigError
    from leadgen_desktop.wiring import close_stores

    try:
        return _command(args)
    except (UsageError, StorageError, ExportError, JobBusy, ConfigError) as exc:
        print(f"leadgen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("leadgen: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    finally:
        close_stores()


def _command(args: argparse.Namespace) -> int:
    """Run the command ``args`` names (its module imported now)."""
    if args.command in ("run", "resume"):
        if args.command == "run" and not args.demo and not args.queue:
            from leadgen_desktop.net.http import read_api_certificates_early

            read_api_certificates_early()  # beside the imports and the opening that follow
        from leadgen_desktop.cli_run import cmd_resume, cmd_run

        return cmd_run(args) if args.command == "run" else cmd_resume(args)
    if args.command in ("worker", "db-password"):
        from leadgen_desktop.cli_team import cmd_db_password, cmd_worker

        return cmd_worker(args) if args.command == "worker" else cmd_db_password(args)
    if args.command == "campaigns":
        return _cmd_campaigns(args)
    if args.command == "export":
        return _cmd_export(args)
    return _cmd_keys(args)


def _cmd_campaigns(args: argparse.Namespace) -> int:
    from leadgen_desktop.wiring import open_store

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
    from leadgen_desktop.core.export import check_output_path, export_job_csv, unfinished_job_notice
    from leadgen_desktop.core.jobs import Jobs
    from leadgen_desktop.wiring import open_store

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
    from leadgen_desktop.domain import PROVIDERS
    from leadgen_desktop.keychain import ENV_VARS, PROVIDER_NAMES, ApiKeyStore

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
