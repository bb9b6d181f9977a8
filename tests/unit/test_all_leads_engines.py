"""The All-leads queries give the same answers on SQLite (FTS5, COLLATE NOCASE) and on PostgreSQL
(pg_trgm, lower()): the search index, search by index and by scan, orders, rows, export batches.
"""

from __future__ import annotations

import pytest

from leadgen_desktop.db.all_leads_queries import LeadSort, SortField
from leadgen_desktop.db.store import Store
from leadgen_desktop.domain import Business, CampaignConfig, EmailStatus, Lead, search_key

NAMES = ("Oak Dental", "apple Clinic", "Zed Smiles", "bright teeth", "", "Oak Dental", "Çiğ Köfte Evi")


def seed(store: Store) -> list[int]:
    """Two campaigns, their leads (one without a name's text, two with the same name); return ids."""
    ids = []
    for campaign in ("dentist", "bakery"):
        _, job_id = store.jobs.create(CampaignConfig(campaign, "Austin, TX"))
        for rank, name in enumerate(NAMES, start=1):
            business = Business(place_id=f"{campaign}-{rank}", name=name, address=f"{rank} Main St")
            lead = Lead(business=business, score=10 * rank, email_status=EmailStatus.NOT_FOUND, rank=rank)
            ids.append(store.leads.add(job_id, lead))
    return ids


def test_search_index_and_search_agree_on_both_engines(store: Store) -> None:
    ids = seed(store)
    queries = store.all_leads
    assert queries.unindexed_count() == len(ids)
    assert queries.update_search_index() == len(ids)
    assert queries.update_search_index() == 0
    assert queries.unindexed_count() == 0
    oak = list(queries.scan_matches(search_key("oak dental")))
    assert len(oak) == 4
    assert oak == sorted(oak)
    assert queries.indexed_matches(search_key("oak dental"), 100) == queries.scan_matches(
        search_key("oak dental")
    )
    assert list(queries.scan_matches(search_key("cig kofte"))) == [ids[6], ids[13]]
    assert queries.indexed_matches("oa", 100) is None  # under three characters: no trigram
    assert queries.indexed_matches(search_key("main st"), 3) is None  # more than the limit
    assert list(queries.scan_matches("100% sure_")) == []  # LIKE's wildcards are plain text


@pytest.mark.parametrize("descending", [False, True])
def test_a_text_column_sorts_ignoring_case_with_blanks_last(store: Store, descending: bool) -> None:
    ids = seed(store)
    got = store.all_leads.ordered_ids(LeadSort(SortField.BUSINESS_NAME, descending))
    names = {lead_id: NAMES[(i % len(NAMES))] for i, lead_id in enumerate(ids)}
    present = sorted((i for i in ids if names[i]), key=lambda i: (names[i].lower(), i), reverse=descending)
    blank = sorted((i for i in ids if not names[i]), reverse=descending)
    assert list(got.ids) == present + blank
    assert got.blanks == 2


def test_rows_and_export_batches_on_both_engines(store: Store) -> None:
    ids = seed(store)
    rows = store.all_leads.rows([ids[0], 99999, ids[-1]])
    assert sorted(row.lead_id for row in rows) == [ids[0], ids[-1]]
    batches = list(store.all_leads.csv_batches(["business_name", "confidence_score"], batch=5))
    assert [len(batch) for batch in batches] == [5, 5, 4]
    assert (
        list(store.all_leads.ordered_ids(LeadSort()).ids) == ids[len(NAMES) :][::-1] + ids[: len(NAMES)][::-1]
    )
