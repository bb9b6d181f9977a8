"""The one httpx client factory, plus small helpers shared by the live providers.

Every live provider receives an ``httpx.Client`` built here (or, in tests, one built
here around an injected transport), so timeouts, the User-Agent, connection limits
and the per-request deadline (:mod:`leadgen_desktop.net.bounded`) are set in exactly
one place. The environment's base URLs and keys are checked here before anything is
sent (:class:`ConfigError` names the variable or provider, never the key). The helpers
decode JSON defensively, clamp or drop untrusted numbers and links, redact API keys
from any text and keep httpx's own request log lines free of keys.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from leadgen_desktop import __version__
from leadgen_desktop.domain import MAX_URL_LENGTH, ApiCall, web_url
from leadgen_desktop.net.bounded import install_deadline

DEFAULT_BASE_URLS: Mapping[str, str] = {
    "google_places": "https://places.googleapis.com",
    "hunter": "https://api.hunter.io",
    "neverbounce": "https://api.neverbounce.com",
}
"""Production base URLs, keyed by provider id."""

BASE_URL_ENV: Mapping[str, str] = {
    "google_places": "LEADGEN_GOOGLE_PLACES_URL",
    "hunter": "LEADGEN_HUNTER_URL",
    "neverbounce": "LEADGEN_NEVERBOUNCE_URL",
}
"""Environment variables that replace the base URLs (e.g. a local fake server)."""

READ_TIMEOUTS: Mapping[str, float] = {
    "google_places": 15.0,
    "hunter": 15.0,
    "neverbounce": 20.0,  # a single check can take ~10 s on slow mail hosts
}
"""Per-provider read timeout in seconds."""

CONNECT_TIMEOUT = 5.0
MAX_CONNECTIONS = 32
"""Connections per provider client: at least the pipeline's worker threads (2 × concurrency = 24),
since every worker may be waiting on the same provider (a NeverBounce check can take ~10 s);
kept alive so a burst does not pay a new TLS handshake per request."""
USER_AGENT = f"leadgen-desktop/{__version__} (+local desktop app)"

_ALIASES = {"google": "google_places"}
_SECRET_QUERY = re.compile(r"((?:^|[?&;\s])(?:api_)?key=)[^&\s\"'#]*", re.IGNORECASE)


def _provider_id(provider: str) -> str:
    name = _ALIASES.get(provider, provider)
    if name not in DEFAULT_BASE_URLS:
        raise ValueError(f"unknown provider {provider!r}; expected one of {sorted(DEFAULT_BASE_URLS)}")
    return name


class ConfigError(ValueError):
    """A LEADGEN_*_URL variable or an API key cannot be used; the message says which and how to fix it.

    It never contains a key. The command exits 2 on it; the window shows it.
    """


def base_url_for(provider: str) -> str:
    """The base URL for ``provider``: its LEADGEN_*_URL variable when set, else production.

    Raises:
        ConfigError: the variable is set but blank, or not an ``http(s)://host[:port]`` URL.
            A blank value is an error rather than production: pointing a test at the real
            (paid) API by mistake is what it would cost.
    """
    name = _provider_id(provider)
    variable = BASE_URL_ENV[name]
    value = os.environ.get(variable)
    if value is None or value == "":
        return DEFAULT_BASE_URLS[name]
    problem = _base_url_problem(value)
    if problem:
        raise ConfigError(
            f"{variable} {problem}; set it to a base URL such as http://127.0.0.1:8080, "
            f"or unset it to use {DEFAULT_BASE_URLS[name]}."
        )
    return value.strip().rstrip("/")


def _base_url_problem(value: str) -> str | None:
    text = value.strip()
    if not text:
        return "is only white space"
    if not text.lower().startswith(("http://", "https://")):
        return "is not an http:// or https:// URL"
    if web_url(text) is None:
        return "is not a valid URL (a host, an optional port and path, nothing else)"
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError):
        return "is not a valid URL"
    if url.query or url.fragment:
        return "must not have a query (?...) or a fragment (#...)"
    return None


def check_api_key(provider: str, label: str, key: str) -> str:
    """``key`` without surrounding white space, when it can be sent in a request.

    ``label`` is the provider's name for people ("Hunter.io").

    Raises:
        ConfigError: it is empty or holds characters no API key has (non-ASCII, spaces,
            control characters); the message names the provider, never the key.
    """
    name = _provider_id(provider)
    value = key.strip()
    if not value:
        raise ConfigError(f"The {label} API key is empty; store the whole key.")
    if not all("!" <= char <= "~" for char in value):
        raise ConfigError(
            f"The {label} API key holds characters an API key cannot have (non-ASCII letters, "
            "spaces or control characters): copy it again from the provider's dashboard and store it "
            f"with 'leadgen keys set {name}' or in its LEADGEN_*_KEY variable."
        )
    return value


_TLS_CONTEXTS: dict[bool, ssl.SSLContext] = {}
_TLS_LOCK = threading.Lock()


def _api_tls_context(trust_env: bool) -> ssl.SSLContext:
    """The TLS context the providers' clients share: what ``httpx.Client(trust_env=...)`` builds by
    default (certifi's CA bundle, or SSL_CERT_FILE / SSL_CERT_DIR when ``trust_env``), read once.
    Each client made its own before, ~20-40 ms apiece of the CLI's start-up before its first request.
    A caller waits for a reading already under way (:func:`read_api_certificates_early`)."""
    with _TLS_LOCK:
        context = _TLS_CONTEXTS.get(trust_env)
        if context is None:
            context = _TLS_CONTEXTS[trust_env] = httpx.create_ssl_context(trust_env=trust_env)
        return context


def read_api_certificates_early(provider: str = "google_places") -> None:
    """Start reading the CA bundle ``provider``'s client will use, on a thread of its own.

    Reading it (~25 ms) releases the interpreter lock, so it runs beside the imports and the
    database opening that come before the first request instead of ahead of it. Does nothing
    when the provider's URL variable is unusable: building the client reports that.
    """
    try:
        trust_env = not _is_loopback(base_url_for(_provider_id(provider)))
    except ValueError:  # ConfigError too
        return
    threading.Thread(target=_api_tls_context, args=(trust_env,), name="leadgen-tls", daemon=True).start()


def build_client(
    provider: str,
    *,
    transport: httpx.BaseTransport | None = None,
    base_url: str | None = None,
) -> httpx.Client:
    """Build the ``httpx.Client`` one provider uses (timeouts, User-Agent, keep-alive).

    ``transport`` replaces the network (tests pass an ``httpx.MockTransport``) and
    ``base_url`` replaces :func:`base_url_for`.
    """
    name = _provider_id(provider)
    install_log_redaction()
    base = (base_url or base_url_for(name)).rstrip("/")
    trust_env = not _is_loopback(base)
    client = httpx.Client(
        base_url=base,
        timeout=httpx.Timeout(READ_TIMEOUTS[name], connect=CONNECT_TIMEOUT),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        limits=httpx.Limits(
            max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS, keepalive_expiry=30.0
        ),
        transport=transport,
        verify=True if transport is not None else _api_tls_context(trust_env),  # a transport has its own
        follow_redirects=False,
        trust_env=trust_env,
    )
    install_deadline(client)
    return client


def _is_loopback(url: str) -> bool:
    """True for a base URL on this machine (``LEADGEN_*_URL`` at a local server): never sent via a proxy.

    Website tests and users behind a proxy set ``HTTP(S)_PROXY`` for the whole
    environment; a provider served on loopback must still be reached directly.
    """
    try:
        host = httpx.URL(url).host
    except httpx.InvalidURL:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------


def redact(text: str, *secrets: str | None) -> str:
    """Return ``text`` with every secret and every ``key=``/``api_key=`` value masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _SECRET_QUERY.sub(r"\1***", text)


class _RedactingFilter(logging.Filter):
    """Masks ``key=`` query values in httpx/httpcore log records (NeverBounce puts its key there)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(str(arg)) if _looks_like_url(arg) else arg for arg in args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def _looks_like_url(value: object) -> bool:
    return isinstance(value, httpx.URL) or (isinstance(value, str) and "key=" in value.lower())


_FILTER = _RedactingFilter()


def install_log_redaction() -> None:
    """Attach the key-redacting filter to httpx's loggers (idempotent)."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


# ---------------------------------------------------------------------------
# JSON helpers
# ---------------------------------------------------------------------------


class BadJson(ValueError):
    """The body was not the JSON object the provider documents."""


def json_object(response: httpx.Response) -> dict[str, object]:
    """Decode the body as a JSON object, or raise :class:`BadJson` with a readable reason."""
    try:
        value = json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        kind = response.headers.get("content-type", "unknown type").split(";")[0]
        raise BadJson(f"the answer was not JSON ({kind}, HTTP {response.status_code})") from exc
    if not isinstance(value, dict):
        raise BadJson(f"the answer was JSON {type(value).__name__}, not an object")
    return value


MAX_TEXT = 500
"""Longest text field kept from a provider answer (longer values are cut)."""
MAX_URL = MAX_URL_LENGTH
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]+")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z0-9-]{2,63}$")


