"""The demo's business websites and mail servers: offline, deterministic, read by the real crawler.

Demo businesses link to ``<name>-demo-<code>.com`` sites (``demo_places``).
:class:`DemoWebsites` serves them through an ``httpx.MockTransport``, so a demo
run reads them with the same :class:`~leadgen_desktop.net.web.WebsiteCrawler`
(robots.txt, one request per host, link ranking, extraction) a live run uses,
with no network. Each site depends only on its domain:

* about 6% cannot be reached, about 4% forbid every page in robots.txt;
* about 62% show an address: a generic inbox (``info@``, ``hello@`` ...) or a
  person's address, written one of the ways the extractor knows (``mailto:``
  link, plain text, JSON-LD, microdata, Cloudflare ``data-cfemail``, ``name
  [at] domain [dot] com``), on the home page's footer or the contact page;
  some also name the owner on the about page;
* a few keep the address on a contact page robots.txt disallows (not found),
  and about 20% carry a web agency's credit with the agency's own address
  (never taken);
* the rest show no address, so the demo email finder (Hunter's stand-in) is
  asked, as live.

:class:`DemoMailServers` answers the mail-server check: about 3% of demo
domains publish a null MX and 1% do not exist (the verification is then not
paid for); free-mail domains and every other demo domain receive mail.
Every request waits the demo latency (cancel-aware), like the other demo providers.
"""

from __future__ import annotations

import html
import json
import re

import httpx

from leadgen_desktop.domain import CancelToken, MailServerCheck, MailServerStatus
from leadgen_desktop.net.providers.demo_data import DemoData, _pause, _rng, _title
from leadgen_desktop.net.web import WebsiteCrawler
from leadgen_desktop.net.web.connect import current_scope
from leadgen_desktop.net.web.transport import build_web_client

_DEMO_DOMAIN = re.compile(r"^(?:www\.)?([a-z0-9-]+-demo-[a-z0-9]{4})\.com$")
WAYS = ("mailto", "text", "jsonld", "microdata", "cfemail", "obfuscated")
AGENCY = "pixelforge-demo-studio.com"


class DemoWebsites:
    """The demo's websites as a transport (see the module docstring)."""

    def __init__(self, data: DemoData, latency: float = 0.0) -> None:
        self.data = data
        self.latency = latency

    def crawler(self) -> WebsiteCrawler:
        """A real crawler whose requests are answered by these sites."""
        return WebsiteCrawler(build_web_client(httpx.MockTransport(self.answer)))

    def answer(self, request: httpx.Request) -> httpx.Response:
        """One request to a demo site (after the demo latency)."""
        scope = current_scope()
        _pause(self.latency, scope.cancel if scope is not None else CancelToken())
        match = _DEMO_DOMAIN.match(request.url.host)
        if match is None or _rng("site", match.group(1), "down").random() < 0.06:
            raise httpx.ConnectError("the demo site does not answer", request=request)
        page = _Site(self.data, match.group(1)).page(request.url.path)
        if page is None:
            return httpx.Response(404, text="<h1>Not found</h1>", headers={"Content-Type": "text/html"})
        body, kind = page
        return httpx.Response(200, text=body, headers={"Content-Type": kind})


