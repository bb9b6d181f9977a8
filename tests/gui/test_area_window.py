"""The window's whole-area parts: the coverage picture, the Area field, the free map, the tile of a lead."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import Area, Coverage, CoverageTile, JobFinished, JobStatus
from leadgen_desktop.gui.details import lead_explain
from leadgen_desktop.gui.run.campaign_form import CampaignForm
from leadgen_desktop.gui.run.coverage_view import DOT, TILE_FILL, CoverageView
from leadgen_desktop.gui.shell.main_window import MainWindow
from tests.gui.ux_support import BASE, make_window, repo_with_cleanup

AREA = Area(30.0, -97.8, 30.1, -97.7)


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    yield from repo_with_cleanup(tmp_path)


def snapshot(points: int = 0, pending: bool = True) -> Coverage:
    sw, se, nw, ne = AREA.quarters()
    return Coverage(
        area=AREA,
        tiles=(
            CoverageTile("0.0", sw, 60, saturated=True),
            CoverageTile("0.1", se, 5),
            CoverageTile("0.2", nw, 30),
        ),
        pending=(ne,) if pending else (),
        tiles_searched=4,
        tiles_saturated=1,
        places_mapped=95,
        places_bought=points,
        points=tuple((30.02 + 0.0001 * i, -97.78 + 0.0001 * i) for i in range(points)),
    )


def blueness(color: QColor) -> int:
    return color.blue() - color.red()


def test_the_coverage_picture_shades_tiles_by_places_and_draws_the_businesses(
    qtbot: QtBot, tmp_path: Path
) -> None:
    view = CoverageView()
    qtbot.addWidget(view)
    view.resize(240, 240)
    view.show()
    view.set_coverage(snapshot(points=50))
    image: QImage = view.grab().toImage()
    image.save(str(tmp_path / "coverage.png"))  # to look at by eye
    width, height = image.width(), image.height()

    def at(fx: float, fy: float) -> QColor:
        return image.pixelColor(int(width * fx), int(height * fy))

    full, sparse, empty_pending = at(0.15, 0.85), at(0.85, 0.85), at(0.85, 0.15)
    assert blueness(full) > blueness(sparse) > blueness(empty_pending) - 1  # 60 places darker than 5
    assert blueness(full) > 40
    dots = sum(
        1
        for x in range(width)
        for y in range(height)
        if abs(image.pixelColor(x, y).red() - DOT.red()) < 40 and image.pixelColor(x, y).blue() < 90
    )
    assert dots >= 20  # the 50 businesses along the diagonal of the south-west tile
    assert "Tiles searched 4, left 1, 1 saturated" in view.toolTip()
    assert TILE_FILL.blue() > TILE_FILL.red()


def test_snapshots_are_redrawn_at_most_a_few_times_a_second(qtbot: QtBot) -> None:
    view = CoverageView()
    qtbot.addWidget(view)
    view.resize(200, 160)
    view.show()
    qtbot.waitUntil(lambda: view.redraws >= 0)
    before = view.redraws
    for n in range(200):  # a burst while a run goes: one picture now, one for the last later
        view.set_coverage(snapshot(points=n, pending=n < 199))
    assert view.redraws == before + 1
    qtbot.waitUntil(lambda: view.redraws == before + 2, timeout=3000)
    assert view.coverage is not None
    assert view.coverage.places_bought == 199
    picture = view.render_picture(QSize(200, 160))
    assert not picture.isNull()


def test_an_area_across_the_antimeridian_is_drawn_in_one_piece() -> None:
    fiji = Area(-17.2, 179.9, -17.0, -179.9)
    view = CoverageView()
    view.set_coverage(
        Coverage(area=fiji, tiles=tuple(CoverageTile(str(i), p, 20) for i, p in enumerate(fiji.parts())))
    )
    image = view.render_picture(QSize(200, 200)).toImage()
    middle = image.pixelColor(100, 100)
    assert blueness(middle) > 10  # both halves meet in the middle, no gap


def test_the_area_field_is_optional_and_checked(qtbot: QtBot) -> None:
    form = CampaignForm()
    qtbot.addWidget(form)
    qtbot.keyClicks(form.business_type, "dentist")
    qtbot.keyClicks(form.location, "Austin, TX")
    config = form.config()
    assert config is not None
    assert config.area is None
    qtbot.keyClicks(form.area, "30.1,-97.9,30.5")
    assert form.config() is None
    assert [e.field for e in form.errors()] == ["area"]
    assert "four numbers" in form.messages["area"].text()
    form.area.clear()
    qtbot.keyClicks(form.area, "30.1,-97.9,30.5,-97.5")
    config = form.config()
    assert config is not None
    assert config.area == Area(30.1, -97.9, 30.5, -97.5)
    form.set_config(replace(config, area=Area(1, 2, 1.5, 2.5)))
    assert form.area.text() == "1,2,1.5,2.5"
    assert (form.max_results.minimum(), form.max_results.maximum()) == (1, 10_000)


def test_a_demo_run_shows_its_tiles_and_businesses_as_it_goes(qtbot: QtBot, repo: Store) -> None:
    window: MainWindow = make_window(qtbot, repo)
    form = window.campaign_panel.form
    qtbot.keyClicks(form.business_type, "dentist")
    qtbot.keyClicks(form.location, "Springfield")
    form.max_results.clear()
    qtbot.keyClicks(form.max_results, "40")
    form.min_score.clear()
    qtbot.keyClicks(form.min_score, "0")
    with qtbot.waitSignal(window.controller.finished, timeout=20_000) as blocker:
        qtbot.mouseClick(window.campaign_panel.start_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert isinstance(result, JobFinished)
    assert result.status is JobStatus.COMPLETED
    coverage = window.run_overview.coverage.coverage
    assert coverage is not None
    assert coverage.tiles_searched == result.metrics.tiles_searched > 0
    assert len(coverage.points) >= 40
    assert "Tiles searched" in window.run_overview.coverage_label.text()
    # the lead's details say which tile found it
    window.campaign_page.table_view.selectRow(0)
    qtbot.waitUntil(lambda: "tile 0" in window.campaign_page.details_panel.text())
    # a job picked in the history shows its stored coverage again
    window.run_overview.set_coverage(None)
    history = window.campaign_panel.history
    history.list_widget.setCurrentRow(-1)
    with qtbot.waitSignal(history.campaign_selected, timeout=2000):
        history.list_widget.setCurrentRow(0)
    shown = window.run_overview.coverage.coverage
    assert shown is not None
    assert shown.tiles_searched == coverage.tiles_searched


def test_the_free_map_tells_the_estimate_what_the_area_holds(qtbot: QtBot, repo: Store) -> None:
    window: MainWindow = make_window(qtbot, repo)
    form = window.campaign_panel.form
    qtbot.keyClicks(form.business_type, "dentist")
    qtbot.keyClicks(form.location, "Springfield")
    window.estimate.refresh_now()
    assert "The area holds" not in form.estimate_label.text()
    qtbot.mouseClick(form.map_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "The area holds" in form.estimate_label.text(), timeout=15_000)
    qtbot.waitUntil(lambda: not window.area_previewer.busy)
    qtbot.keyClicks(form.keywords, "emergency")  # another search: the map no longer applies
    window.estimate.refresh_now()
    assert "The area holds" not in form.estimate_label.text()


def test_the_details_say_which_tile_found_a_lead() -> None:
    provenance = json.loads(BASE.provenance)
    provenance["discovery"] = {
        "provider": "google_places",
        "tile": "0.2.1",
        "tile_area": [30.0, -97.8, 30.05, -97.75],
        "tile_places": 42,
    }
    record = replace(BASE, provenance=json.dumps(provenance))
    lines = dict(lead_explain.source_lines(record))
    assert lines["Found in"].startswith("tile 0.2.1 of the area (5.6 km × 4.8 km, 42 places in its search")
    assert "Found in" not in dict(lead_explain.source_lines(BASE))
