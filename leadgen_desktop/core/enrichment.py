"""Finding and verifying one lead's email, with per-run caches so nothing is paid twice.

One :class:`Enricher` lives for one run. It remembers each registrable domain
it searched and each address it verified, so two leads on the same domain cost
one search and one address is verified once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from leadgen_desktop.core.domains import is_shared_platform, registrable_domain
from leadgen_desktop.core.email_choice import choose_email
from leadgen_desktop.core.run_state import RunState
from leadgen_desktop.domain import (
    ApiCall,
    CancelToken,
    DomainSearch,
    EmailCandidate,
    EmailReason,
    EmailStatus,
    Lead,
    ProviderAuthError,
    ProviderError,
    Providers,
    QuotaExhausted,
    Verification,
)


@dataclass(frozen=True, slots=True)
class Enriched:
    """A lead after enrichment and the calls (new, not yet logged) it took."""

    lead: Lead
    calls: tuple[ApiCall, ...]


@dataclass
class Enricher:
    """Finds and verifies emails for leads of one run.

    Raises ``ProviderAuthError`` (the job must fail) and ``Cancelled``;
    every other provider failure is folded into the lead.
    """

    providers: Providers
    verify: bool
    state: RunState
    _domains: dict[str, DomainSearch | ProviderError] = field(default_factory=dict)
    _verdicts: dict[str, Verification] = field(default_factory=dict)
    _finder_exhausted: bool = False
    _verifier_exhausted: bool = False

    def enrich(self, lead: Lead, cancel: CancelToken) -> Enriched:
        """Return ``lead`` with its email outcome and the calls made for it."""
        cancel.raise_if_cancelled()
        website = lead.business.website
        domain = registrable_domain(website)
        provenance = dict(lead.provenance)
        if not website or domain is None:
            return self._without_email(lead, EmailReason.NO_WEBSITE, provenance)
        provenance["domain"] = domain
        if is_shared_platform(domain):
            provenance["email_search"] = f"Not searched: {domain} is a shared platform, not a company domain."
            return self._without_email(lead, EmailReason.SHARED_PLATFORM, provenance)
        finder = self.providers.finder
        if finder is None:
            self.state.notice("Emails were not searched: no Hunter.io API key. Add one in Settings.")
            return self._without_email(lead, EmailReason.NO_KEY, provenance)
        if self._finder_exhausted:
            return self._without_email(lead, EmailReason.QUOTA_EXHAUSTED, provenance)

        calls: list[ApiCall] = []
        cached = domain in self._domains
        if not cached:
            try:
                self._domains[domain] = finder.find(domain, cancel)
            except QuotaExhausted as exc:
                calls.extend(exc.calls)
                self._finder_exhausted = True
                self.state.notice(
                    f"{exc.provider} quota is exhausted: the remaining leads were finished without emails."
                )
                return self._without_email(lead, EmailReason.QUOTA_EXHAUSTED, provenance, calls)
            except ProviderAuthError:
                raise
            except ProviderError as exc:
                self._domains[domain] = exc
        outcome = self._domains[domain]
        if isinstance(outcome, ProviderError):
            if not cached:
                calls.extend(outcome.calls)
            provenance["email_search"] = f"{finder.provider} error: {outcome.message}"
            lead = replace(lead, error=outcome.message)
            return self._without_email(lead, EmailReason.PROVIDER_ERROR, provenance, calls)
        if not cached:
            calls.extend(outcome.calls)
        provenance["email_search"] = {
            "provider": finder.provider,
            "domain": domain,
            "reused_in_run": cached,
            "candidates": len(outcome.candidates),
        }
        chosen, alternatives = choose_email(outcome.candidates, domain)
        if chosen is None:
            return self._without_email(
                lead, EmailReason.PROVIDER_FOUND_NONE, provenance, calls, candidates=outcome.candidates
            )
        status, flags = self._verify(chosen.email, cancel, calls, provenance)
        return Enriched(
            replace(
                lead,
                email=chosen.email,
                email_status=status,
                email_reason=None,
                email_source=finder.provider,
                candidates=(chosen, *alternatives),
                verification_flags=flags,
                provenance=provenance,
            ),
            tuple(calls),
        )

    def _verify(
        self, email: str, cancel: CancelToken, calls: list[ApiCall], provenance: dict[str, object]
    ) -> tuple[EmailStatus, tuple[str, ...]]:
        verifier = self.providers.verifier
        if not self.verify:
            provenance["verification"] = "Verification was turned off for this campaign."
            return EmailStatus.UNVERIFIED, ()
        if verifier is None:
            self.state.notice("Emails were not verified: no NeverBounce API key. Add one in Settings.")
            provenance["verification"] = "Not verified: no NeverBounce API key."
            return EmailStatus.UNVERIFIED, ()
        if self._verifier_exhausted:
            provenance["verification"] = "Not verified: the verification quota was exhausted."
            return EmailStatus.UNVERIFIED, ()
        key = email.casefold()
        if key in self._verdicts:
            verdict = self._verdicts[key]
            provenance["verification"] = {"provider": verifier.provider, "reused_in_run": True}
            return verdict.status, verdict.flags
        try:
            verdict = verifier.verify(email, cancel)
        except QuotaExhausted as exc:
            calls.extend(exc.calls)
            self._verifier_exhausted = True
            self.state.notice(f"{exc.provider} quota is exhausted: remaining emails were left unverified.")
            provenance["verification"] = f"Not verified: {exc.message}"
            return EmailStatus.UNVERIFIED, ()
        except ProviderAuthError:
            raise
        except ProviderError as exc:
            calls.extend(exc.calls)
            provenance["verification"] = f"{verifier.provider} error: {exc.message}"
            return EmailStatus.UNKNOWN, ()
        calls.extend(verdict.calls)
        self._verdicts[key] = verdict
        provenance["verification"] = {"provider": verifier.provider, "result": verdict.status.value}
        return verdict.status, verdict.flags

    @staticmethod
    def _without_email(
        lead: Lead,
        reason: EmailReason,
        provenance: dict[str, object],
        calls: list[ApiCall] | None = None,
        candidates: tuple[EmailCandidate, ...] = (),
    ) -> Enriched:
        provenance.setdefault("email_search", reason.description)
        return Enriched(
            replace(
                lead,
                email=None,
                email_status=EmailStatus.NOT_FOUND,
                email_reason=reason,
                candidates=candidates,
                provenance=provenance,
            ),
            tuple(calls or ()),
        )
