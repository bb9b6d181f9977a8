"""``leadgen`` over a whole area, as a subprocess against the fake city on loopback (issue 11).

The fake city (tests/fakes/places_city.py) answers rectangle searches with at most 60
places in pages of 20, location lookups and Place Details, and counts what it bills
per SKU, so the run's JSON summary is audited against it exactly. Only a Google key is
given (emails are not searched), which keeps each run a few seconds long. The 100-lead
campaign is checked in process (tests/unit/test_area_search.py), on a bigger city.
"""

from __future__ import annotations

import csv
import io
import json
import math
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from leadgen_desktop import cli
from leadgen_desktop.domain import DEFAULT_PRICES, Area
from tests.fakes.api_server import FakeApis, cli_env, serve
from tests.fakes.cli_support import run_leadgen, wait_for
from tests.fakes.places_city import FakeCity

FLOOR = DEFAULT_PRICES["places_text_search_enterprise"] / 20  # $0.00175 a place
PLACES = ("places_text_search_enterprise", "places_details_enterprise")


def campaign(*extra: str) -> tuple[str, ...]:
    return ("run", "--business-type", "dentist", "--location", "Testville", "--min-score", "0", *extra)


def google_env(url: str, root: Path) -> dict[str, str]:
    return cli_env(url, root, hunter_key=None, neverbounce_key=None)


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"), newline="")))


def billed(fake: FakeApis, prefix: str = "places") -> float:
    return math.fsum(n * DEFAULT_PRICES[sku] for sku, n in fake.billed.items() if sku.startswith(prefix))


@pytest.fixture(scope="module")
def city() -> FakeCity:
    return FakeCity.generate(250, seed=31)


@pytest.fixture
def served(city: FakeCity) -> Iterator[tuple[FakeApis, str]]:
    fake = FakeApis(city=city)
    with serve(fake) as url:
        yield fake, url


def test_the_whole_area_once_at_near_floor_cost_and_again_for_nothing(
    served: tuple[FakeApis, str], city: FakeCity, tmp_path: Path
) -> None:
    fake, url = served
    env, db, out = google_env(url, tmp_path), str(tmp_path / "t.db"), tmp_path / "leads.csv"
    first = run_leadgen(
        *campaign("--max-results", "10000", "--output", str(out), "--db", db, "--json"), env=env
    )
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    metrics = summary["metrics"]
    ids = [row["place_id"] for row in csv_rows(out)]
    wanted = {p.id for p in city.open_places}
    assert len(ids) == len(set(ids))
    assert set(ids) <= wanted
    assert len(ids) >= 0.99 * len(wanted)
    assert metrics["businesses_found"] == len(ids)
    assert metrics["api_calls"]["google_places"] == fake.calls["google_places"]
    assert metrics["cost_by_provider"]["google_places"] == pytest.approx(billed(fake), abs=1e-9)
    assert metrics["total_cost"] == pytest.approx(billed(fake), abs=1e-9)
    assert metrics["cost_by_provider"]["google_places"] / len(ids) <= 2 * FLOOR
    assert isinstance(metrics["tiles_searched"], int)
    assert metrics["tiles_searched"] > 1
    assert isinstance(metrics["tiles_saturated"], int)
    assert metrics["area"] == list(city.area_of("Testville"))

    paid = {sku: fake.billed[sku] for sku in PLACES}
    again = run_leadgen(*campaign("--max-results", "10000", "--db", db, "--json"), env=env)
    assert again.returncode == 0, again.stderr
    repeat = json.loads(again.stdout)["metrics"]
    assert repeat["total_cost"] == 0.0
    assert {sku: fake.billed[sku] for sku in PLACES} == paid
    assert fake.billed["places_text_search_pro"] == 1  # the area was looked up once
    assert repeat["businesses_found"] == len(ids)


