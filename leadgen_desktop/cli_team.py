"""The team commands of ``leadgen``: ``worker`` (run queued jobs) and ``db-password`` (store the
team database's password in the keychain).

``leadgen worker [--db URL] [--once] [--max-jobs N]`` claims pending or
abandoned queued jobs and runs up to N at once with this machine's own keys;
SIGTERM or Ctrl-C hands the jobs back to the queue and exits 0.
"""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from leadgen_desktop.cli_parser import EXIT_OK, UsageError
from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.core.queue_worker import QueueWorker
from leadgen_desktop.db.records import JobRecord, WorkerRecord
from leadgen_desktop.db.store import Store
from leadgen_desktop.db.target import is_postgres_url, parse_postgres_url
from leadgen_desktop.domain import PROVIDERS, CancelToken, JobFinished, Providers
from leadgen_desktop.keychain import (
    ApiKeyStore,
    KeychainUnavailable,
    delete_database_password,
    set_database_password,
)
from leadgen_desktop.logging_setup import configure_logging
from leadgen_desktop.paths import log_dir
from leadgen_desktop.settings import AppSettings, load_settings
from leadgen_desktop.wiring import build_pipeline, build_providers, database_location, open_store


class TeamUsageError(UsageError):
    """Bad input to a team command: one line, exit 2."""


def cmd_db_password(args: argparse.Namespace) -> int:
    """``leadgen db-password set|delete URL``."""
    if not is_postgres_url(args.url):
        raise TeamUsageError(f"{args.url!r} is not a postgresql:// URL")
    target = parse_postgres_url(args.url)
    if args.password_command == "delete":
        removed = delete_database_password(target.key)
        print(f"Password for {target.display} {'removed' if removed else 'was not stored'}.")
        return EXIT_OK
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass(f"Password for {target.display} (input hidden): ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        set_database_password(target.key, password)
    except (KeychainUnavailable, ValueError) as exc:
        raise TeamUsageError(str(exc)) from None
    print(f"Password for {target.display} stored in the keychain.")
    return EXIT_OK


def cmd_worker(args: argparse.Namespace) -> int:
    """``leadgen worker``: run queued jobs until stopped (or, with ``--once``, until none is left)."""
    store = open_store(args.db)
    where = database_location(args.db)
    if where is None or not is_postgres_url(where):
        print(
            f"leadgen worker: note: {store.path} is a local SQLite file; only processes on this machine "
            "can share it. A team uses a postgresql:// database.",
            file=sys.stderr,
        )
    settings = load_settings()
    keys = ApiKeyStore().all_keys()
    try:
        configure_logging(log_dir(), secrets=keys.values())
    except OSError as exc:
        print(f"leadgen worker: warning: cannot write the log file: {exc.strerror or exc}", file=sys.stderr)
    runner = _JobRunner(store, keys, settings)
    if runner.live is None:
        print(
            "leadgen worker: no Google Places key here: this worker runs demo campaigns only. Store a key "
            "with 'leadgen keys set google_places' or set LEADGEN_GOOGLE_PLACES_KEY.",
            file=sys.stderr,
        )
    jobs = Jobs(store, user=settings.user_name or None)
    worker = QueueWorker(
        jobs,
        runner,
        max_jobs=args.max_jobs,
        once=args.once,
        demo_only=runner.live is None,
        key_groups=runner.key_groups if runner.live is not None else {},
        on_team=runner.share_rates,
        report=lambda message: print(f"leadgen worker: {message}", file=sys.stderr, flush=True),
    )

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        worker.request_stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    print(
        f"leadgen worker: {jobs.owner} ({jobs.user}) on {store.path}, up to {args.max_jobs} job(s) at once"
        + (", until the queue is empty" if args.once else ""),
        file=sys.stderr,
        flush=True,
    )
    try:
        code = worker.run(wake_on_signals=True)  # a signal landing on a job's thread still wakes the loop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("leadgen worker: stopped", file=sys.stderr)
    return code


class _JobRunner:
    """Runs one claimed job with this machine's providers (built once: one rate limiter per key)."""

    def __init__(self, store: Store, keys: dict[str, str | None], settings: AppSettings) -> None:
        from leadgen_desktop.net.providers.live import build_live_providers
        from leadgen_desktop.net.rate_memory import key_fingerprint
        from leadgen_desktop.net.rate_share import SharedRateLimiter

        self.store = store
        self.settings = settings
        self.demo = build_providers(True, keys, settings)
        rates = {"neverbounce": settings.neverbounce_rate}
        self._limiters = {p: SharedRateLimiter.for_provider(p, rate=rates.get(p)) for p in PROVIDERS}
        self._alone = {p: limiter.rate for p, limiter in self._limiters.items()}  # this worker's rate alone
        self.live: Providers | None = (
            build_live_providers(keys, limiters=self._limiters) if keys.get("google_places") else None
        )
        self.key_groups = {p: key_fingerprint(p, key) for p, key in keys.items() if key}

    def __call__(self, job: JobRecord, cancel: CancelToken) -> JobFinished:
        providers = self.demo if job.config.demo or self.live is None else self.live
        pipeline = build_pipeline(self.store, providers, self.settings)
        return pipeline.run(job.job_id, cancel, lambda _event: None)

    def share_rates(self, workers: list[WorkerRecord]) -> None:
        """Share each key's rate with the other live workers using the same key.

        A worker alone on its key sends at its own limiter's pace (probing for the limit,
        where the provider's limit is learned). Sharing it, each request also takes the
        next slot of the key's timeline in the team database
        (:mod:`leadgen_desktop.db.rate_buckets`), so together the workers keep to one
        worker's rate, and whichever worker has requests to send gets the whole of it.
        A shared limiter backs off to half its rate at most: its slots are the team's,
        and the workers' requests still meet now and then in the provider's window (a
        thread woken late), which is no sign that the rate is too high; halving again on
        each such refusal would slow the whole team down.
        """
        from leadgen_desktop.db.rate_buckets import SharedTimeline
        from leadgen_desktop.net.rate_defaults import DEFAULT_BACKOFF

        for provider, limiter in self._limiters.items():
            group = self.key_groups.get(provider)
            sharing = sum(1 for w in workers if group is not None and w.key_groups.get(provider) == group)
            if group is None or sharing <= 1:
                if limiter.shared:
                    limiter.share(None)
                    limiter.set_rate(self._alone[provider])  # the default floor again
            elif not limiter.shared:
                rate = self._alone[provider]
                limiter.set_rate(rate, min_rate=rate * DEFAULT_BACKOFF)
                limiter.share(SharedTimeline(self.store.rate_buckets, provider, group))
