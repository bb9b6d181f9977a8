"""A small town of fake business websites, every way of showing an address and every trap, plus their DNS.

``town()`` returns the fake web, the DNS zone, and the listings (website as a
listing would give it -> the addresses that site really shows and that must
be found). Traps: an agency footer, a partner's address, a robots-disallowed
contact page, a redirect to another domain, a 5 MB page, a page that never
answers, PDF links, a website on a private address, a null MX, NXDOMAIN and a
DNS server that never answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fakes.dns_server import FakeZone
from tests.fakes.fake_web import Behaviour, FakePage, FakeWeb, html, redirect


def _cf(email: str, key: int = 0x42) -> str:
    """Cloudflare's ``data-cfemail`` encoding of ``email``."""
    return f"{key:02x}" + "".join(f"{byte ^ key:02x}" for byte in email.encode())


def _entities(text: str) -> str:
    return "".join(f"&#{ord(ch)};" for ch in text)


NAV = (
    "<nav><a href='/'>Home</a> <a href='/services'>Services</a> <a href='/about'>About us</a> "
    "<a href='/contact'>Contact</a> <a href='/brochure.pdf'>Brochure (PDF)</a></nav>"
)


@dataclass
class Town:
    """The fake web, its DNS and the listings with what each site really shows."""

    web: FakeWeb
    zone: FakeZone
    shows: dict[str, set[str]] = field(default_factory=dict)
    never_requested: set[tuple[str, str]] = field(default_factory=set)