def test_an_unknown_location_fails_in_one_line_before_any_business_search(
    served: tuple[FakeApis, str], tmp_path: Path
) -> None:
    fake, url = served
    args = ("run", "--business-type", "dentist", "--location", "Atlantis", "--db", str(tmp_path / "t.db"))
    result = run_leadgen(*args, "--json", env=google_env(url, tmp_path))
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert summary["status"] == "failed"
    assert '"Atlantis"' in summary["error"]
    assert "--area" in summary["error"]
    assert summary["metrics"]["area"] is None
    [line] = [line for line in result.stderr.splitlines() if "error:" in line]
    assert "Atlantis" in line
    assert "--area" in line
    assert dict(fake.billed) == {"places_text_search_pro": 1}  # the lookup only


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("30.1,-97.9,30.5", "four numbers"),
        ("30.1,-97.9,north,-97.5", "NORTH ('north') is not a number"),
        ("30.5,-97.9,30.1,-97.5", "SOUTH (30.5) must be less than NORTH (30.1)"),
        ("30.1,-97.9,95,-97.5", "NORTH (95) must be a latitude between -90 and 90"),
        ("10,-100,20,-90", "at most 500 km a side"),
        ("-33.9,151.1,-33.9,151.3", "SOUTH (-33.9) must be less than NORTH (-33.9)"),
    ],
)
def test_a_bad_area_exits_2_saying_what_is_wrong(
    value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["run", "--business-type", "dentist", "--location", "x", "--area", value, "--demo"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "--area" in err
    assert says in err


def test_an_area_in_the_south_is_read_as_a_value(tmp_path: Path) -> None:
    args = cli.build_parser().parse_args(
        ["run", "--business-type", "dentist", "--location", "Sydney", "--area", "-33.9,151.1,-33.7,151.3"]
    )
    assert args.area == Area(-33.9, 151.1, -33.7, 151.3)


def test_the_estimate_maps_a_given_area_for_free(
    served: tuple[FakeApis, str], city: FakeCity, tmp_path: Path
) -> None:
    fake, url = served
    area = ",".join(str(v) for v in city.area_of("Testville"))
    args = campaign("--area", area, "--max-results", "50", "--db", str(tmp_path / "t.db"), "--estimate")
    result = run_leadgen(*args, "--json", env=google_env(url, tmp_path))
    assert result.returncode == 0, result.stderr
    estimate = json.loads(result.stdout)
    assert estimate["businesses_in_area"] == len(city.places)
    assert estimate["places_cached"] == 0
    assert estimate["tiles_searched"] > 1
    assert 0 < estimate["expected"] <= estimate["worst_case"]
    assert "free" in result.stderr
    assert set(fake.billed) == {"places_text_search_essentials"}  # IDs-only searches: $0
    with sqlite3.connect(tmp_path / "t.db") as conn:
        assert conn.execute("SELECT count(*) FROM discovery_jobs").fetchone() == (0,)  # nothing started
    conn.close()


# -- SIGKILL while the area is searched, then resume --------------------------------------------


def query(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def paid_purchases(fake: FakeApis) -> int:
    return sum(fake.billed[sku] for sku in PLACES)


@pytest.fixture(scope="module")
def straight_run(city: FakeCity, tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, int]:
    """The CSV and the place purchases of an uninterrupted run on a fresh fake and database."""
    root = tmp_path_factory.mktemp("straight")
    fake = FakeApis(city=city)
    with serve(fake) as url:
        out = root / "leads.csv"
        args = campaign("--max-results", "10000", "--output", str(out), "--db", str(root / "t.db"))
        result = run_leadgen(*args, env=google_env(url, root))
    assert result.returncode == 0, result.stderr
    return out.read_bytes(), paid_purchases(fake)


MAPPING = "SELECT count(*) FROM job_tiles WHERE data LIKE '%\"state\":\"mapped\"%' OR data LIKE '%split%'"
BOUGHT = "SELECT count(*) FROM job_place_marks WHERE marks >= 2"


@pytest.mark.parametrize(
    ("when", "kill_point"),
    [
        ("mapping", lambda db: query(db, MAPPING) >= 2 and query(db, BOUGHT) == 0),
        ("buying", lambda db: query(db, BOUGHT) >= 30),
    ],
)
def test_a_killed_run_resumes_to_the_same_leads_paying_only_for_what_was_lost(
    city: FakeCity,
    straight_run: tuple[bytes, int],
    tmp_path: Path,
    when: str,
    kill_point: Callable[[Path], bool],
) -> None:
    reference_csv, reference_paid = straight_run
    fake = FakeApis(city=city, latencies={"google_places": 0.05})
    db, out = tmp_path / "t.db", tmp_path / "leads.csv"
    with serve(fake) as url:
        env = google_env(url, tmp_path)
        argv = [sys.executable, "-m", "leadgen_desktop.cli"]
        args = campaign("--max-results", "10000", "--output", str(out), "--db", str(db))
        proc = subprocess.Popen(
            [*argv, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            wait_for(lambda: kill_point(db), proc, what=f"the kill point ({when})")
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        assert fake.wait_client_gone()
        logged = f"SELECT count(*) FROM api_calls WHERE sku IN {PLACES!r} AND confirmed = 1"
        lost = paid_purchases(fake) - query(db, logged)  # answered, the answer not read when it died
        job_id = str(json.loads(subprocess.check_output(
            [*argv, "campaigns", "--json", "--db", str(db)], env=env, text=True))[0]["job_id"])  # fmt: skip
        resumed = run_leadgen("resume", job_id, "--json", "--db", str(db), env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "completed"
    assert out.read_bytes() == reference_csv
    assert paid_purchases(fake) == reference_paid + lost  # nothing the database held was bought again
    assert lost <= 24
