"""Live email finding through Hunter.io v2 Domain Search (apis.md 2.1, 2.2, 2.5, 2.6).

The key travels in the ``X-API-KEY`` header, never in the query string. Hunter's
status codes are unusual: 403 means "rate limit reached" (back off and retry) and
429 means the plan's credits are used up (stop calling Hunter for the run).
"""

from __future__ import annotations

import math

import httpx

from leadgen_desktop.domain import (
    CancelToken,
    DomainSearch,
    EmailCandidate,
    ProviderAuthError,
    ProviderError,
    QuotaExhausted,
)
from leadgen_desktop.net.http import (
    BadJson,
    KeyCheck,
    clamped_int,
    json_object,
    opt_email,
    opt_float,
    opt_str,
)
from leadgen_desktop.net.providers.base import LiveProvider
from leadgen_desktop.net.retry import Decision, Failure, Success, run_key_check, status_failure

PROVIDER = "hunter"
LABEL = "Hunter.io"
SEARCH_PATH = "/v2/domain-search"
ACCOUNT_PATH = "/v2/account"
SEARCH_LIMIT = 10
EMAILS_PER_CREDIT = 10
SKU = "hunter_credit"


def credits_for(emails_returned: int) -> int:
    """Domain Search credits: 1 per started block of 10 emails returned, 0 for none."""
    return math.ceil(max(emails_returned, 0) / EMAILS_PER_CREDIT)


WORST_CREDITS = credits_for(SEARCH_LIMIT)
"""The most one search may cost under Hunter's contract: ``limit`` emails, 1 credit per 10."""


def parse_candidate(item: object) -> EmailCandidate | None:
    """Map one ``data.emails[]`` item; None when it has no usable ``value``.

    ``confidence`` is rounded and clamped into 0-100 (0 when it is not a number).
    """
    if not isinstance(item, dict):
        return None
    email = opt_email(item.get("value"))
    if email is None:
        return None
    kind = item.get("type")
    return EmailCandidate(
        email=email,
        confidence=clamped_int(item.get("confidence"), 0, 100) or 0,
        kind=kind if kind in ("personal", "generic") else "generic",
        first_name=opt_str(item.get("first_name")),
        last_name=opt_str(item.get("last_name")),
        position=opt_str(item.get("position")),
        seniority=opt_str(item.get("seniority")),
        department=opt_str(item.get("department")),
    )


def _error_details(response: httpx.Response) -> str:
    """The ``errors[].details`` texts of a Hunter error body, or ''."""
    try:
        errors = json_object(response).get("errors")
    except BadJson:
        return ""
    if not isinstance(errors, list):
        return ""
    texts = [opt_str(e.get("details")) or opt_str(e.get("id")) for e in errors if isinstance(e, dict)]
    return "; ".join(t for t in texts if t)


def classify_error(response: httpx.Response) -> Failure:
    """Map a Hunter error status to a Failure (apis.md 2.1 status table)."""
    status = response.status_code
    details = _error_details(response)
    suffix = f": {details}" if details else ""
    if status == 401:
        return Failure(
            "auth_failure",
            f"{LABEL} rejected the API key (401): check the key in Settings → API keys.",
            error=ProviderAuthError,
        )
    if status == 403:
        return Failure("rate_limited", f"{LABEL} rate limit reached (403)", retryable=True)
    if status == 429:
        return Failure(
            "quota_exhausted", f"{LABEL} usage for this plan is exhausted{suffix}", error=QuotaExhausted
        )
    if status in (202, 222):
        return Failure("retry_later", f"{LABEL} asked to try again later (HTTP {status})", retryable=True)
    if status >= 500:
        return status_failure(response, LABEL)
    return Failure("bad_request", f"{LABEL} refused the request (HTTP {status}){suffix}")


