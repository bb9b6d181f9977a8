"""CSV export of a job's leads, streamed from the database.

Contract: UTF-8 with BOM, RFC 4180 quoting (CRLF line ends, fields with
commas, quotes or line breaks quoted), a header row whose first columns are
:data:`REQUIRED_COLUMNS`, and a guard against spreadsheet formula injection:
any cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
prefixed with ``'``. The file is written through
:func:`~leadgen_desktop.core.output_file.atomic_output`: a temporary sibling renamed
into place (a failed export never leaves a half-written CSV), symlinks followed,
anything but a regular file refused, the umask or the replaced file's mode respected.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path

from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.core.output_file import ExportError, atomic_output, output_problem
from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import JobStatus

__all__ = [
    "COLUMNS",
    "EXTRA_COLUMNS",
    "REQUIRED_COLUMNS",
    "ExportError",
    "check_output_path",
    "export_job_csv",
    "lead_cells",
    "neutralize",
    "unfinished_job_notice",
    "write_csv",
]

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
    """Write ``rows`` to ``path`` atomically; return how many were written.

    Raises:
        ExportError: the target may not be written (see :mod:`~leadgen_desktop.core.output_file`)
            or writing failed; nothing was changed at ``path``.
    """
    count = 0
    with atomic_output(path, encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, dialect="excel", lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for lead in rows:
            writer.writerow(lead_cells(lead))
            count += 1
            if on_row is not None:
                on_row(count)
    return count


def export_job_csv(store: Store, job_id: str, path: Path, on_row: Callable[[int], None] | None = None) -> int:
    """Stream the leads of ``job_id`` from the database into a CSV file."""
    return write_csv(store.leads.stream(job_id), path, on_row)


def unfinished_job_notice(jobs: Jobs, job_id: str) -> str | None:
    """What to tell before exporting a job that has not finished (None when it has).

    The export still writes every lead stored so far; the notice says that it is partial.
    """
    job = jobs.get(job_id)
    if job is None or job.status not in (JobStatus.PROCESSING, JobStatus.PENDING):
        return None
    stored = jobs.store.leads.count(job_id)
    leads = f"{stored} lead{'' if stored == 1 else 's'}"
    if job.status is JobStatus.PENDING:
        return f"Job {job_id} has not started yet: the CSV holds the {leads} stored so far."
    if jobs.holder(job_id):
        return (
            f"Job {job_id} is still running: the CSV holds the {leads} stored so far; "
            "export again when the run has finished."
        )
    return (
        f"Job {job_id} was interrupted: the CSV holds the {leads} stored so far; resume the job to finish it."
    )


def check_output_path(path: Path) -> str | None:
    """Return why ``path`` cannot receive a CSV, or None when it can (nothing is touched)."""
    return output_problem(path)
