"""The campaign form: what to look for, where, how many, and with what limits.

Validation is live and has one source of truth, :meth:`CampaignConfig.validate`.
The form turns the typed text into a config (an unparsable number becomes an
out-of-range value so that ``validate`` reports it) and shows each error
under its field, with a red border, once the user has touched that field.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from leadgen_desktop.domain import (
    AREA_EXAMPLE,
    AREA_FORMAT,
    MAX_RESULTS_RANGE,
    MIN_SCORE_RANGE,
    TEXT_FIELD_MAX,
    Area,
    AreaError,
    CampaignConfig,
    FieldError,
)

_ERROR_STYLE = "border: 1px solid #c62828; border-radius: 3px; padding: 2px;"
_MESSAGE_STYLE = "color: #c62828; font-size: 11px;"
_INVALID_NUMBER = -1


class TypedRangeSpinBox(QSpinBox):
    """A spin box that lets out-of-range digits be typed, so they can be flagged.

    A plain QSpinBox silently rejects ``1001`` when its maximum is 1000; here
    any run of digits is *intermediate* input: the form shows why it is wrong
    while it is there, and on leaving the field Qt corrects it to the nearest
    allowed value.

    Signals: only the standard QSpinBox ones.
    """

    def __init__(self, low: int, high: int, value: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(low, high)
        self.setValue(value)
        self.setCorrectionMode(QSpinBox.CorrectionMode.CorrectToNearestValue)
        self.setKeyboardTracking(True)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        """Accept digit strings beyond the range as intermediate input."""
        state, text, pos = super().validate(text, pos)
        stripped = text.strip()
        if state == QValidator.State.Invalid and stripped.isdigit() and len(stripped) <= 9:
            state = QValidator.State.Intermediate
        return state, text, pos

    def typed_value(self) -> int | None:
        """The number currently typed (even out of range), or None when not a number."""
        text = self.cleanText().strip()
        try:
            return int(text)
        except ValueError:
            return None


class CampaignForm(QWidget):
    """Business type, location, keywords, limits, budget and the verify switch.

    Attributes tests and the window use: ``business_type``, ``location``,
    ``area`` (optional ``SOUTH,WEST,NORTH,EAST``), ``keywords``, ``max_results``,
    ``min_score``, ``budget``, ``verify`` (the editors), ``messages`` (field name -> inline error QLabel) and
    ``estimate_label`` (the cost estimate under the budget) and ``map_button``
    ("Map area (free)", driven by :class:`~leadgen_desktop.gui.run.area_preview.AreaPreviewer`).

    Signals:
        validity_changed(bool): the form became valid (True) or invalid (False).
        submitted(): Return was pressed in a text field while the form is valid.
    """

    validity_changed = Signal(bool)
    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("campaignForm")
        self.business_type = QLineEdit()
        self.business_type.setPlaceholderText("e.g. dentist")
        self.location = QLineEdit()
        self.location.setPlaceholderText("e.g. Austin, TX")
        self.area = QLineEdit()
        self.area.setPlaceholderText(f"optional {AREA_FORMAT}, e.g. {AREA_EXAMPLE}")
        self.area.setToolTip(
            "The rectangle to cover, in degrees. Empty: the location's own area, looked up once "
            "(one paid Google search) and reused by later campaigns of the same location."
        )
        self.keywords = QLineEdit()
        self.keywords.setPlaceholderText("optional, e.g. emergency")
        for edit in (self.business_type, self.location, self.area, self.keywords):
            edit.setMaxLength(TEXT_FIELD_MAX + 50)
            edit.setClearButtonEnabled(True)
        self.max_results = TypedRangeSpinBox(*MAX_RESULTS_RANGE, value=20)
        self.min_score = TypedRangeSpinBox(*MIN_SCORE_RANGE, value=50)
        self.budget = QLineEdit()
        self.budget.setPlaceholderText("no limit")
        self.verify = QCheckBox("Verify emails")
        self.verify.setChecked(True)
        self.verify.setToolTip("Check each found address with the verification provider (costs credits).")

        self._editors: dict[str, QWidget] = {
            "business_type": self.business_type,
            "location": self.location,
            "area": self.area,
            "keywords": self.keywords,
            "max_results": self.max_results,
            "min_score": self.min_score,
            "budget": self.budget,
        }
        titles = {
            "business_type": "&Business type",
            "location": "&Location",
            "area": "&Area",
            "keywords": "&Keywords",
            "max_results": "&Max results",
            "min_score": "Minimum &score",
            "budget": "Bu&dget (USD)",
        }
        self.messages: dict[str, QLabel] = {}
        self._touched: set[str] = set()
        self._valid: bool | None = None

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        row = 0
        for name, editor in self._editors.items():
            label = QLabel(titles[name])
            label.setBuddy(editor)
            plain = titles[name].replace("&", "")
            editor.setAccessibleName(plain)
            editor.setObjectName(f"field_{name}")
            message = QLabel()
            message.setObjectName(f"error_{name}")
            message.setStyleSheet(_MESSAGE_STYLE)
            message.setWordWrap(True)
            message.setAccessibleName(f"{plain} error")
            message.hide()
            self.messages[name] = message
            grid.addWidget(label, row, 0)
            grid.addWidget(editor, row, 1)
            grid.addWidget(message, row + 1, 1)
            row += 2
        # Filled by gui.estimate_label.EstimateUpdater (debounced cost estimate).
        self.estimate_label = QLabel()
        self.estimate_label.setObjectName("estimateLabel")
        self.estimate_label.setAccessibleName("Cost estimate")
        self.estimate_label.setWordWrap(True)
        self.estimate_label.setStyleSheet("font-size: 11px;")
        grid.addWidget(self.estimate_label, row, 1)
        row += 1
        # Driven by gui.run.area_preview.AreaPreviewer (maps the area for free, then the estimate says more).
        self.map_button = QPushButton("Map area (free)")
        self.map_button.setObjectName("mapAreaButton")
        self.map_button.setAccessibleName("Map the area for free")
        grid.addWidget(self.map_button, row, 1, Qt.AlignmentFlag.AlignLeft)
        row += 1
        self.verify.setAccessibleName("Verify emails")
        grid.addWidget(self.verify, row, 1)
        grid.setColumnStretch(1, 1)

        for edit in (self.business_type, self.location, self.area, self.keywords, self.budget):
            edit.textChanged.connect(self._on_edited)
            edit.returnPressed.connect(self._on_return)
        # QSpinBox.textChanged is quiet for intermediate text such as "0": watch the editor.
        self._watched: dict[QObject, str] = {
            self.business_type: "business_type",
            self.location: "location",
            self.area: "area",
            self.keywords: "keywords",
            self.budget: "budget",
            self.max_results.lineEdit(): "max_results",
            self.min_score.lineEdit(): "min_score",
        }
        for spin in (self.max_results, self.min_score):
            spin.lineEdit().textChanged.connect(self._on_edited)
        self.revalidate()

    # -- public API ----------------------------------------------------------------

    @property
    def is_valid(self) -> bool:
        """True when :meth:`errors` is empty."""
        return not self.errors()

    def errors(self) -> list[FieldError]:
        """Every problem with what is typed now (empty when the form can run)."""
        _, area_error = self._area_value()
        return self._raw_config().validate() + ([area_error] if area_error else [])

    def config(self) -> CampaignConfig | None:
        """The normalized config, or None while the form is invalid."""
        raw = self._raw_config()
        return None if self.errors() else raw.normalized()

    def set_config(self, config: CampaignConfig) -> None:
        """Fill the form from ``config`` (e.g. to re-run a past campaign)."""
        self.business_type.setText(config.business_type)
        self.location.setText(config.location)
        self.keywords.setText(config.keywords)
        self.area.setText("" if config.area is None else str(config.area))
        self.max_results.setValue(config.max_results)
        self.min_score.setValue(config.min_score)
        self.budget.setText("" if config.budget is None else f"{config.budget:g}")
        self.verify.setChecked(config.verify)
        self.revalidate()

    def show_all_errors(self) -> None:
        """Mark every field as touched so all messages appear (e.g. on a Start attempt)."""
        self._touched.update(self._editors)
        self.revalidate()

    def revalidate(self) -> bool:
        """Refresh inline messages and borders; emit ``validity_changed`` on a change."""
        errors = self.errors()
        by_field: dict[str, str] = {}
        for error in errors:
            by_field.setdefault(error.field, error.message)
        for name, editor in self._editors.items():
            message = by_field.get(name) if name in self._touched else None
            label = self.messages[name]
            label.setText(message or "")
            label.setVisible(bool(message))
            editor.setStyleSheet(_ERROR_STYLE if message else "")
            editor.setToolTip(message or "")
            editor.setAccessibleDescription(message or "")
        valid = not errors
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)
        return valid

    # -- internals -----------------------------------------------------------------

    def _raw_config(self) -> CampaignConfig:
        max_results = self.max_results.typed_value()
        min_score = self.min_score.typed_value()
        return CampaignConfig(
            business_type=self.business_type.text(),
            location=self.location.text(),
            keywords=self.keywords.text(),
            max_results=_INVALID_NUMBER if max_results is None else max_results,
            min_score=_INVALID_NUMBER if min_score is None else min_score,
            budget=self._budget_value(),
            verify=self.verify.isChecked(),
            area=self._area_value()[0],
        )

    def _area_value(self) -> tuple[Area | None, FieldError | None]:
        """The typed area (None when empty) or why it cannot be used."""
        text = self.area.text().strip()
        if not text:
            return None, None
        try:
            return Area.parse(text), None
        except AreaError as exc:
            return None, FieldError("area", str(exc))

    def _budget_value(self) -> float | None:
        """None when empty; NaN (which ``validate`` rejects) when not a number."""
        text = self.budget.text().strip().removeprefix("$").strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            return math.nan
        return value if math.isfinite(value) else math.nan

    @Slot()
    def _on_edited(self) -> None:
        name = self._watched.get(self.sender())
        if name is not None:
            self._touched.add(name)
        self.revalidate()

    @Slot()
    def _on_return(self) -> None:
        if self.revalidate():
            self.submitted.emit()
        else:
            self.show_all_errors()
