"""The network disappears mid-run: the run retries within its bounds, fails resumably, and resumes.

Nothing already paid for is requested again when the network comes back, and the final CSV is the
same as an uninterrupted run's.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.core.run.pipeline import Pipeline
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig, CancelToken, JobFinished, JobStatus, Providers
from leadgen_desktop.net.http import build_client
from leadgen_desktop.net.providers.google_places import GooglePlacesDiscovery
from leadgen_desktop.net.providers.hunter import HunterEmailFinder
from leadgen_desktop.net.providers.neverbounce import NeverBounceVerifier
from leadgen_desktop.net.rate_limit import RateLimiter
from leadgen_desktop.net.retry import RetryPolicy
from tests.fakes.api_server import GOOGLE_KEY, HUNTER_KEY, NEVERBOUNCE_KEY, FakeApis

FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)


class Network:
    """A transport in front of the fake that can be unplugged: every request then fails to connect."""

    def __init__(self, fake: FakeApis) -> None:
        self.inner = fake.transport()
        self.down = threading.Event()
        self.released = threading.Event()  # set: slow answers come at once (a test ends with no thread left)
        self.refused: Counter[str] = Counter()

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down.is_set():
            self.refused[request.url.path] += 1
            raise httpx.ConnectError("network is unreachable", request=request)
        return self.inner.handle_request(request)


def providers(network: Network) -> Providers:
    transport = httpx.MockTransport(network.handle)

    def client(provider: str) -> httpx.Client:
        return build_client(provider, transport=transport, base_url="https://fake.invalid")

    unlimited = RateLimiter(1e6, burst=1_000_000)
    return Providers(
        GooglePlacesDiscovery(client("google_places"), GOOGLE_KEY, limiter=unlimited, retry=FAST_RETRY),
        HunterEmailFinder(client("hunter"), HUNTER_KEY, limiter=unlimited, retry=FAST_RETRY),
        NeverBounceVerifier(client("neverbounce"), NEVERBOUNCE_KEY, limiter=unlimited, retry=FAST_RETRY),
    )


def config(out: Path) -> CampaignConfig:
    return CampaignConfig("dentist", "Austin, TX", max_results=30, min_score=0, output=str(out))


def test_network_loss_fails_resumably_and_resume_pays_only_for_the_rest(tmp_path: Path) -> None:
    reference_fake = FakeApis()
    reference_repo = Store.open(tmp_path / "ref.db")
    reference = Pipeline(reference_repo, providers(Network(reference_fake)))
    _, ref_job = reference.start(config(tmp_path / "ref.csv"))
    assert reference.run(ref_job, CancelToken(), lambda _e: None).status is JobStatus.COMPLETED
    reference_repo.db.close()

    fake = FakeApis()
    network = Network(fake)
    repo = Store.open(tmp_path / "t.db")
    pipeline = Pipeline(repo, providers(network))
    _, job_id = pipeline.start(config(tmp_path / "leads.csv"))

    def unplug_after_some_leads(event: object) -> None:
        if repo.leads.count(job_id) >= 8:
            network.down.set()

    failed = pipeline.run(job_id, CancelToken(), unplug_after_some_leads)
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert "network was unreachable" in failed.error
    assert f"leadgen resume {job_id}" in failed.error
    assert sum(network.refused.values()) >= FAST_RETRY.max_attempts  # it retried before giving up
    stored_before = repo.leads.count(job_id)
    assert stored_before >= 8
    searched_before = Counter(fake.domain_requests)
    verified_before = Counter(fake.email_requests)

    network.down.clear()
    Jobs(repo).reopen(job_id)
    resumed = Pipeline(repo, providers(network)).run(job_id, CancelToken(), lambda _e: None)
    assert resumed.status is JobStatus.COMPLETED, resumed.error
    assert (tmp_path / "leads.csv").read_bytes() == (tmp_path / "ref.csv").read_bytes()
    # what was answered before the loss is never asked again
    for domain, count in searched_before.items():
        assert fake.domain_requests[domain] == count, domain
    for email, count in verified_before.items():
        assert fake.email_requests[email] == count, email
    assert resumed.metrics.api_calls["google_places"] == reference_fake.calls["google_places"] + sum(
        n for path, n in network.refused.items() if path.startswith("/v1/")
    )


class PageInFlightWhenEnrichmentFails(Network):
    """Page 2 of the search is slow, and the network goes away while it loads.

    The page request got through before the loss (the server answers it); every
    request after it is refused. Domain searches take 50 ms, so page 1's are
    still queued when the network goes: enrichment fails while the page is out.
    """

    def __init__(self, fake: FakeApis, page_seconds: float = 0.5) -> None:
        super().__init__(fake)
        self.page_requests = 0
        self.page_seconds = page_seconds

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/places:searchText" and b"pageToken" in request.content:
            self.page_requests += 1
            if self.page_requests == 1:
                self.down.set()
                self.released.wait(self.page_seconds)  # enrichment meets the dead network and fails meanwhile
                return self.inner.handle_request(request)
        if request.url.path == "/v2/domain-search" and not self.down.is_set():
            time.sleep(0.05)
        return super().handle(request)


def test_a_page_still_loading_when_enrichment_fails_is_stored_and_never_paid_again(tmp_path: Path) -> None:
    fake = FakeApis()
    network = PageInFlightWhenEnrichmentFails(fake)
    repo = Store.open(tmp_path / "t.db")
    pipeline = Pipeline(repo, providers(network))
    _, job_id = pipeline.start(config(tmp_path / "leads.csv"))

    failed = pipeline.run(job_id, CancelToken(), lambda _e: None)

    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert "network was unreachable" in failed.error
    checkpoint = repo.checkpoints.load(job_id)
    assert checkpoint.pages == 2  # the page that arrived after the failure is kept
    assert failed.metrics.api_calls["google_places"] == 2
    assert len(checkpoint.businesses) == failed.metrics.businesses_found > 0

    network.down.clear()
    Jobs(repo).reopen(job_id)
    resumed = Pipeline(repo, providers(network)).run(job_id, CancelToken(), lambda _e: None)
    assert resumed.status is JobStatus.COMPLETED, resumed.error
    assert network.page_requests == 1  # page 2 was not bought twice


class SlowSearchesThenRejectedKey(Network):
    """Domain searches take 3 s; page 2 of the search is refused for a bad key meanwhile."""

    def __init__(self, fake: FakeApis) -> None:
        super().__init__(fake)
        self.fake = fake
        self.key_rejected = threading.Event()

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/places:searchText" and b"pageToken" in request.content:
            self.fake.google_error = "API_KEY_INVALID"
            response = super().handle(request)
            self.key_rejected.set()
            return response
        if request.url.path == "/v2/domain-search":
            self.released.wait(3.0)
        return super().handle(request)


def cancel_after_failure(tmp_path: Path, network: Network, failed: Callable[[], object]) -> JobFinished:
    """Run until ``failed()`` says the run has failed and is waiting; cancel; return its result.

    The wait that follows a failure (requests still out) must end at the cancel, within 1 s.
    """
    repo = Store.open(tmp_path / "t.db")
    pipeline = Pipeline(repo, providers(network))
    _, job_id = pipeline.start(config(tmp_path / "leads.csv"))
    token = CancelToken()
    result: list[JobFinished] = []
    thread = threading.Thread(target=lambda: result.append(pipeline.run(job_id, token, lambda _e: None)))
    thread.start()
    deadline = time.monotonic() + 10
    while not failed() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # the run has failed and waits for what is still out (3 s)
    started = time.monotonic()
    token.cancel()
    thread.join(10)
    took = time.monotonic() - started
    assert took < 1.0, f"the failed run kept waiting {took:.2f}s after the cancel"
    network.released.set()  # the requests the run abandoned answer now: no thread outlives the test
    [finished] = result
    assert finished.status is JobStatus.FAILED  # it had failed before the cancel: that is what it says
    assert finished.error is not None
    return finished


def test_a_cancel_ends_the_wait_for_requests_still_out_after_a_failure(tmp_path: Path) -> None:
    network = SlowSearchesThenRejectedKey(FakeApis())
    finished = cancel_after_failure(tmp_path, network, network.key_rejected.is_set)
    assert "Google" in (finished.error or "")


def test_a_cancel_ends_the_wait_for_a_page_still_loading_after_a_failure(tmp_path: Path) -> None:
    network = PageInFlightWhenEnrichmentFails(FakeApis(), page_seconds=3.0)
    enrichment_met_the_dead_network = lambda: network.refused  # noqa: E731
    finished = cancel_after_failure(tmp_path, network, enrichment_met_the_dead_network)
    assert "network was unreachable" in (finished.error or "")
