"""Opening a lead's website or Google Maps page: only http(s) links reach the system opener.

A stored link came from a provider (or an older version of this app that kept more), so
it is checked again right before it is handed to the operating system: ``javascript:``,
``file:``, ``smb:``, ``search-ms:`` and every other scheme are refused. The rule itself is
:func:`leadgen_desktop.domain.web_url`, the one the parsers apply.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from leadgen_desktop.domain import WEB_SCHEMES, web_url

log = logging.getLogger(__name__)


def open_web_page(link: str | None) -> bool:
    """Open ``link`` in the browser when it is an http(s) URL; False (nothing opened) otherwise."""
    checked = web_url(link)
    url = QUrl(checked, QUrl.ParsingMode.StrictMode) if checked else QUrl()
    if not url.isValid() or url.scheme().lower() not in WEB_SCHEMES or not url.host():
        if link:
            log.warning("Refused to open a link that is not an http(s) URL")
        return False
    return bool(QDesktopServices.openUrl(url))
