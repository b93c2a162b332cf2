"""HOSP_* FHIR Task: the sample and the contract cases against their expected canonical JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.fhir_task import ADAPTER
from tests.contract.golden import check_json, parse_to_json

SAMPLES = Path(__file__).resolve().parents[3] / "deploy" / "local" / "samples"
HERE = Path(__file__).parent
CASES = [
    SAMPLES / "hospital_task.json",
    HERE / "fhir_single_rejected.json",
    HERE / "fhir_mixed_bundle.json",
]


@pytest.mark.parametrize("source", CASES, ids=lambda path: path.name)
def test_case_parses_as_recorded(source: Path) -> None:
    check_json(HERE / f"{source.stem}.expected.json", parse_to_json(ADAPTER, "HOSP_KSPH", source.read_bytes()))
