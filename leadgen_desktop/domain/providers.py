"""Provider results, errors and protocols (live and demo implementations live in net/providers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from leadgen_desktop.domain.billing import ApiCall
from leadgen_desktop.domain.cancel import CancelToken
from leadgen_desktop.domain.config import CampaignConfig
from leadgen_desktop.domain.enums import EmailStatus
from leadgen_desktop.domain.leads import Business, EmailCandidate


class ProviderError(Exception):
    """A provider call failed for this item; the run goes on without it."""

    def __init__(self, provider: str, message: str, calls: tuple[ApiCall, ...] = ()) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.message = message
        self.calls = calls


class ProviderAuthError(ProviderError):
    """The provider rejected the key or the account: the job fails at once."""


class QuotaExhausted(ProviderError):
    """The provider's plan is used up: stop calling it for the rest of the run."""


class NetworkUnavailable(ProviderError):
    """The provider could not be reached after every retry: the run stops, resumable."""


@dataclass(frozen=True, slots=True)
class DiscoveryPage:
    """One page of discovery results, with the calls it took."""

    businesses: tuple[Business, ...]
    next_page_token: str | None
    calls: tuple[ApiCall, ...] = ()


@dataclass(frozen=True, slots=True)
class DomainSearch:
    """What an email finder knows about one registrable domain."""

    domain: str
    candidates: tuple[EmailCandidate, ...]
    calls: tuple[ApiCall, ...] = ()
    accept_all: bool = False


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict on one email address."""

    email: str
    status: EmailStatus
    flags: tuple[str, ...] = ()
    suggested_correction: str = ""
    calls: tuple[ApiCall, ...] = ()


# ---------------------------------------------------------------------------
# Provider protocols (live and demo implementations live in net/providers)
# ---------------------------------------------------------------------------


class Discovery(Protocol):
    """Finds businesses for a text query, one page at a time."""

    provider: str
    max_results_per_query: int
    billing_sku: str  # SKU of one page request: its price is reserved against a budget

    def search(self, config: CampaignConfig, page_token: str | None, cancel: CancelToken) -> DiscoveryPage:
        """Return one page; ``next_page_token`` is None on the last page."""
        ...


class EmailFinder(Protocol):
    """Finds email addresses for a registrable domain."""

    provider: str
    billing_sku: str  # SKU of one search at its most expensive (reserved against a budget)

    def find(self, domain: str, cancel: CancelToken) -> DomainSearch:
        """Search one domain; raise ProviderError subclasses on failure."""
        ...


class EmailVerifier(Protocol):
    """Verifies one email address."""

    provider: str
    billing_sku: str  # SKU of one verification (reserved against a budget)

    def verify(self, email: str, cancel: CancelToken) -> Verification:
        """Verify one address; raise ProviderError subclasses on failure."""
        ...


@dataclass(frozen=True, slots=True)
class Providers:
    """The providers a run uses. A missing finder/verifier means no key."""

    discovery: Discovery
    finder: EmailFinder | None = None
    verifier: EmailVerifier | None = None
    demo: bool = False
