"""Tests for the rule choosing a lead's email among finder candidates."""

from __future__ import annotations

import random

import pytest

from leadgen_desktop.core.emails.email_choice import PREFERRED_LOCAL_PARTS, choose_email, is_decision_maker
from leadgen_desktop.domain import EmailCandidate

DOMAIN = "acme-dental.com"


def person(email: str, position: str | None, confidence: int = 80, **kw: str | None) -> EmailCandidate:
    return EmailCandidate(
        email=email,
        confidence=confidence,
        kind="personal",
        first_name=kw.get("first_name", "Jo"),
        last_name=kw.get("last_name", "Smith"),
        position=position,
        seniority=kw.get("seniority"),
    )


def generic(local: str, confidence: int = 80, domain: str = DOMAIN) -> EmailCandidate:
    return EmailCandidate(email=f"{local}@{domain}", confidence=confidence, kind="generic")


def test_empty() -> None:
    assert choose_email([], DOMAIN) == (None, ())


def test_only_matching_domain_counts() -> None:
    chosen, alternatives = choose_email(
        [person("owner@gmail.com", "Owner", 99), generic("info", 50, domain="other.com")], DOMAIN
    )
    assert chosen is None
    assert alternatives == ()


def test_subdomain_mailbox_matches() -> None:
    chosen, _ = choose_email([generic("info", domain=f"mail.{DOMAIN}")], DOMAIN)
    assert chosen is not None


def test_decision_maker_beats_generic_and_confidence() -> None:
    owner = person(f"jo@{DOMAIN}", "Owner & Lead Dentist", 45)
    info = generic("info", 99)
    receptionist = person(f"amy@{DOMAIN}", "Receptionist", 98)
    chosen, alternatives = choose_email([info, receptionist, owner], DOMAIN)
    assert chosen == owner
    assert alternatives == (info, receptionist)


@pytest.mark.parametrize(
    ("position", "seniority", "expected"),
    [
        ("Owner", None, True),
        ("Co-Founder", None, True),
        ("CEO", None, True),
        ("President", None, True),
        ("Practice Manager", None, True),
        ("Medical Director", None, True),
        ("Managing Partner", None, True),
        ("Principal Architect", None, True),
        ("Receptionist", None, False),
        ("Hygienist", None, False),
        (None, None, False),
        ("Hygienist", "executive", True),
        ("Partnerships Intern", None, False),
    ],
)
def test_decision_maker_titles(position: str | None, seniority: str | None, expected: bool) -> None:
    assert is_decision_maker(person(f"x@{DOMAIN}", position, seniority=seniority)) is expected


def test_decision_maker_needs_a_name_and_personal_kind() -> None:
    assert not is_decision_maker(person(f"x@{DOMAIN}", "Owner", first_name=None, last_name=None))
    nameless_generic = EmailCandidate(email=f"owner@{DOMAIN}", kind="generic", position="Owner")
    assert not is_decision_maker(nameless_generic)


def test_generic_preference_order_before_confidence() -> None:
    candidates = [generic(local, confidence=40 + i) for i, local in enumerate(PREFERRED_LOCAL_PARTS)]
    random.Random(3).shuffle(candidates)
    chosen, alternatives = choose_email(candidates, DOMAIN)
    ordered = [c.email.split("@")[0] for c in (chosen, *alternatives) if c is not None]
    assert ordered == list(PREFERRED_LOCAL_PARTS)


def test_front_desk_spellings() -> None:
    chosen, _ = choose_email([generic("team", 99), generic("front.desk", 40)], DOMAIN)
    assert chosen is not None
    assert chosen.email == f"front.desk@{DOMAIN}"


def test_other_candidates_last_by_confidence_then_email() -> None:
    staff_b = person(f"b@{DOMAIN}", "Hygienist", 70)
    staff_a = person(f"a@{DOMAIN}", "Hygienist", 70)
    staff_top = person(f"z@{DOMAIN}", "Assistant", 90)
    team = generic("team", 60)
    chosen, alternatives = choose_email([staff_b, team, staff_a, staff_top], DOMAIN)
    assert chosen == staff_top
    assert alternatives == (staff_a, staff_b, team)


def test_within_decision_makers_confidence_then_email() -> None:
    a = person(f"a@{DOMAIN}", "Owner", 80)
    b = person(f"b@{DOMAIN}", "Director", 80)
    c = person(f"c@{DOMAIN}", "Manager", 95)
    assert choose_email([b, a, c], DOMAIN) == (c, (a, b))


def test_duplicates_collapse_and_order_is_input_independent() -> None:
    candidates = [generic("info", 70), generic("INFO", 60), person(f"jo@{DOMAIN}", "Owner"), generic("sales")]
    results = set()
    for seed in range(6):
        shuffled = candidates[:]
        random.Random(seed).shuffle(shuffled)
        chosen, alternatives = choose_email(shuffled, DOMAIN)
        results.add((chosen, alternatives))
    assert len(results) == 1
    chosen, alternatives = results.pop()
    assert chosen is not None
    assert chosen.position == "Owner"
    assert [c.email for c in alternatives] == [f"info@{DOMAIN}", f"sales@{DOMAIN}"]
