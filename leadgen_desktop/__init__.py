"""leadgen-desktop: local business leads with verified emails, on your own machine."""

__version__ = "0.1.0"
"""Must equal ``version`` in pyproject.toml (tests/unit/test_version.py checks it). Written here rather
than read from the installed metadata: importing importlib.metadata cost every start-up 30-50 ms."""

APP_NAME = "leadgen-desktop"


def _skip_httpx_command_line() -> None:
    """Keep ``import httpx`` from importing its own command-line client (``httpx._main``).

    httpx's ``__init__`` imports ``httpx._main`` (click, rich, pygments) whenever those are
    installed, as they are beside the dev tools: 80 ms of every start-up, for a ``main`` we never
    call. A ``None`` entry in ``sys.modules`` makes that import fail, and httpx then defines a
    stub ``main`` instead; the ``httpx`` program of the environment is another process, unaffected.
    """
    import sys

    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


_skip_httpx_command_line()