def opt_str(value: object, limit: int = MAX_TEXT) -> str | None:
    """A clean, non-empty string from untrusted ``value``, else None.

    Control and bidi-override characters become spaces, runs of white space
    collapse, and the text is cut to ``limit`` characters.
    """
    if not isinstance(value, str):
        return None
    text = " ".join(_CONTROL.sub(" ", value).split())
    return text[:limit] or None


def opt_url(value: object) -> str | None:
    """An http(s) link (a bare host gets ``https://``), else None; the rule is ``domain.web_url``.

    ``javascript:``, ``file:``, ``smb:``, ``search-ms:`` and every other scheme are
    dropped, so nothing stored can reach the system opener or a CSV as such a link.
    """
    return web_url(value)


def opt_email(value: object) -> str | None:
    """A plausible email address (lower-cased), else None."""
    text = opt_str(value, 254)
    if text is None:
        return None
    text = text.lower()
    return text if _EMAIL.match(text) else None


def opt_float(value: object) -> float | None:
    """``value`` as a float if it is a real number (bools excluded), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond any float
        return None
    return number if number == number and abs(number) != float("inf") else None


def opt_int(value: object) -> int | None:
    """``value`` if it is an integer (or an integral float), bools excluded, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def float_in(value: object, low: float, high: float) -> float | None:
    """``value`` as a float when it is a number within [low, high]; else None (dropped)."""
    number = opt_float(value)
    return number if number is not None and low <= number <= high else None


def int_in(value: object, low: int, high: int) -> int | None:
    """``value`` as an int when it is a whole number within [low, high]; else None (dropped).

    Strings, fractions, bools and numbers out of range (``10**30`` overflows SQLite's
    INTEGER) are all None: a count nobody can trust is no count.
    """
    number = opt_int(value)
    return number if number is not None and low <= number <= high else None


def clamped_int(value: object, low: int, high: int) -> int | None:
    """``value`` rounded to an int and clamped into [low, high]; None when it is not a number."""
    number = opt_float(value)
    if number is None:
        return None
    return min(max(round(number), low), high)


# ---------------------------------------------------------------------------
# Key checks
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """Result of a free "is this key usable?" call (the Settings "Test" button).

    ``remaining`` is the credits/requests left when the provider tells it.
    """

    ok: bool
    message: str
    remaining: float | None = None
    calls: tuple[ApiCall, ...] = ()