def town() -> Town:
    """Build the fake town (see the module docstring)."""
    web = FakeWeb()
    shows: dict[str, set[str]] = {}
    never: set[tuple[str, str]] = set()

    def site(host: str, pages: dict[str, str]) -> None:
        for path, body in pages.items():
            web.add(host, path, html(f"<html><body><header>{NAV}</header>{body}</body></html>"))

    # 1. mailto written in character references, footer on every page, a web agency's credit.
    footer = (
        f"<footer><p>Smile Dental &middot; <a href='{_entities('mailto:info@smile-dental.com')}'>"
        "Email us</a></p><p>Website by <a href='https://pixel-agency.com'>Pixel Agency</a> &mdash; "
        "hello@pixel-agency.com</p></footer>"
    )
    site("smile-dental.com", {"/": f"<p>Welcome</p>{footer}", "/contact": f"<p>Call us</p>{footer}"})
    shows["https://smile-dental.com/"] = {"info@smile-dental.com"}
    never.add(("pixel-agency.com", "/"))

    # 2. JSON-LD @graph on the home page; a team page with %-encoded mailto and ?subject=.
    site(
        "oak-bakery.com",
        {
            "/": (
                '<script type="application/ld+json">{"@context":"https://schema.org","@graph":['
                '{"@type":"Bakery","name":"Oak Bakery","email":"mailto:orders@oak-bakery.com"}]}</script>'
                "<a href='/team'>Our team</a>"
            ),
            "/team": "<a href='mailto:anna%40oak-bakery.com?subject=Cake%20order'>Anna, head baker</a>",
        },
    )
    shows["https://www.oak-bakery.com/"] = {"orders@oak-bakery.com", "anna@oak-bakery.com"}
    web.add("www.oak-bakery.com", "/", redirect("https://oak-bakery.com/"))

    # 3. Microdata and Cloudflare email protection; a partner's address that must not count.
    site(
        "bright-plumbing.com",
        {
            "/": "<p>24/7 plumbing. Our supplier: sales@pipes-wholesale.com</p>",
            "/contact": (
                "<div itemscope itemtype='https://schema.org/Plumber'><span itemprop='email'>"
                "service@bright-plumbing.com</span></div>"
                f"<p>Billing: <span data-cfemail='{_cf('billing@bright-plumbing.com')}'>"
                "[email&#160;protected]</span></p>"
                f"<a href='/cdn-cgi/l/email-protection#{_cf('jobs@bright-plumbing.com', 0x17)}'>Careers</a>"
            ),
        },
    )
    shows["bright-plumbing.com"] = {
        "service@bright-plumbing.com",
        "billing@bright-plumbing.com",
        "jobs@bright-plumbing.com",
    }

    # 4. German Impressum with written-out forms; Kontakt linked from the home page.
    site(
        "zahnarzt-weber.de",
        {
            "/": "<a href='/impressum'>Impressum</a> <a href='/kontakt'>Kontakt</a>",
            "/impressum": (
                "<h1>Impressum</h1><p>Zahnarztpraxis Dr. Weber<br>E-Mail: praxis@zahnarzt-weber.de</p>"
                "<p>Verantwortlich: dr.weber(at)zahnarzt-weber(punkt)de</p>"
                "<p>Umsetzung: Webagentur Nord, kontakt@webagentur-nord.de</p>"
            ),
            "/kontakt": "<p>Termine: termine [at] zahnarzt-weber [dot] de</p>",
        },
    )
    shows["http://zahnarzt-weber.de"] = {
        "praxis@zahnarzt-weber.de",
        "dr.weber@zahnarzt-weber.de",
        "termine@zahnarzt-weber.de",
    }

    # 5. A free-mail address on the business's own page (counts); written out with words.
    site(
        "joes-pizza.com",
        {
            "/": (
                "<p>Catering orders: joespizza.catering@gmail.com</p>"
                "<p>Manager: joe at joes-pizza dot com</p>"
            )
        },
    )
    shows["https://joes-pizza.com/"] = {"joespizza.catering@gmail.com", "joe@joes-pizza.com"}

    # 6. robots.txt disallows the contact page: its address must stay unfound and the page unrequested.
    site(
        "quiet-law.com",
        {"/": "<p>Attorneys at law. office@quiet-law.com</p>", "/contact": "<p>secret@quiet-law.com</p>"},
    )
    web.add(
        "quiet-law.com",
        "/robots.txt",
        FakePage(b"User-agent: *\nDisallow: /contact\n", content_type="text/plain"),
    )
    shows["https://quiet-law.com/"] = {"office@quiet-law.com"}
    never.add(("quiet-law.com", "/contact"))

    # 7. A site that moved to another domain: nothing is read there.
    web.add("old-garage.com", "/", redirect("https://new-garage-owner.com/"))
    web.add("new-garage-owner.com", "/", html("<p>info@new-garage-owner.com</p>"))
    shows["https://old-garage.com/"] = set()
    never.add(("new-garage-owner.com", "/"))

    # 8. A 5 MB home page (the address sits past the first 1 MB).
    web.add("huge-florist.com", "/", FakePage(behaviour=Behaviour.HUGE, size=5_000_000))
    shows["https://huge-florist.com/"] = set()

    # 9. A page that never answers.
    web.add("slow-tailor.com", "/", FakePage(behaviour=Behaviour.HOLD))
    shows["https://slow-tailor.com/"] = set()

    # 10. PDF links only lead to files (never requested); the address is in the page text.
    site("print-shop.com", {"/": "<p>Send your files to print@print-shop.com</p>"})
    web.add(
        "print-shop.com",
        "/brochure.pdf",
        FakePage(b"%PDF-1.7 pdf@print-shop.com", content_type="application/pdf"),
    )
    shows["https://print-shop.com/"] = {"print@print-shop.com"}
    never.add(("print-shop.com", "/brochure.pdf"))

    # 11. A listing whose website is the user's router.
    shows["http://192.168.178.1/"] = set()

    zone = FakeZone(
        mx={
            "smile-dental.com": [(10, "mx.smile-dental.com")],
            "oak-bakery.com": [(10, "mx1.mailhost.net"), (20, "mx2.mailhost.net")],
            "bright-plumbing.com": [(0, ".")],  # null MX: accepts no mail
            "gmail.com": [(5, "gmail-smtp-in.l.google.com")],
        },
        a={"joes-pizza.com": ["93.184.215.14"]},
        exists={"quiet-law.com"},  # no MX, no A: no mail
        silent={"zahnarzt-weber.de"},  # the DNS never answers: unknown
    )
    return Town(web=web, zone=zone, shows=shows, never_requested=never)
