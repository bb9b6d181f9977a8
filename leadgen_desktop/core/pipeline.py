"""The campaign pipeline: discover → score → enrich (find + verify) → store.

``Pipeline.run`` drives one job from start to finish on the calling thread.
It persists the job's stage, progress and metrics as it goes, stores every
lead the moment it is final (with the API calls it took, in one transaction),
reports plain immutable events through a callback, honours a cancel token
between items, and never lets an exception escape: every failure ends as a
``failed`` (or ``cancelled``) job with a readable message.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from leadgen_desktop.core.dedupe import Deduper
from leadgen_desktop.core.enrichment import Enricher
from leadgen_desktop.core.export import ExportError, export_job_csv
from leadgen_desktop.core.run_state import RunState
from leadgen_desktop.core.scoring import score_business, select_leads
from leadgen_desktop.db.database import StorageError
from leadgen_desktop.db.repository import Repository
from leadgen_desktop.domain import (
    Business,
    BusinessStatus,
    CampaignConfig,
    Cancelled,
    CancelToken,
    EventCallback,
    JobFinished,
    JobStatus,
    Lead,
    LeadStored,
    PriceTable,
    ProgressEvent,
    ProviderAuthError,
    ProviderError,
    Providers,
    Stage,
)

log = logging.getLogger(__name__)


class JobNotFound(LookupError):
    """The job id does not exist in this database."""


class Pipeline:
    """Runs campaigns with the given providers against one repository."""

    def __init__(self, repo: Repository, providers: Providers, prices: PriceTable | None = None) -> None:
        self.repo = repo
        self.providers = providers
        self.prices = prices or PriceTable()

    def start(self, config: CampaignConfig) -> tuple[str, str]:
        """Create the campaign and its ``processing`` job; return (campaign_id, job_id)."""
        return self.repo.create_job(replace(config, demo=config.demo or self.providers.demo))

    def run(self, job_id: str, cancel: CancelToken, on_event: EventCallback) -> JobFinished:
        """Run job ``job_id`` to a final state; the last event is a :class:`JobFinished`."""
        job = self.repo.get_job(job_id)
        if job is None:
            raise JobNotFound(job_id)
        run = _Run(self, job_id, job.campaign_id, job.config, cancel, on_event)
        finished = run.execute()
        on_event(finished)
        return finished


class _Run:
    """State and steps of one execution of a job."""

    def __init__(
        self,
        pipeline: Pipeline,
        job_id: str,
        campaign_id: str,
        config: CampaignConfig,
        cancel: CancelToken,
        on_event: EventCallback,
    ) -> None:
        self.repo = pipeline.repo
        self.providers = pipeline.providers
        self.prices = pipeline.prices
        self.job_id = job_id
        self.campaign_id = campaign_id
        self.config = config
        self.cancel = cancel
        self.on_event = on_event
        self.state = RunState(prices=self.prices)
        self.stage = Stage.DISCOVERING
        self.progress = 0

    # -- orchestration -------------------------------------------------------

    def execute(self) -> JobFinished:
        try:
            businesses = self._discover()
            leads = self._score(businesses)
            self._enrich(leads)
            output = self._store()
            return self._finish(JobStatus.COMPLETED, output=output)
        except Cancelled:
            return self._finish(JobStatus.CANCELLED, error="Cancelled by the user.")
        except ProviderAuthError as exc:
            self._log_calls_quietly(exc)
            return self._finish(JobStatus.FAILED, error=exc.message)
        except ProviderError as exc:
            self._log_calls_quietly(exc)
            return self._finish(JobStatus.FAILED, error=str(exc))
        except (StorageError, ExportError) as exc:
            return self._finish(JobStatus.FAILED, error=str(exc))
        except Exception as exc:
            log.exception("Unexpected error in job %s", self.job_id)
            return self._finish(JobStatus.FAILED, error=f"Unexpected error: {type(exc).__name__}: {exc}")

    def _emit_progress(
        self, stage: Stage, fraction: float, message: str, done: int = 0, total: int = 0
    ) -> None:
        self.stage = stage
        self.progress = max(self.progress, stage.progress_at(fraction))
        self.on_event(
            ProgressEvent(
                job_id=self.job_id,
                stage=stage,
                progress=self.progress,
                message=message,
                metrics=self.state.snapshot(),
                done=done,
                total=total,
            )
        )

    # -- stages ----------------------------------------------------------------

    def _discover(self) -> list[Business]:
        discovery = self.providers.discovery
        wanted = self.config.max_results
        deduper = Deduper()
        found: list[Business] = []
        qualified = 0
        token: str | None = None
        pages = 0
        self._emit_progress(Stage.DISCOVERING, 0.0, f"Searching for {self.config.text_query}")
        while True:
            self.cancel.raise_if_cancelled()
            try:
                page = discovery.search(self.config, token, self.cancel)
            except ProviderAuthError:
                raise
            except ProviderError as exc:
                if not found:
                    raise
                self._log_calls_quietly(exc)
                self.state.notice(f"Discovery stopped early after {pages} page(s): {exc.message}")
                break
            pages += 1
            self.state.add_calls(page.calls)
            for business in page.businesses:
                if business.business_status is BusinessStatus.CLOSED_PERMANENTLY:
                    continue
                if deduper.add(business):
                    found.append(business)
                    if score_business(business)[0] >= self.config.min_score:
                        qualified += 1
            self.state.businesses_found = len(found)
            fraction = min(qualified / wanted, 1.0)
            stage_progress = (
                Stage.DISCOVERING,
                Stage.DISCOVERING.progress_at(fraction),
                self.state.snapshot(),
            )
            self.repo.record_calls(self.job_id, page.calls, self.prices, stage_progress)
            self._emit_progress(
                Stage.DISCOVERING,
                fraction,
                f"Found {len(found)} businesses ({pages} page(s))",
                qualified,
                wanted,
            )
            token = page.next_page_token
            if qualified >= wanted or not token or len(found) >= discovery.max_results_per_query:
                break
        return found

    def _score(self, businesses: list[Business]) -> list[Lead]:
        self.cancel.raise_if_cancelled()
        self._emit_progress(Stage.SCORING, 0.0, f"Scoring {len(businesses)} businesses")
        selected = select_leads(businesses, self.config.min_score, self.config.max_results)
        leads = [
            Lead(
                business=business,
                score=score,
                components=components,
                rank=rank,
                provenance={"discovery": {"provider": business.source or self.providers.discovery.provider}},
            )
            for rank, (business, score, components) in enumerate(selected, start=1)
        ]
        self.state.qualified_leads = len(leads)
        if len(leads) < self.config.max_results:
            limit = self.providers.discovery.max_results_per_query
            self.state.notice(
                f"Only {len(leads)} of {len(businesses)} businesses reached the minimum score "
                f"{self.config.min_score} (asked for {self.config.max_results}; one search returns "
                f"at most {limit} places)."
            )
        self.repo.update_progress(
            self.job_id, Stage.SCORING, Stage.SCORING.progress_at(1.0), self.state.snapshot()
        )
        self._emit_progress(Stage.SCORING, 1.0, f"{len(leads)} qualified leads", len(leads), len(leads))
        return leads

    def _enrich(self, leads: list[Lead]) -> None:
        enricher = Enricher(self.providers, self.config.verify, self.state)
        total = len(leads)
        self._emit_progress(Stage.ENRICHING, 0.0, "Finding emails", 0, total)
        for index, lead in enumerate(leads, start=1):
            self.cancel.raise_if_cancelled()
            enriched = enricher.enrich(lead, self.cancel)
            cost = self.state.add_calls(enriched.calls)
            final = replace(enriched.lead, cost=cost)
            self.state.add_lead(final)
            self.stage = Stage.ENRICHING
            self.progress = max(self.progress, Stage.ENRICHING.progress_at(index / total))
            lead_id = self.repo.store_lead(
                self.job_id,
                final,
                enriched.calls,
                self.prices,
                (self.stage, self.progress, self.state.snapshot()),
            )
            self.on_event(LeadStored(self.job_id, lead_id, final))
            self._emit_progress(Stage.ENRICHING, index / total, f"Enriched {index}/{total}", index, total)

    def _store(self) -> str | None:
        self.cancel.raise_if_cancelled()
        self._emit_progress(Stage.STORING, 0.0, "Storing results")
        output = self.config.output
        if output:
            export_job_csv(self.repo, self.job_id, Path(output))
        self._emit_progress(Stage.STORING, 1.0, "Done")
        return output

    # -- endings -----------------------------------------------------------------

    def _log_calls_quietly(self, exc: ProviderError) -> None:
        """Count and record the calls of a failed request without masking the failure."""
        if not exc.calls:
            return
        self.state.add_calls(exc.calls)
        try:
            self.repo.record_calls(self.job_id, exc.calls, self.prices)
        except StorageError:
            log.warning("Could not log %d failed call(s) for job %s", len(exc.calls), self.job_id)

    def _finish(
        self, status: JobStatus, *, error: str | None = None, output: str | None = None
    ) -> JobFinished:
        metrics = self.state.snapshot()
        notices = tuple(self.state.notices)
        try:
            self.repo.finish_job(self.job_id, status, metrics, error=error, notices=notices)
        except StorageError as exc:
            status, error = JobStatus.FAILED, str(exc)
        return JobFinished(
            job_id=self.job_id,
            campaign_id=self.campaign_id,
            status=status,
            metrics=metrics,
            error=error,
            notices=notices,
            output=output,
        )
