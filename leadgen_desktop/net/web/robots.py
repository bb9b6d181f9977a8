"""robots.txt: read once per origin before its first page, kept for the crawler's life, obeyed.

Parsed with Protego (Scrapy's parser): it implements RFC 9309 (longest match
wins, ``Allow`` beats ``Disallow`` on a tie, ``*`` and ``$`` patterns), which
``urllib.robotparser`` does not (first match wins, no wildcards). Our group is
the one whose ``User-agent`` matches our product token ``leadgen-desktop``,
else ``*``.

What an unusual answer means (RFC 9309 section 2.3.1):

* 2xx: the rules in the file apply.
* 4xx other than 429 ("unavailable"): no rules, every page may be read.
* 429 and 5xx ("unreachable"): every page is disallowed; the site's outcome is
  ``robots_unavailable``. A timeout or a failed connection also disallows
  everything, and the site's outcome is then ``timeout`` / ``unreachable``.
* A redirect off the site or more than five redirects: treated as unavailable
  (no rules), since we never read another domain.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import httpx
from protego import Protego

from leadgen_desktop.domain import CancelToken, SiteOutcome, registrable_domain
from leadgen_desktop.net.cancellable import POLL_SECONDS
from leadgen_desktop.net.http import USER_AGENT
from leadgen_desktop.net.web.fetch import FetchKind, PageFetcher, Permission

MAX_ORIGINS = 4096
"""Origins whose rules are kept (least recently used ones are forgotten)."""

_FAILURES_THAT_BLOCK = frozenset({SiteOutcome.TIMEOUT, SiteOutcome.UNREACHABLE, SiteOutcome.BLOCKED_ADDRESS})


@dataclass(frozen=True, slots=True)
class _Rules:
    """One origin's verdict: a parser, or a blanket answer."""

    parser: Protego | None = None
    refusal: SiteOutcome | None = None
    detail: str = ""


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    rules: _Rules | None = None


class RobotsCache:
    """robots.txt rules per origin (scheme, host, port). Thread-safe; one fetch per origin."""

    def __init__(self, fetcher: PageFetcher, *, user_agent: str = USER_AGENT) -> None:
        self._fetcher = fetcher
        self._user_agent = user_agent
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str, int | None], _Entry] = OrderedDict()

    def permission(self, url: httpx.URL, cancel: CancelToken) -> Permission:
        """May ``url`` be fetched? Reads the origin's robots.txt first if needed (raises ``Cancelled``)."""
        key = (url.scheme, url.host.lower(), url.port)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
                while len(self._entries) > MAX_ORIGINS:
                    self._entries.popitem(last=False)
            self._entries.move_to_end(key)
        requests = 0
        while not entry.lock.acquire(timeout=POLL_SECONDS):
            cancel.raise_if_cancelled()
        try:
            if entry.rules is None:
                entry.rules, requests = self._load(url, cancel)
            rules = entry.rules
        finally:
            entry.lock.release()
        if rules.refusal is not None:
            return Permission(rules.refusal, rules.detail, requests)
        if rules.parser is not None and not rules.parser.can_fetch(str(url), self._user_agent):
            return Permission(SiteOutcome.ROBOTS_DISALLOWED, f"robots.txt disallows {url.path}", requests)
        return Permission(requests=requests)

    def _load(self, url: httpx.URL, cancel: CancelToken) -> tuple[_Rules, int]:
        robots_url = url.copy_with(path="/robots.txt", query=None, fragment=None)
        site = registrable_domain(url.host) or ""
        answer = self._fetcher.fetch(str(robots_url), cancel, site_domain=site, kind=FetchKind.ROBOTS)
        if answer.failure in _FAILURES_THAT_BLOCK:
            outcome = answer.failure
            assert outcome is not None
            return _Rules(refusal=outcome, detail=f"robots.txt: {answer.detail}"), answer.requests
        if answer.failure is not None or answer.status is None:
            return _Rules(), answer.requests  # unavailable: no rules
        status = answer.status
        if status == 429 or status >= 500:
            detail = f"robots.txt answered HTTP {status}; every page counts as disallowed (RFC 9309)"
            return _Rules(refusal=SiteOutcome.ROBOTS_UNAVAILABLE, detail=detail), answer.requests
        if not 200 <= status < 300:
            return _Rules(), answer.requests
        text = answer.body.decode("utf-8", errors="replace")
        return _Rules(parser=Protego.parse(text)), answer.requests
