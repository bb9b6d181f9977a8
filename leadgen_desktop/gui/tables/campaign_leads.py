"""The "Campaign" tab: the quick filter, the displayed job's lead table and the lead details."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from leadgen_desktop.db.records import LeadRecord
from leadgen_desktop.gui.details.lead_details import LeadDetailsPanel
from leadgen_desktop.gui.shell.steady_label import SteadyLabel
from leadgen_desktop.gui.tables.results_model import COLUMNS, LeadTableModel
from leadgen_desktop.gui.tables.results_proxy import LeadFilterProxy
from leadgen_desktop.gui.tables.row_feeder import RowFeeder
from leadgen_desktop.gui.tables.table_actions import LeadTableActions, configure_lead_table, filter_field

_COLUMN_WIDTHS = (180, 175, 110, 150, 175, 80, 55, 55, 65, 300)
"""Initial widths of the table's columns (the last one stretches)."""
DETAILS_WIDTH = 380
"""Width the details panel opens to when "Show details" finds it collapsed."""


class CampaignLeadsPage(QWidget):
    """Filter row (text, "Only new businesses", count) above the lead table and its details.

    Public attributes: ``filter_edit``, ``only_new_check``, ``count_label``,
    ``model`` (:class:`LeadTableModel`), ``proxy`` (:class:`LeadFilterProxy`),
    ``row_feeder`` (:class:`RowFeeder`: run batches reach the table in timed
    slices), ``table_view``, ``table_actions`` (context menu, Ctrl+C, open
    links), ``details_panel`` (follows the table's current lead),
    ``results_splitter``.

    Signals: none of its own.
    """

    def __init__(self, parent: QWidget | None = None, actions_parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.filter_edit = filter_field("filterEdit", "leads")
        self.count_label = SteadyLabel()
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count_label.setText("0 leads")
        self.count_label.setObjectName("countLabel")
        self.count_label.setAccessibleName("Lead count")
        self.only_new_check = QCheckBox("Only new businesses")
        self.only_new_check.setObjectName("onlyNewCheck")
        self.only_new_check.setAccessibleName("Only new businesses")
        self.only_new_check.setToolTip("Hide businesses an earlier campaign already found")
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter_edit, 1)
        filter_row.addWidget(self.only_new_check)
        filter_row.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignVCenter)

        self.model = LeadTableModel(self)
        self.proxy = LeadFilterProxy(self.model, self)
        self.row_feeder = RowFeeder(self.model, self)
        self.table_view = QTableView()
        self.table_view.setObjectName("leadTable")
        self.table_view.setAccessibleName("Leads")
        self.table_view.setModel(self.proxy)
        configure_lead_table(self.table_view, _COLUMN_WIDTHS[: len(COLUMNS)])  # rows, widths, sorting
        self.table_actions = LeadTableActions(self.table_view, actions_parent or self)
        self.details_panel = LeadDetailsPanel()
        self.results_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.results_splitter.setObjectName("resultsSplitter")
        self.results_splitter.addWidget(self.table_view)
        self.results_splitter.addWidget(self.details_panel)
        self.results_splitter.setStretchFactor(0, 1)
        self.results_splitter.setSizes([700, 340])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(filter_row)
        layout.addWidget(self.results_splitter, 1)

        self.filter_edit.textChanged.connect(self._on_filter_changed)
        self.only_new_check.toggled.connect(self._on_only_new_toggled)
        # Once per batch (records_added), not once per insert: a batch lands in up to one insert per row.
        for signal in (
            self.model.records_added,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
        ):
            signal.connect(self.update_count)
        self.table_actions.current_lead_changed.connect(self.details_panel.set_record)
        self.table_actions.details_requested.connect(self.show_details)

    @Slot()
    def focus_filter(self) -> None:
        """Put the cursor in the filter field with its text selected (Ctrl+F)."""
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    @Slot(object)
    def show_details(self, record: LeadRecord) -> None:
        """Show ``record`` in the details panel, opening the panel if it was collapsed."""
        self.details_panel.set_record(record)
        sizes = self.results_splitter.sizes()
        if len(sizes) == 2 and sizes[1] == 0:
            total = sum(sizes)
            self.results_splitter.setSizes([max(total - DETAILS_WIDTH, 0), DETAILS_WIDTH])
        self.details_panel.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def update_count(self) -> None:
        """Show ``N leads`` or ``shown of N leads`` when a filter hides some."""
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        noun = "lead" if total == 1 else "leads"
        self.count_label.setText(f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}")

    @Slot(str)
    def _on_filter_changed(self, text: str) -> None:
        self.proxy.set_filter_string(text)
        self.update_count()

    @Slot(bool)
    def _on_only_new_toggled(self, only_new: bool) -> None:
        self.proxy.set_only_new(only_new)
        self.update_count()
