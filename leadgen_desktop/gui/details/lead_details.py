"""The lead details panel: where each field came from, the score, candidates, cost, why no email.

It shows one :class:`LeadRecord` (the table's current row). All wording comes
from :mod:`leadgen_desktop.gui.details.lead_explain`; this module only lays it out.
Every text is plain text (business names come from the internet), colours
come from the palette, and the panel re-renders when the palette changes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Slot
from PySide6.QtGui import QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.gui.details import lead_explain as explain
from leadgen_desktop.gui.details.web_links import open_web_page
from leadgen_desktop.gui.shell.theme import blend, muted_text

EMPTY_TEXT = "Select a lead to see where its data came from, how it was scored and what it cost."


class ScoreBar(QWidget):
    """A thin horizontal bar showing ``points`` out of ``max_points`` (palette colours).

    Signals: none.
    """

    def __init__(self, points: float, max_points: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points = points
        self.max_points = max_points
        self.setMinimumWidth(60)
        self.setFixedHeight(10)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    @property
    def fraction(self) -> float:
        """The filled share, 0..1."""
        if self.max_points <= 0:
            return 0.0
        return min(max(self.points / self.max_points, 0.0), 1.0)

    def sizeHint(self) -> QSize:
        """A short, thin bar."""
        return QSize(120, 10)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Track in a muted base colour, fill in the highlight colour."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        track = blend(palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text), 0.15)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(track)
        painter.drawRoundedRect(rect, 3, 3)
        if self.fraction > 0:
            filled = QRectF(rect.x(), rect.y(), max(rect.width() * self.fraction, 3.0), rect.height())
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(filled, 3, 3)
        painter.end()


def _clear(layout: QLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        widget = item.widget()
        if widget is not None:
            widget.hide()  # at once: deleteLater only runs when the event loop next turns
            widget.deleteLater()
        else:
            child = item.layout()
            if child is not None:
                _clear(child)


class LeadDetailsPanel(QWidget):
    """Everything known about one lead, in plain words.

    Public attributes (tests use them): ``title_label``, ``subtitle_label``,
    ``email_label``, ``reason_label`` (why no email), ``cost_label``,
    ``website_button``, ``maps_button``, ``score_bars`` (one
    :class:`ScoreBar` per component); :meth:`text` returns everything shown.

    Signals: none (the link buttons open http(s) URLs through ``web_links.open_web_page``).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leadDetails")
        self.setAccessibleName("Lead details")
        self._record: LeadRecord | None = None
        self.score_bars: list[ScoreBar] = []

        self.title_label = self._label("", "detailsTitle", selectable=True)
        title_font = QFont(self.title_label.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        self.subtitle_label = self._label("", "detailsSubtitle", selectable=True, muted=True)

        self.website_button = QPushButton("Open website")
        self.website_button.setObjectName("openWebsiteButton")
        self.website_button.setAccessibleName("Open website")
        self.website_button.clicked.connect(self.open_website)
        self.maps_button = QPushButton("Open in Google Maps")
        self.maps_button.setObjectName("openMapsButton")
        self.maps_button.setAccessibleName("Open in Google Maps")
        self.maps_button.clicked.connect(self.open_maps)
        links = QHBoxLayout()
        links.setContentsMargins(0, 0, 0, 0)
        links.addWidget(self.website_button)
        links.addWidget(self.maps_button)
        links.addStretch(1)

        self.email_label = self._label("", "detailsEmail", selectable=True)
        self.reason_label = self._label("", "detailsReason", selectable=True)
        self.reason_label.setAccessibleName("Why there is no email")
        self.cost_label = self._label("", "detailsCost", selectable=True)
        self.cost_label.setAccessibleName("Cost of this lead")
        self.score_heading = self._heading("Score")
        self._score_box = QVBoxLayout()
        self._score_box.setSpacing(2)
        self._candidates_box = QVBoxLayout()
        self._candidates_box.setSpacing(2)
        self._sources_box = QVBoxLayout()
        self._sources_box.setSpacing(2)

        self._content = QWidget()
        self._content.setObjectName("leadDetailsContent")
        body = QVBoxLayout(self._content)
        body.setContentsMargins(10, 8, 10, 8)
        body.setSpacing(4)
        body.addWidget(self.title_label)
        body.addWidget(self.subtitle_label)
        body.addLayout(links)
        self._sections: list[QWidget] = [self._heading("Email")]
        body.addWidget(self._sections[0])
        body.addWidget(self.email_label)
        body.addWidget(self.reason_label)
        body.addWidget(self.score_heading)
        body.addLayout(self._score_box)
        self._sections.append(self._heading("Email candidates"))
        body.addWidget(self._sections[-1])
        body.addLayout(self._candidates_box)
        self._sections.append(self._heading("Where the data came from"))
        body.addWidget(self._sections[-1])
        body.addLayout(self._sources_box)
        self._sections.append(self._heading("Cost"))
        body.addWidget(self._sections[-1])
        body.addWidget(self.cost_label)
        body.addStretch(1)

        self.empty_label = self._label(EMPTY_TEXT, "detailsEmpty", muted=True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self._content)
        self._scroll = scroll
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty_label, 1)
        layout.addWidget(scroll, 1)
        self.setMinimumWidth(260)
        self.set_record(None)

    # -- public API ------------------------------------------------------------------

    @property
    def record(self) -> LeadRecord | None:
        """The lead shown (None for the empty state)."""
        return self._record

    @Slot(object)
    def set_record(self, record: LeadRecord | None) -> None:
        """Show ``record``, or the empty state for None."""
        self._record = record
        self.empty_label.setVisible(record is None)
        self._scroll.setVisible(record is not None)
        if record is None:
            self.website_button.setEnabled(False)
            self.maps_button.setEnabled(False)
            return
        self.title_label.setText(record.business_name)
        subtitle = [part for part in (record.address, record.phone) if part]
        if record.seen_before:
            subtitle.append("also found by an earlier campaign")
        self.subtitle_label.setText(" · ".join(subtitle))
        self.subtitle_label.setVisible(bool(subtitle))
        website = explain.website_url(record)
        self.website_button.setEnabled(website is not None)
        self.website_button.setToolTip(website or "This business lists no website.")
        self.maps_button.setEnabled(True)
        self.maps_button.setToolTip(explain.maps_url(record))
        self._fill_email(record)
        self._fill_score(record)
        self._fill_candidates(record)
        self._fill_sources(record)
        self.cost_label.setText(explain.cost_text(record))

    def text(self) -> str:
        """Every text the panel shows, one per line (for tests and copying)."""
        if self._record is None:
            return self.empty_label.text()
        explicit = Qt.WidgetAttribute.WA_WState_ExplicitShowHide  # new rows are shown on the next loop turn
        labels = [
            label.text()
            for label in self._content.findChildren(QLabel)
            if label.text() and not (label.isHidden() and label.testAttribute(explicit))
        ]
        return "\n".join(labels)

    @Slot()
    def open_website(self) -> bool:
        """Open the lead's website in the browser; False when there is none (or it is not http(s))."""
        return self._record is not None and open_web_page(explain.website_url(self._record))

    @Slot()
    def open_maps(self) -> bool:
        """Open the lead's Google Maps page (or a Maps search for it); http(s) links only."""
        return self._record is not None and open_web_page(explain.maps_url(self._record))

    # -- sections ----------------------------------------------------------------------

    def _fill_email(self, record: LeadRecord) -> None:
        if record.email:
            self.email_label.setText(f"{record.email} — {explain.status_words(record.email_status)}")
            self.reason_label.hide()
            return
        self.email_label.setText("No email")
        self.reason_label.setText(explain.no_email_explanation(record))
        self.reason_label.show()

    def _fill_score(self, record: LeadRecord) -> None:
        _clear(self._score_box)
        self.score_bars = []
        self.score_heading.setText(f"Score: {record.confidence_score} / 100")
        metrics = self.fontMetrics()
        name_width = max((metrics.horizontalAdvance(p.title) for p in explain.score_parts(record)), default=0)
        for part in explain.score_parts(record):
            name = self._label(part.title, f"scoreName_{part.name}")
            name.setWordWrap(False)
            name.setFixedWidth(name_width + 8)
            bar = ScoreBar(part.points, part.max_points)
            bar.setObjectName(f"scoreBar_{part.name}")
            summary = f"{part.points:g} / {part.max_points:g}"
            bar.setAccessibleName(f"{part.title}: {summary} points")
            bar.setToolTip(part.detail or summary)
            points = self._label(summary, f"scorePoints_{part.name}")
            points.setWordWrap(False)
            points.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            points.setMinimumWidth(metrics.horizontalAdvance("25 / 25") + 4)
            row = QHBoxLayout()
            row.setSpacing(8)
            row.addWidget(name)
            row.addWidget(bar, 1, Qt.AlignmentFlag.AlignVCenter)
            row.addWidget(points)
            self.score_bars.append(bar)
            self._score_box.addLayout(row)
            if part.detail:
                detail = self._label(part.detail, f"scoreDetail_{part.name}", muted=True, small=True)
                detail.setContentsMargins(0, 0, 0, 3)
                self._score_box.addWidget(detail)

    def _fill_candidates(self, record: LeadRecord) -> None:
        _clear(self._candidates_box)
        views = explain.candidate_views(record)
        if not views:
            self._candidates_box.addWidget(
                self._label("The email search returned no addresses.", "", muted=True)
            )
            return
        for view in views:
            head = self._label(
                f"{view.email}  ·  {view.confidence}%  ·  {view.kind}", "candidate", selectable=True
            )
            if view.chosen:
                font = QFont(head.font())
                font.setBold(True)
                head.setFont(font)
                head.setAccessibleDescription("the chosen address")
            self._candidates_box.addWidget(head)
            extra = [part for part in (view.person, view.found) if part]
            extra.append(("chosen · " if view.chosen else "") + view.verification)
            self._candidates_box.addWidget(
                self._label(" — ".join(extra), "candidateInfo", muted=True, small=True)
            )

    def _fill_sources(self, record: LeadRecord) -> None:
        _clear(self._sources_box)
        lines = explain.source_lines(record) or [("Sources", "Not recorded for this lead.")]
        for name, source in lines:
            self._sources_box.addWidget(self._label(name, "sourceField", muted=True, small=True))
            value = self._label(source, "sourceValue", selectable=True)
            value.setContentsMargins(0, 0, 0, 3)
            self._sources_box.addWidget(value)

    # -- helpers -------------------------------------------------------------------------

    def _label(
        self, text: str, name: str, *, selectable: bool = False, muted: bool = False, small: bool = False
    ) -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        if name:
            label.setObjectName(name)
        if selectable:
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if small:
            font = QFont(label.font())
            font.setPointSizeF(max(font.pointSizeF() * 0.9, 7.0))
            label.setFont(font)
        if muted:
            label.setProperty("muted", True)
            self._apply_muted(label)
        return label

    def _heading(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)
        font = QFont(label.font())
        font.setBold(True)
        label.setFont(font)
        label.setContentsMargins(0, 8, 0, 0)
        return label

    def _apply_muted(self, label: QLabel) -> None:
        palette = QPalette(label.palette())
        palette.setColor(QPalette.ColorRole.WindowText, muted_text(self.palette()))
        label.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        """Re-derive muted colours when the palette changes (e.g. dark mode)."""
        if event.type() == QEvent.Type.PaletteChange:
            for label in self.findChildren(QLabel):
                if label.property("muted"):
                    self._apply_muted(label)
        super().changeEvent(event)
