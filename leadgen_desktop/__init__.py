"""leadgen-desktop: local business leads with verified emails, on your own machine."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("leadgen-desktop")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

APP_NAME = "leadgen-desktop"
