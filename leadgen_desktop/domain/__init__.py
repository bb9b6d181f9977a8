"""Plain, immutable vocabulary of leadgen-desktop and the provider protocols.

Everything here is pure data: no I/O, no Qt, no database. Every other layer
(db, net, core, gui, cli) speaks in these types, so they are the project's
shared contract. The package is split by subject; import from the package:

* ``enums``: job status, stop reasons, stages, email status and reasons, provider names;
* ``config``: the campaign a user asks for and its validation;
* ``leads``: businesses, email candidates, score components, leads;
* ``billing``: API calls, prices, metrics, the budget stop;
* ``events``: what the pipeline reports;
* ``cancel``: the cancel token and the wake-up latch (both safe in a signal handler);
* ``ledger``: the hook that writes each paid request down before it is sent;
* ``geo``: areas and tiles on the globe;
* ``coverage``: what an area search covered (for the coverage picture);
* ``providers``: provider results, errors and protocols;
* ``urls``: the one rule for web links (http(s) only);
* ``web_domains``: registrable domains, email/domain matching, free-mail providers;
* ``website``: what a website crawl found (addresses, outcome);
* ``mail_server``: whether an email domain can receive mail (MX check);
* ``text``: the text normalisation of the quick filters.
"""

from __future__ import annotations

from leadgen_desktop.domain.billing import (
    DEFAULT_PRICES,
    ApiCall,
    BudgetStop,
    Metrics,
    PriceTable,
)
from leadgen_desktop.domain.cancel import (
    Cancelled,
    CancelToken,
    Waker,
)
from leadgen_desktop.domain.config import (
    MAX_RESULTS_RANGE,
    MIN_SCORE_RANGE,
    TEXT_FIELD_MAX,
    CampaignConfig,
    FieldError,
)
from leadgen_desktop.domain.coverage import Coverage, CoverageTile
from leadgen_desktop.domain.enums import (
    DEMO_PROVIDER_PREFIX,
    EMAIL_SOURCE_KEYS,
    PROVIDERS,
    BusinessStatus,
    EmailReason,
    EmailSource,
    EmailStatus,
    HunterMode,
    JobStatus,
    Stage,
    StopReason,
    email_source_key,
    email_status_label,
)
from leadgen_desktop.domain.events import (
    CoverageEvent,
    EventCallback,
    JobFinished,
    LeadStored,
    PipelineEvent,
    ProgressEvent,
)
from leadgen_desktop.domain.geo import AREA_EXAMPLE, AREA_FORMAT, Area, AreaError, haversine_m
from leadgen_desktop.domain.leads import (
    Business,
    EmailCandidate,
    Lead,
    ScoreComponent,
)
from leadgen_desktop.domain.ledger import (
    BudgetReached,
    Ledger,
    PaidAttempt,
    current_ledger,
    paying_into,
)
from leadgen_desktop.domain.mail_server import MailServerCheck, MailServerStatus
from leadgen_desktop.domain.providers import (
    RESULTS_PER_PAGE,
    RESULTS_PER_QUERY,
    AreaDiscovery,
    AreaUnknown,
    Discovery,
    DiscoveryPage,
    DomainSearch,
    EmailFinder,
    EmailVerifier,
    IdsPage,
    LocatedArea,
    LocationLookup,
    MailServerLookup,
    NetworkUnavailable,
    ProviderAuthError,
    ProviderError,
    Providers,
    QuotaExhausted,
    Verification,
    WebsiteReader,
)
from leadgen_desktop.domain.text import FIELD_SEPARATOR, campaign_title, search_key
from leadgen_desktop.domain.urls import (
    MAX_URL_LENGTH,
    WEB_SCHEMES,
    is_web_url,
    web_url,
)
from leadgen_desktop.domain.web_domains import (
    FREE_MAIL_DOMAINS,
    ascii_domain_name,
    email_domain_matches,
    email_registrable_domain,
    is_free_mail,
    registrable_domain,
)
from leadgen_desktop.domain.website import EmailMethod, FoundAddress, SiteOutcome, SiteResult

__all__ = [
    "AREA_EXAMPLE",
    "AREA_FORMAT",
    "DEFAULT_PRICES",
    "DEMO_PROVIDER_PREFIX",
    "EMAIL_SOURCE_KEYS",
    "FIELD_SEPARATOR",
    "FREE_MAIL_DOMAINS",
    "MAX_RESULTS_RANGE",
    "MAX_URL_LENGTH",
    "MIN_SCORE_RANGE",
    "PROVIDERS",
    "RESULTS_PER_PAGE",
    "RESULTS_PER_QUERY",
    "TEXT_FIELD_MAX",
    "WEB_SCHEMES",
    "ApiCall",
    "Area",
    "AreaDiscovery",
    "AreaError",
    "AreaUnknown",
    "BudgetReached",
    "BudgetStop",
    "Business",
    "BusinessStatus",
    "CampaignConfig",
    "CancelToken",
    "Cancelled",
    "Coverage",
    "CoverageEvent",
    "CoverageTile",
    "Discovery",
    "DiscoveryPage",
    "DomainSearch",
    "EmailCandidate",
    "EmailFinder",
    "EmailMethod",
    "EmailReason",
    "EmailSource",
    "EmailStatus",
    "EmailVerifier",
    "EventCallback",
    "FieldError",
    "FoundAddress",
    "HunterMode",
    "IdsPage",
    "JobFinished",
    "JobStatus",
    "Lead",
    "LeadStored",
    "Ledger",
    "LocatedArea",
    "LocationLookup",
    "MailServerCheck",
    "MailServerLookup",
    "MailServerStatus",
    "Metrics",
    "NetworkUnavailable",
    "PaidAttempt",
    "PipelineEvent",
    "PriceTable",
    "ProgressEvent",
    "ProviderAuthError",
    "ProviderError",
    "Providers",
    "QuotaExhausted",
    "ScoreComponent",
    "SiteOutcome",
    "SiteResult",
    "Stage",
    "StopReason",
    "Verification",
    "Waker",
    "WebsiteReader",
    "ascii_domain_name",
    "campaign_title",
    "current_ledger",
    "email_domain_matches",
    "email_registrable_domain",
    "email_source_key",
    "email_status_label",
    "haversine_m",
    "is_free_mail",
    "is_web_url",
    "paying_into",
    "registrable_domain",
    "search_key",
    "web_url",
]
