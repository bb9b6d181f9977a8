"""Plain, immutable vocabulary of leadgen-desktop and the provider protocols.

Everything here is pure data: no I/O, no Qt, no database. Every other layer
(db, net, core, gui, cli) speaks in these types, so they are the project's
shared contract. The package is split by subject; import from the package:

* ``enums``: job status, stages, email status and reasons, provider names;
* ``config``: the campaign a user asks for and its validation;
* ``leads``: businesses, email candidates, score components, leads;
* ``billing``: API calls, prices, metrics;
* ``events``: what the pipeline reports;
* ``cancel``: the cancel token;
* ``geo``: areas and tiles on the globe;
* ``providers``: provider results, errors and protocols;
* ``text``: the text normalisation of the quick filters.
"""

from __future__ import annotations

from leadgen_desktop.domain.billing import (
    DEFAULT_PRICES,
    ApiCall,
    Metrics,
    PriceTable,
)
from leadgen_desktop.domain.cancel import (
    Cancelled,
    CancelToken,
)
from leadgen_desktop.domain.config import (
    MAX_RESULTS_RANGE,
    MIN_SCORE_RANGE,
    TEXT_FIELD_MAX,
    CampaignConfig,
    FieldError,
)
from leadgen_desktop.domain.enums import (
    DEMO_PROVIDER_PREFIX,
    PROVIDERS,
    BusinessStatus,
    EmailReason,
    EmailStatus,
    JobStatus,
    Stage,
    email_status_label,
)
from leadgen_desktop.domain.events import (
    EventCallback,
    JobFinished,
    LeadStored,
    PipelineEvent,
    ProgressEvent,
)
from leadgen_desktop.domain.geo import Area, AreaError, haversine_m
from leadgen_desktop.domain.leads import (
    Business,
    EmailCandidate,
    Lead,
    ScoreComponent,
)
from leadgen_desktop.domain.providers import (
    RESULTS_PER_PAGE,
    RESULTS_PER_QUERY,
    AreaDiscovery,
    Discovery,
    DiscoveryPage,
    DomainSearch,
    EmailFinder,
    EmailVerifier,
    IdsPage,
    LocatedArea,
    LocationLookup,
    NetworkUnavailable,
    ProviderAuthError,
    ProviderError,
    Providers,
    QuotaExhausted,
    Verification,
)
from leadgen_desktop.domain.text import FIELD_SEPARATOR, campaign_title, search_key

__all__ = [
    "DEFAULT_PRICES",
    "DEMO_PROVIDER_PREFIX",
    "FIELD_SEPARATOR",
    "MAX_RESULTS_RANGE",
    "MIN_SCORE_RANGE",
    "PROVIDERS",
    "RESULTS_PER_PAGE",
    "RESULTS_PER_QUERY",
    "TEXT_FIELD_MAX",
    "ApiCall",
    "Area",
    "AreaDiscovery",
    "AreaError",
    "Business",
    "BusinessStatus",
    "CampaignConfig",
    "CancelToken",
    "Cancelled",
    "Discovery",
    "DiscoveryPage",
    "DomainSearch",
    "EmailCandidate",
    "EmailFinder",
    "EmailReason",
    "EmailStatus",
    "EmailVerifier",
    "EventCallback",
    "FieldError",
    "IdsPage",
    "JobFinished",
    "JobStatus",
    "Lead",
    "LeadStored",
    "LocatedArea",
    "LocationLookup",
    "Metrics",
    "NetworkUnavailable",
    "PipelineEvent",
    "PriceTable",
    "ProgressEvent",
    "ProviderAuthError",
    "ProviderError",
    "Providers",
    "QuotaExhausted",
    "ScoreComponent",
    "Stage",
    "Verification",
    "campaign_title",
    "email_status_label",
    "haversine_m",
    "search_key",
]
