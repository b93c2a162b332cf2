"""HOSP_* FHIR Task: the sample and the contract cases against their expected canonical JSON; for a transaction
Bundle with a refused entry, also the receipt the partner gets (nothing of it taken, FHIR R4 transaction rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.fhir_task import ADAPTER
from processors import all_or_nothing
from tests.contract.golden import RECEIVED_AT, check_json, parse_to_json

SAMPLES = Path(__file__).resolve().parents[3] / "deploy" / "local" / "samples"
HERE = Path(__file__).parent
CASES = [
    SAMPLES / "hospital_task.json",
    HERE / "fhir_single_rejected.json",
    HERE / "fhir_mixed_bundle.json",
    HERE / "fhir_transaction.json",
    HERE / "fhir_transaction_refused.json",
]


@pytest.mark.parametrize("source", CASES, ids=lambda path: path.name)
def test_case_parses_as_recorded(source: Path) -> None:
    check_json(HERE / f"{source.stem}.expected.json", parse_to_json(ADAPTER, "HOSP_KSPH", source.read_bytes()))


def test_a_transaction_with_a_refused_entry_is_refused_whole() -> None:
    """What the partner is told (the receipt's rows) and what referrals.dlq keeps (one dead letter, the whole body)."""
    source = HERE / "fhir_transaction_refused.json"
    body = source.read_bytes()
    result = ADAPTER.parse(body, "HOSP_KSPH", RECEIVED_AT)
    assert result.atomic and result.rejected
    refused = all_or_nothing.refuse(body, result.rejected, [record.record_no for record in result.accepted])
    dead_letter = refused.dead_letter
    assert (dead_letter.record_no, dead_letter.raw) == (0, body), "the whole Bundle is kept, for a replay of it whole"
    check_json(
        HERE / "fhir_transaction_refused.receipt.json",
        {
            "rejected": refused.rows,
            "dead_letter": {"field": dead_letter.field, "code": dead_letter.code, "reason": dead_letter.reason},
        },
    )


def test_a_transaction_without_any_entry_request_is_not_partly_taken() -> None:
    """bdl-3: before this rule the hub took the good entries of such a Bundle and refused the rest."""
    body = (HERE / "fhir_transaction.json").read_text().replace('"request"', '"requested"').encode()
    result = ADAPTER.parse(body, "HOSP_KSPH", RECEIVED_AT)
    assert result.atomic and {r.code for r in result.rejected} == {"MISSING_REQUEST"} and len(result.rejected) == 2
    refused = all_or_nothing.refuse(body, result.rejected, [record.record_no for record in result.accepted])
    assert [row["code"] for row in refused.rows] == ["MISSING_REQUEST", "MISSING_REQUEST"]
