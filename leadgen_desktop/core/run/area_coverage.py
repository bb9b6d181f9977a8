"""The coverage of a stored job: its tiling plan drawn again, with the businesses it found."""

from __future__ import annotations

import logging

from leadgen_desktop.core.discovery.coverage import stored_coverage
from leadgen_desktop.db.errors import StorageError
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import Coverage

log = logging.getLogger(__name__)


def job_coverage(store: Store, job_id: str) -> Coverage | None:
    """What job ``job_id`` covered of its area, or None when it has no stored plan (or it cannot be read)."""
    try:
        rows = store.tiling.load(job_id)
        if rows is None or rows.header is None:
            return None
        found = store.checkpoints.load(job_id).businesses
        return stored_coverage(
            rows.header,
            (data for _, data in rows.tiles),
            (data for _, _, data in rows.groups),
            rows.marks,
            found,
        )
    except (StorageError, ValueError) as exc:
        log.warning("Cannot show the coverage of job %s: %s", job_id, exc)
        return None
