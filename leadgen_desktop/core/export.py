"""CSV export of a job's leads, streamed from the database.

Contract: UTF-8 with BOM, RFC 4180 quoting (CRLF line ends, fields with
commas, quotes or line breaks quoted), a header row whose first columns are
:data:`REQUIRED_COLUMNS`, and a guard against spreadsheet formula injection:
any cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
prefixed with ``'``. The file is written to a temporary sibling and renamed
into place, so a failed export never leaves a half-written CSV behind.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.db.store import Store

REQUIRED_COLUMNS: tuple[str, ...] = (
    "business_name",
    "address",
    "phone",
    "website",
    "email",
    "email_status",
    "confidence_score",
    "rating",
    "review_count",
    "place_id",
)
EXTRA_COLUMNS: tuple[str, ...] = (
    "email_reason",
    "email_source",
    "business_status",
    "google_maps_url",
    "lead_cost_usd",
)
COLUMNS = REQUIRED_COLUMNS + EXTRA_COLUMNS

_DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ExportError(Exception):
    """The CSV could not be written; the message says where and why."""


def neutralize(cell: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with ``'``."""
    return "'" + cell if cell.startswith(_DANGEROUS_PREFIXES) else cell


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) else repr(value)
    return str(value)


def lead_cells(lead: LeadRecord) -> list[str]:
    """One CSV row for ``lead``, in :data:`COLUMNS` order, injection-guarded."""
    cells = [
        lead.business_name,
        lead.address or "",
        lead.phone or "",
        lead.website or "",
        lead.email or "",
        lead.email_status,
        str(lead.confidence_score),
        _number(lead.rating),
        _number(lead.review_count),
        lead.place_id,
        lead.email_reason or "",
        lead.email_source or "",
        lead.business_status,
        lead.maps_url or "",
        f"{lead.cost:.6f}".rstrip("0").rstrip(".") if lead.cost else "0",
    ]
    return [neutralize(cell) for cell in cells]


def write_csv(
    rows: Iterable[LeadRecord],
    path: Path,
    on_row: Callable[[int], None] | None = None,
) -> int:
    """Write ``rows`` to ``path`` atomically; return how many were written."""
    target = path.expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"Cannot write {target}: the folder {folder} does not exist.")
    if target.is_dir():
        raise ExportError(f"Cannot write {target}: it is a folder; give a file name ending in .csv.")
    count = 0
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportError(f"Cannot write to {folder}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, dialect="excel", lineterminator="\r\n")
            writer.writerow(COLUMNS)
            for lead in rows:
                writer.writerow(lead_cells(lead))
                count += 1
                if on_row is not None:
                    on_row(count)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except OSError as exc:
        _remove_quietly(tmp_name)
        raise ExportError(f"Cannot write {target}: {exc.strerror or exc}.") from None
    except BaseException:
        _remove_quietly(tmp_name)
        raise
    return count


def export_job_csv(store: Store, job_id: str, path: Path, on_row: Callable[[int], None] | None = None) -> int:
    """Stream the leads of ``job_id`` from the database into a CSV file."""
    return write_csv(store.leads.stream(job_id), path, on_row)


def check_output_path(path: Path) -> str | None:
    """Return why ``path`` cannot receive a CSV, or None when it can."""
    target = path.expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        return f"{target} is a folder; give a file name ending in .csv."
    if not folder.is_dir():
        return f"The folder {folder} does not exist."
    if not os.access(folder, os.W_OK):
        return f"The folder {folder} is not writable."
    if target.exists() and not os.access(target, os.W_OK):
        return f"{target} exists and is not writable."
    return None


def _remove_quietly(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)
