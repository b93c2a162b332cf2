"""The tagged records of an agency's topic: assignments and erasure notices."""

from __future__ import annotations

import pytest

from adapters.outbound.items import AssignmentItem, ErasureNoticeItem, as_item, is_erasure_notice, outbound_item
from tests.contract.outbound.samples import assignment, erasure_notice, personal


def test_a_record_with_a_notice_id_is_an_erasure_notice() -> None:
    assert is_erasure_notice(erasure_notice())
    assert not is_erasure_notice(assignment())
    assert outbound_item(erasure_notice()) == ErasureNoticeItem(erasure_notice())
    assert outbound_item(assignment(), personal()) == AssignmentItem(assignment(), personal())
    assert outbound_item(assignment()) == AssignmentItem(assignment(), {})


def test_pairs_are_still_accepted_as_assignments() -> None:
    assert as_item((assignment(), personal())) == AssignmentItem(assignment(), personal())
    item = ErasureNoticeItem(erasure_notice())
    assert as_item(item) is item


def test_a_notice_with_another_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="ERASED"):
        ErasureNoticeItem(erasure_notice(reason_code="AMENDED"))
