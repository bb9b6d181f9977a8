"""``--output`` and ``leadgen export`` follow DESIGN section 4 (exit 2, nothing changed, when refused).

Also: exporting a campaign whose job has not finished writes what is stored and says so
on stderr.
"""

from __future__ import annotations

import csv
import os
import socket
import stat
from pathlib import Path

import pytest

from leadgen_desktop.cli import main
from leadgen_desktop.core.jobs import Jobs
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import CampaignConfig

DEMO_RUN = ["run", "--demo", "--business-type", "dentist", "--location", "Austin, TX", "--max-results", "3"]


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_output_through_a_symlink_replaces_the_real_file_and_keeps_its_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert main([*DEMO_RUN, "--db", str(tmp_path / "t.db"), "--output", str(link)]) == 0
    assert link.is_symlink()
    assert len(rows(real)) == 1 + 3
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


@pytest.mark.parametrize("kind", ["fifo", "broken_link", "link_to_fifo"])
def test_output_that_is_not_a_regular_file_exits_2_untouched(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    target = tmp_path / "out.csv"
    if kind == "fifo":
        target = fifo
    elif kind == "broken_link":
        target.symlink_to(tmp_path / "gone.csv")
    else:
        target.symlink_to(fifo)
    before = os.lstat(target)
    db = tmp_path / "t.db"
    assert main([*DEMO_RUN, "--db", str(db), "--output", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("leadgen: error: --output: ")
    assert not db.exists()  # nothing started
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)


def test_export_refuses_a_socket_without_touching_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A socket stands in for a device: a regression must not be able to replace /dev/null as root."""
    db = str(tmp_path / "t.db")
    assert main([*DEMO_RUN, "--db", db, "--json"]) == 0
    capsys.readouterr()
    store = Store.open(db)
    [campaign] = store.campaigns.summaries()
    store.db.close()
    path = tmp_path / "s.csv"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        assert main(["export", campaign.campaign_id, "--output", str(path), "--db", db]) == 2
        assert "is a socket" in capsys.readouterr().err
        assert stat.S_ISSOCK(os.lstat(path).st_mode)


@pytest.mark.parametrize("running", [True, False])
def test_exporting_an_unfinished_job_says_so_and_writes_what_is_stored(
    running: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.db"
    store = Store.open(db)
    jobs = Jobs(store)
    campaign_id, job_id = jobs.start(CampaignConfig("dentist", "Austin, TX"))
    if running:
        jobs.claim(job_id)  # this process runs it
    out = tmp_path / "partial.csv"
    try:
        assert main(["export", campaign_id, "--output", str(out), "--db", str(db)]) == 0
    finally:
        if running:
            jobs.release(job_id)
    err = capsys.readouterr().err
    said = "is still running" if running else "was interrupted"
    assert f"leadgen: note: Job {job_id} {said}: the CSV holds the 0 leads stored so far" in err
    assert rows(out) == [rows(out)[0]]  # the header and what is stored: nothing yet
    store.db.close()
