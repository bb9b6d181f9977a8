"""CampaignForm: live inline validation, typed out-of-range numbers, config() output."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from leadgen_desktop.domain import CampaignConfig
from leadgen_desktop.gui.run.campaign_form import CampaignForm


def make_form(qtbot: QtBot) -> CampaignForm:
    form = CampaignForm()
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    return form


def fill(qtbot: QtBot, form: CampaignForm, business: str = "dentist", location: str = "Austin, TX") -> None:
    qtbot.keyClicks(form.business_type, business)
    qtbot.keyClicks(form.location, location)


def retype(qtbot: QtBot, spin_or_edit, text: str) -> None:  # type: ignore[no-untyped-def]
    spin_or_edit.clear()
    qtbot.keyClicks(spin_or_edit, text)


def test_defaults_and_valid_config(qtbot: QtBot) -> None:
    form = make_form(qtbot)
    assert form.max_results.value() == 20
    assert (form.max_results.minimum(), form.max_results.maximum()) == (1, 10_000)
    assert form.min_score.value() == 50
    assert (form.min_score.minimum(), form.min_score.maximum()) == (0, 100)
    assert form.verify.isChecked()
    assert form.budget.placeholderText() == "no limit"
    assert form.config() is None  # business type and location are required
    with qtbot.waitSignal(form.validity_changed, check_params_cb=lambda valid: valid):
        fill(qtbot, form, "  dentist ", "Austin,   TX")
    assert form.config() == CampaignConfig("dentist", "Austin, TX", budget=None)
    retype(qtbot, form.budget, "12.5")
    qtbot.keyClick(form.verify, Qt.Key.Key_Space)
    config = form.config()
    assert config is not None
    assert config.budget == 12.5
    assert config.verify is False
    assert form.errors() == []


def test_labels_are_buddies_with_accessible_names(qtbot: QtBot) -> None:
    form = make_form(qtbot)
    buddies = {label.buddy() for label in form.findChildren(QLabel) if label.buddy() is not None}
    for editor in (
        form.business_type,
        form.location,
        form.keywords,
        form.max_results,
        form.min_score,
        form.budget,
    ):
        assert editor in buddies
        assert editor.accessibleName()


def test_empty_business_type_shows_inline_message(qtbot: QtBot) -> None:
    form = make_form(qtbot)
    fill(qtbot, form)
    assert form.is_valid
    with qtbot.waitSignal(form.validity_changed, check_params_cb=lambda valid: not valid):
        form.business_type.clear()
    message = form.messages["business_type"]
    assert message.isVisible()
    assert "business type" in message.text().lower()
    assert "c62828" in form.business_type.styleSheet()
    assert not form.messages["location"].isVisible()
    assert [e.field for e in form.errors()] == ["business_type"]


def test_out_of_range_numbers_typed_into_spin_boxes_are_errors(qtbot: QtBot) -> None:
    form = make_form(qtbot)
    fill(qtbot, form)
    for text in ("0", "10001"):
        retype(qtbot, form.max_results, text)
        assert form.max_results.text() == text  # not silently clamped while typing
        assert [e.field for e in form.errors()] == ["max_results"]
        assert form.messages["max_results"].isVisible()
        assert "between 1 and 10000" in form.messages["max_results"].text()
    retype(qtbot, form.max_results, "10000")
    assert form.is_valid
    retype(qtbot, form.min_score, "101")
    assert [e.field for e in form.errors()] == ["min_score"]
    retype(qtbot, form.min_score, "")
    assert [e.field for e in form.errors()] == ["min_score"]
    retype(qtbot, form.min_score, "0")
    assert form.is_valid


def test_budget_must_be_empty_or_non_negative_number(qtbot: QtBot) -> None:
    form = make_form(qtbot)
    fill(qtbot, form)
    for bad in ("-1", "abc", "inf"):
        retype(qtbot, form.budget, bad)
        assert [e.field for e in form.errors()] == ["budget"], bad
        assert form.messages["budget"].isVisible()
        assert form.config() is None
    for good, value in (("", None), ("0", 0.0), ("$5", 5.0)):
        retype(qtbot, form.budget, good)
        config = form.config()
        assert config is not None
        assert config.budget == value
        assert not form.messages["budget"].isVisible()
