"""Choose the one email a lead gets from an email finder's candidates.

The rule, in plain words:

1. Only addresses on the website's own domain count: the email's domain must
   have the same registrable domain as the website (a ``gmail.com`` address
   or one at another company is never chosen), except addresses the website
   itself shows (source ``website``): the crawler already kept only the site's
   own domain and free mail shown as the business's own.
2. First choice is a named person who decides: a candidate of kind
   ``personal`` with a first or last name whose seniority is ``executive`` or
   whose position contains a decision-maker word (:data:`DECISION_MAKER_WORDS`:
   owner, founder, CEO, president, director, manager, partner, principal, ...;
   "Owner & Lead Dentist" and "Practice Manager" qualify, "Receptionist" does
   not). Among them the highest finder confidence wins.
3. Otherwise a generic inbox with a preferred local part, in the order of
   :data:`PREFERRED_LOCAL_PARTS` (info, contact, hello, office, admin, sales,
   enquiries, inquiries, appointments, frontdesk, reception); dots, dashes and
   underscores are ignored, so ``front.desk@`` is ``frontdesk@``. The local-part
   order comes first, then confidence.
4. Otherwise any other matching candidate, highest confidence first.

Within a group an address on the website's own domain comes before free mail;
remaining ties are broken by the email address itself, so the choice is
deterministic.
The alternatives are the remaining matching candidates in the same order;
repeated addresses (compared case-insensitively) appear once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from leadgen_desktop.core.emails.domains import email_domain_matches
from leadgen_desktop.domain import EmailCandidate, EmailSource

__all__ = [
    "DECISION_MAKER_WORDS",
    "PREFERRED_LOCAL_PARTS",
    "choose_email",
    "is_decision_maker",
]

DECISION_MAKER_WORDS: tuple[str, ...] = (
    "owner",
    "co-owner",
    "founder",
    "co-founder",
    "proprietor",
    "ceo",
    "coo",
    "cfo",
    "cmo",
    "cto",
    "chief",
    "president",
    "director",
    "manager",
    "managing",
    "partner",
    "principal",
    "administrator",
    "head",
    "gm",
)
"""Words (matched as whole words, plural allowed) marking a decision maker."""

EXECUTIVE_SENIORITIES: frozenset[str] = frozenset({"executive"})
"""Finder seniority values that mark a decision maker by themselves."""

PREFERRED_LOCAL_PARTS: tuple[str, ...] = (
    "info",
    "contact",
    "hello",
    "office",
    "admin",
    "sales",
    "enquiries",
    "inquiries",
    "appointments",
    "frontdesk",
    "reception",
)
"""Generic inboxes worth writing to, best first."""

_DECISION_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(word) for word in DECISION_MAKER_WORDS) + r")s?\b", re.IGNORECASE
)
_LOCAL_RANK: dict[str, int] = {local: rank for rank, local in enumerate(PREFERRED_LOCAL_PARTS)}
_DECISION_MAKER, _PREFERRED_GENERIC, _OTHER = 0, 1, 2


def is_decision_maker(candidate: EmailCandidate) -> bool:
    """True for a named personal address whose role marks a decision maker."""
    if candidate.kind != "personal" or not (candidate.first_name or candidate.last_name):
        return False
    if (candidate.seniority or "").strip().casefold() in EXECUTIVE_SENIORITIES:
        return True
    return bool(candidate.position and _DECISION_RE.search(candidate.position))


def _local_rank(email: str) -> int | None:
    """Rank of the email's local part in :data:`PREFERRED_LOCAL_PARTS`, if any."""
    local = email.rpartition("@")[0].split("+", 1)[0].casefold()
    return _LOCAL_RANK.get(re.sub(r"[._-]", "", local))


def _rank(candidate: EmailCandidate, domain: str) -> tuple[int, int, int, int, str]:
    """Sort key: group, local-part preference, own domain first, confidence (desc), email."""
    email = candidate.email.strip().casefold()
    elsewhere = 0 if email_domain_matches(email, domain) else 1
    if is_decision_maker(candidate):
        return (_DECISION_MAKER, 0, elsewhere, -candidate.confidence, email)
    local_rank = _local_rank(email)
    if local_rank is not None:
        return (_PREFERRED_GENERIC, local_rank, elsewhere, -candidate.confidence, email)
    return (_OTHER, 0, elsewhere, -candidate.confidence, email)


def _counts(candidate: EmailCandidate, domain: str) -> bool:
    """On the website's domain, or shown by the website itself."""
    return candidate.source == EmailSource.WEBSITE.value or email_domain_matches(candidate.email, domain)


def choose_email(
    candidates: Sequence[EmailCandidate], domain: str
) -> tuple[EmailCandidate | None, tuple[EmailCandidate, ...]]:
    """Pick the lead's email among ``candidates`` for the website ``domain``.

    Returns ``(chosen, alternatives)``: ``chosen`` is None when no candidate
    counts (on ``domain``, or shown by its website); ``alternatives`` are the other matching candidates,
    ordered by the same rule (see the module docstring).
    """
    ranked = sorted((c for c in candidates if _counts(c, domain)), key=lambda c: _rank(c, domain))
    unique: list[EmailCandidate] = []
    seen: set[str] = set()
    for candidate in ranked:
        address = candidate.email.strip().casefold()
        if address not in seen:
            seen.add(address)
            unique.append(candidate)
    if not unique:
        return None, ()
    return unique[0], tuple(unique[1:])
