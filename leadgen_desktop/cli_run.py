"""``leadgen run`` and ``leadgen resume``: check the input, build the providers, run the job, report it.

Only what a run needs before its first request is imported here at start-up; the cost
estimate and area preview of ``run --estimate`` and the queue of ``run --queue`` are
imported when asked for.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from leadgen_desktop.cli_ctrl_c import run_with_ctrl_c
from leadgen_desktop.cli_parser import EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, UsageError
from leadgen_desktop.cli_report import print_human_summary, summary_json
from leadgen_desktop.core.export import check_output_path
from leadgen_desktop.core.jobs import JobBusy, Jobs, Resumability
from leadgen_desktop.domain import (
    CampaignConfig,
    CancelToken,
    HunterMode,
    JobFinished,
    JobStatus,
    ProviderError,
)
from leadgen_desktop.keychain import ENV_VARS, ApiKeyStore
from leadgen_desktop.logging_setup import configure_logging
from leadgen_desktop.paths import log_dir
from leadgen_desktop.settings import AppSettings, load_settings
from leadgen_desktop.wiring import build_pipeline, build_providers, demo_requested, open_store

if TYPE_CHECKING:
    from leadgen_desktop.core.run.area_mapping import AreaPreview
    from leadgen_desktop.db.store import Store
    from leadgen_desktop.domain import Providers


def cmd_run(args: argparse.Namespace) -> int:
    """``leadgen run``: a campaign, its estimate (``--estimate``) or its queued job (``--queue``)."""
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
        return _estimate(config, providers, settings, store, args.json)
    _configure_logging(keys)
    pipeline = build_pipeline(store, providers, settings)
    campaign_id, job_id = pipeline.start(config)
    finished = run_with_ctrl_c(pipeline, job_id, campaign_id, args.json)
    return report(finished, args.json)


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
    return report(jobs.summary(job), as_json=True)


def _estimate(
    config: CampaignConfig, providers: Providers, settings: AppSettings, store: Store, as_json: bool
) -> int:
    """``run --estimate``: the worst-case and expected cost, printed; nothing paid."""
    from leadgen_desktop.core.billing.estimate import estimate_cost

    preview = _map_for_estimate(config, providers, settings, store)
    estimate = estimate_cost(config, providers, settings.price_table, store, settings.cache_ttl, preview)
    print(json.dumps(estimate.to_json()) if as_json else estimate.describe())
    return EXIT_OK


def _map_for_estimate(
    config: CampaignConfig, providers: Providers, settings: AppSettings, store: Store
) -> AreaPreview | None:
    """The area mapped for free when it is known without a paid lookup (say so on stderr)."""
    from leadgen_desktop.core.run.area_mapping import known_area, map_area

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


def cmd_resume(args: argparse.Namespace) -> int:
    """``leadgen resume JOB_ID``: continue an interrupted job (a finished one only prints its summary)."""
    store = open_store(args.db)
    jobs = Jobs(store)
    job = jobs.get(args.job_id)
    if job is None:
        raise UsageError(f"no job {args.job_id!r} in {store.path}; list them with 'leadgen campaigns'.")
    state = jobs.resumability(job)
    if state is Resumability.FINISHED:  # nothing to do: its summary, and nothing called
        return report(jobs.summary(job), args.json)
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
    finished = run_with_ctrl_c(pipeline, job.job_id, job.campaign_id, args.json)
    return report(finished, args.json)


def report(finished: JobFinished, as_json: bool) -> int:
    """Print the job's summary (JSON on stdout with ``--json``, the human one on stderr then) and
    return the exit code its status means."""
    if as_json:
        print(json.dumps(summary_json(finished)))
    print_human_summary(finished, sys.stderr if as_json else sys.stdout)
    return {
        JobStatus.COMPLETED: EXIT_OK,
        JobStatus.PENDING: EXIT_OK,
        JobStatus.CANCELLED: EXIT_CANCELLED,
    }.get(finished.status, EXIT_FAILED)
