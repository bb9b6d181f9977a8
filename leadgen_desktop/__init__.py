"""leadgen-desktop: local business leads with verified emails, on your own machine."""

__version__ = "0.1.0"
"""Must equal ``version`` in pyproject.toml (tests/unit/test_version.py checks it). Written here rather
than read from the installed metadata: importing importlib.metadata cost every start-up 30-50 ms."""

APP_NAME = "leadgen-desktop"