class _Site:
    """One demo website, decided by its domain."""

    def __init__(self, data: DemoData, name: str) -> None:
        self.domain = f"{name}.com"
        self.title = _title(name.rsplit("-demo-", 1)[0].replace("-", " "))
        r = _rng("site", name)
        self.closed_robots = r.random() < 0.04
        self.shows = r.random() < 0.62
        self.on_contact = r.random() < 0.6
        self.hidden_contact = not self.shows and r.random() < 0.15  # the address sits on a disallowed page
        self.agency = r.random() < 0.2
        self.way = r.choice(WAYS)
        first, last = r.choice(data["first_names"]), r.choice(data["last_names"])
        self.owner = f"{first} {last}"
        personal = f"{first}.{last}".lower().replace(" ", "")
        self.email = f"{r.choice(data['generic_locals']) if r.random() < 0.7 else personal}@{self.domain}"
        self.owner_email = f"{personal}@{self.domain}" if r.random() < 0.25 else None

    def page(self, path: str) -> tuple[str, str] | None:
        if path == "/robots.txt":
            rules = (
                "Disallow: /" if self.closed_robots else "Disallow: /contact" if self.hidden_contact else ""
            )
            return f"User-agent: *\n{rules}\n", "text/plain"
        footer = f"<p>&copy; {html.escape(self.title)}</p>{self._address(footer=True)}{self._credit()}"
        bodies = {
            "/": f"<h1>{html.escape(self.title)}</h1><p>Welcome! We are open six days a week.</p>",
            "/home": f"<h1>{html.escape(self.title)}</h1><p>Welcome back.</p>",
            "/about": self._about(),
            "/contact": f"<h1>Contact</h1><p>Call or visit us.</p>{self._address(footer=False)}",
        }
        body = bodies.get(path)
        if body is None:
            return None
        nav = (
            "<nav><a href='/'>Home</a> <a href='/about'>About us</a> <a href='/contact'>Contact</a> "
            "<a href='/menu.pdf'>Price list (PDF)</a></nav>"
        )
        head = f"<head><title>{html.escape(self.title)}</title></head>"
        document = f"<html>{head}<body>{nav}{body}<footer>{footer}</footer></body></html>"
        return document, "text/html; charset=utf-8"

    def _about(self) -> str:
        text = f"<h1>About us</h1><p>{html.escape(self.owner)} founded {html.escape(self.title)}.</p>"
        if self.owner_email and self.shows:
            text += f"<p>Write to the owner: <a href='mailto:{self.owner_email}'>{self.owner_email}</a></p>"
        return text

    def _address(self, *, footer: bool) -> str:
        hidden_here = self.hidden_contact and not footer
        if not (self.shows and footer != self.on_contact) and not hidden_here:
            return ""
        return _written(self.email, "text" if hidden_here else self.way, self.title)

    def _credit(self) -> str:
        if not self.agency:
            return ""
        return f"<p>Website by <a href='https://{AGENCY}/'>PixelForge</a> &middot; hello@{AGENCY}</p>"


def _written(email: str, way: str, name: str) -> str:
    """``email`` written on a page the way ``way`` says."""
    local, _, domain = email.partition("@")
    if way == "mailto":
        return f"<p><a href='mailto:{email}'>Email us</a></p>"
    if way == "jsonld":
        data = {"@context": "https://schema.org", "@type": "LocalBusiness", "name": name, "email": email}
        return f'<script type="application/ld+json">{json.dumps(data)}</script>'
    if way == "microdata":
        item = "itemscope itemtype='https://schema.org/LocalBusiness'"
        return f"<div {item}><span itemprop='email'>{email}</span></div>"
    if way == "cfemail":
        key = 0x5A
        encoded = f"{key:02x}" + "".join(f"{byte ^ key:02x}" for byte in email.encode())
        return (
            f"<p>Email: <span class='__cf_email__' data-cfemail='{encoded}'>[email&#160;protected]</span></p>"
        )
    if way == "obfuscated":
        return f"<p>Email: {local} [at] {domain.replace('.', ' [dot] ')}</p>"
    return f"<p>Email: {email}</p>"


class DemoMailServers:
    """The demo's DNS: whether an email domain receives mail (see the module docstring)."""

    def __init__(self, data: DemoData, latency: float = 0.0) -> None:
        self.data = data
        self.latency = latency

    def check(self, domain: str, cancel: CancelToken | None = None) -> MailServerCheck:
        """The mail-server status of ``domain`` (after a fifth of the demo latency)."""
        _pause(self.latency / 5, cancel if cancel is not None else CancelToken())
        name = domain.strip().lower().rstrip(".")
        if "." not in name:
            raise ValueError(f"{domain!r} is not a domain name")
        if name not in self.data["free_mail_domains"] and _DEMO_DOMAIN.match(name):
            roll = _rng("mx", name).random()
            if roll < 0.03:
                return MailServerCheck(
                    name, MailServerStatus.NULL_MX, detail="the domain publishes a null MX"
                )
            if roll < 0.04:
                return MailServerCheck(name, MailServerStatus.NXDOMAIN, detail="the domain does not exist")
        return MailServerCheck(name, MailServerStatus.MX, exchanges=(f"mx.{name}",))