class HunterEmailFinder(LiveProvider):
    """``domain.EmailFinder`` over Hunter.io Domain Search."""

    provider = PROVIDER
    label = LABEL
    billing_sku = SKU  # one search with limit=10 costs at most 1 credit

    def find(self, domain: str, cancel: CancelToken) -> DomainSearch:
        """Search one registrable domain (first 10 emails, at most 1 credit)."""
        name = domain.strip().lower().rstrip(".")
        if not name:
            raise ProviderError(PROVIDER, "no domain to search")

        def send() -> httpx.Response:
            return self._send(
                "GET",
                SEARCH_PATH,
                params={"domain": name, "limit": SEARCH_LIMIT},
                headers={"X-API-KEY": self._key},
            )

        def interpret(response: httpx.Response) -> Decision[DomainSearch]:
            if response.status_code != 200:
                return classify_error(response)
            try:
                return self._read_search(name, json_object(response))
            except BadJson as exc:
                return Failure("bad_response", f"{LABEL} sent an unreadable answer: {exc}")

        search, calls = self._retry.run(
            provider=PROVIDER,
            endpoint=SEARCH_PATH,
            sku=SKU,
            send=send,
            interpret=interpret,
            cancel=cancel,
            limiter=self._limiter,
            label=LABEL,
            secrets=(self._key,),
            worst_units=WORST_CREDITS,
        )
        return DomainSearch(search.domain, search.candidates, calls, search.accept_all)

    @staticmethod
    def _read_search(domain: str, body: dict[str, object]) -> Success[DomainSearch]:
        data = body.get("data")
        if not isinstance(data, dict):
            raise BadJson("'data' is missing or not an object")
        emails = data.get("emails")
        if emails is None:
            emails = []
        if not isinstance(emails, list):
            raise BadJson(f"'data.emails' was {type(emails).__name__}, not a list")
        seen: set[str] = set()
        candidates: list[EmailCandidate] = []
        for item in emails:
            candidate = parse_candidate(item)
            if candidate is not None and candidate.email not in seen:
                seen.add(candidate.email)
                candidates.append(candidate)
                if len(candidates) == SEARCH_LIMIT:
                    break  # asked for 10: a longer list is not kept (what it bills is unchanged)
        accept_all = data.get("accept_all") is True
        result = DomainSearch(domain, tuple(candidates), accept_all=accept_all)
        return Success(result, units=credits_for(len(emails)))

    def account(self, cancel: CancelToken | None = None) -> KeyCheck:
        """Free ``GET /v2/account``: is the key usable, and how many credits are left."""

        def send() -> httpx.Response:
            return self._send("GET", ACCOUNT_PATH, headers={"X-API-KEY": self._key})

        def interpret(response: httpx.Response) -> Decision[KeyCheck]:
            if response.status_code != 200:
                failure = classify_error(response)
                if failure.error is QuotaExhausted:  # the key works, the plan is used up
                    return Success(KeyCheck(True, failure.message, remaining=0.0))
                return failure
            try:
                data = json_object(response).get("data")
            except BadJson as exc:
                return Failure("bad_response", f"{LABEL} sent an unreadable answer: {exc}")
            if not isinstance(data, dict):
                return Failure("bad_response", f"{LABEL} sent an account answer without 'data'")
            remaining = _remaining(data)
            plan = opt_str(data.get("plan_name"))
            text = f"{LABEL} accepted the key" + (f" (plan {plan})" if plan else "")
            if remaining is not None:
                text += f"; {remaining:g} credits left this period"
            return Success(KeyCheck(True, text + ".", remaining=remaining))

        return run_key_check(
            self._retry,
            provider=PROVIDER,
            endpoint=ACCOUNT_PATH,
            send=send,
            interpret=interpret,
            cancel=cancel,
            limiter=self._limiter,
            label=LABEL,
            key=self._key,
        )

    def test_key(self, cancel: CancelToken | None = None) -> KeyCheck:
        """Alias of :meth:`account` for the Settings "Test" button."""
        return self.account(cancel)


def _remaining(data: dict[str, object]) -> float | None:
    """Credits left: ``available - used`` of ``requests.credits`` (else searches, else ``calls``)."""
    requests = data.get("requests")
    blocks: list[object] = []
    if isinstance(requests, dict):
        blocks += [requests.get("credits"), requests.get("searches")]
    blocks.append(data.get("calls"))
    for block in blocks:
        if isinstance(block, dict):
            available = opt_float(block.get("available"))
            used = opt_float(block.get("used"))
            if available is not None:
                return max(available - (used or 0.0), 0.0)
    return None
