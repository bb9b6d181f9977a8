"""The enrichment flow around the paid lookups: website first, mail server before paying, then the choice.

For a lead with a company website, :class:`WebsiteStep`:

1. reads the website (free, once per domain: :class:`WebsiteChecks`);
2. asks for the paid email search only when the Hunter mode wants it
   (:func:`~leadgen_desktop.core.emails.email_sources.search_wanted`) and the
   domain has a mail server (a domain known to receive no mail needs no search:
   its website's addresses, if any, are shown as ``invalid``);
3. chooses the email among the website's and the finder's addresses
   (merged with ``--hunter always``);
4. checks that the chosen address's domain receives mail before asking for the
   paid verification: no mail server (null MX, NXDOMAIN, neither MX nor
   address) finishes the lead as ``invalid`` with reason ``no_mail_server``,
   nothing paid; an unknown answer (DNS timeout) lets the verification go ahead.

The paid lookups themselves (single flight, cache, budget) stay the
scheduler's: it hands them in as ``search`` and ``verify``, and the endings as
``finish_without`` / ``finish_with``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from leadgen_desktop.core.emails.email_choice import choose_email
from leadgen_desktop.core.emails.email_sources import (
    finder_candidates,
    merge_candidates,
    search_wanted,
    website_candidates,
    website_provenance,
)
from leadgen_desktop.core.run.lead_work import LeadWork
from leadgen_desktop.core.run.website_checks import WebsiteChecks
from leadgen_desktop.domain import (
    DomainSearch,
    EmailCandidate,
    EmailReason,
    EmailStatus,
    HunterMode,
    MailServerCheck,
    ProviderError,
    QuotaExhausted,
    SiteResult,
)

Step = Callable[[LeadWork], None]
FinishWithout = Callable[[LeadWork, EmailReason], None]
FinishWith = Callable[[LeadWork, EmailStatus, tuple[str, ...], EmailReason | None], None]

NO_FINDER_NOTICE = (
    "Emails were not searched: no Hunter.io API key (website addresses are still used). Add one in Settings."
)


class WebsiteStep:
    """Website, mail-server check and email choice of each lead (pipeline thread)."""

    def __init__(
        self,
        checks: WebsiteChecks,
        *,
        hunter: HunterMode,
        finder: str | None,
        notice: Callable[[str], None],
        search: Step,
        verify: Step,
        finish_without: FinishWithout,
        finish_with: FinishWith,
    ) -> None:
        self._checks, self._hunter, self._finder, self._notice = checks, hunter, finder, notice
        self._search, self._verify = search, verify
        self._finish_without, self._finish_with = finish_without, finish_with

    def begin(self, work: LeadWork, website: str) -> None:
        """Start with the website of a lead whose company domain is ``work.domain``."""
        assert work.domain is not None
        self._checks.read_site(
            work.domain, website, lambda site, cached: self._after_site(work, site, cached)
        )

    def _after_site(self, work: LeadWork, site: SiteResult | None, cached: bool) -> None:
        if site is not None:
            work.provenance["website"] = website_provenance(site, cached)
            work.site_candidates = website_candidates(site)
        found = bool(work.site_candidates)
        if not search_wanted(self._hunter, found):
            self.choose(work, work.site_candidates, EmailReason.WEBSITE_FOUND_NONE)
        elif self._finder is None:
            self._notice(NO_FINDER_NOTICE)
            self.choose(work, work.site_candidates, EmailReason.NO_KEY)
        else:  # a domain without a mail server needs no paid search
            assert work.domain is not None
            self._checks.check_mail(work.domain, lambda check: self._before_search(work, check))

    def _before_search(self, work: LeadWork, check: MailServerCheck | None) -> None:
        if check is None or not check.no_mail_server:
            self._search(work)
            return
        work.provenance["mail_server"] = check.status.value
        detail = check.detail or check.status.value
        work.provenance["email_search"] = f"Not searched: {work.domain} has no mail server ({detail})."
        self.choose(work, work.site_candidates, EmailReason.NO_MAIL_SERVER)

    def searched(self, work: LeadWork, outcome: object) -> None:
        """Go on after the paid search answered for the lead's domain (a ``DomainSearch``, or an error)."""
        if isinstance(outcome, QuotaExhausted):
            self.choose(work, work.site_candidates, EmailReason.QUOTA_EXHAUSTED)
            return
        if isinstance(outcome, ProviderError):
            work.provenance["email_search"] = f"{outcome.provider} error: {outcome.message}"
            work.lead = replace(work.lead, error=outcome.message)
            self.choose(work, work.site_candidates, EmailReason.PROVIDER_ERROR)
            return
        assert self._finder is not None
        assert isinstance(outcome, DomainSearch)
        work.provenance["email_search"] = {
            "provider": self._finder,
            "domain": work.domain,
            "candidates": len(outcome.candidates),
        }
        found = finder_candidates(outcome.candidates, self._finder)
        self.choose(work, merge_candidates(work.site_candidates, found), EmailReason.PROVIDER_FOUND_NONE)

    def choose(
        self, work: LeadWork, candidates: tuple[EmailCandidate, ...], reason_if_none: EmailReason
    ) -> None:
        """Pick the lead's email among ``candidates``; without one, finish it with ``reason_if_none``."""
        assert work.domain is not None
        chosen, alternatives = choose_email(candidates, work.domain)
        if chosen is None:
            work.candidates = candidates
            self._finish_without(work, reason_if_none)
            return
        work.candidates = (chosen, *alternatives)
        work.email, work.source = chosen.email, chosen.source or None
        mail_domain = chosen.email.rpartition("@")[2]
        self._checks.check_mail(mail_domain, lambda check: self._after_mail_check(work, check))

    def _after_mail_check(self, work: LeadWork, check: MailServerCheck | None) -> None:
        if check is not None:
            work.provenance["mail_server"] = check.status.value
        if check is None or not check.no_mail_server:  # mail goes somewhere, or the DNS did not say
            self._verify(work)
            return
        detail = check.detail or check.status.value
        work.provenance["verification"] = f"Not verified: {check.domain} has no mail server ({detail})."
        self._finish_with(work, EmailStatus.INVALID, (), EmailReason.NO_MAIL_SERVER)
