"""streams/access/policy.py: two live tokens at most, rotation without a gap, revocation at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streams.access import policy
from streams.access.credentials import Kind, Role, State
from streams.access.policy import Refused
from streams.access.store import CredentialStore

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
DAY = timedelta(days=1)


def apply(store: CredentialStore, change: policy.Change) -> policy.Change:
    for credential in change.writes:
        store.put(credential)
    return change


def token_of(change: policy.Change) -> str:
    assert change.token is not None
    return change.token.token


def test_issue_refuses_a_third_live_token_but_not_after_one_expired() -> None:
    store = CredentialStore()
    first = apply(store, policy.issue(store, "POLICE", NOW, timedelta(hours=1), "ops"))
    apply(store, policy.issue(store, "POLICE", NOW, YEAR, "ops"))
    with pytest.raises(Refused) as refused:
        policy.issue(store, "POLICE", NOW, YEAR, "ops")
    assert refused.value.code == "TOO_MANY_LIVE"
    later = NOW + timedelta(hours=1)
    assert first.credential.state(later) is State.EXPIRED
    third = apply(store, policy.issue(store, "POLICE", later, YEAR, "ops"))
    assert store.authenticate(token_of(third), later) is not None
    # The limit is per partner and per kind.
    apply(store, policy.issue(store, "SOCIAL", NOW, YEAR, "ops"))
    apply(store, policy.issue(store, "POLICE", later, YEAR, "ops", certificate_subject="CN=POLICE"))


def test_rotation_keeps_both_tokens_working_for_the_grace_period_only() -> None:
    store = CredentialStore()
    old = apply(store, policy.issue(store, "POLICE", NOW, YEAR, "ops"))
    at = NOW + timedelta(days=30)
    rotated = apply(store, policy.rotate(store, "POLICE", at, YEAR, DAY, "ops"))
    assert rotated.subtype == "credential.rotate" and rotated.action == "U"
    assert rotated.replaced is not None and rotated.replaced.credential_id == old.credential.credential_id
    assert rotated.replaced.replaced_by == rotated.credential.credential_id
    assert rotated.replaced.expires == at + DAY
    for moment in (at, at + DAY - timedelta(seconds=1)):
        assert store.authenticate(token_of(old), moment) is not None
        assert store.authenticate(token_of(rotated), moment) is not None
    assert store.authenticate(token_of(old), at + DAY) is None
    assert store.authenticate(token_of(rotated), at + DAY) is not None


def test_rotation_never_extends_a_token_that_expires_sooner() -> None:
    store = CredentialStore()
    apply(store, policy.issue(store, "POLICE", NOW, timedelta(hours=2), "ops"))
    rotated = policy.rotate(store, "POLICE", NOW, YEAR, DAY, "ops")
    assert rotated.replaced is not None and rotated.replaced.expires == NOW + timedelta(hours=2)


def test_rotation_refuses_without_a_token_and_during_a_grace_period() -> None:
    store = CredentialStore()
    with pytest.raises(Refused) as nothing:
        policy.rotate(store, "POLICE", NOW, YEAR, DAY, "ops")
    assert nothing.value.code == "NOTHING_TO_ROTATE"
    apply(store, policy.issue(store, "POLICE", NOW, YEAR, "ops"))
    apply(store, policy.rotate(store, "POLICE", NOW, YEAR, DAY, "ops"))
    with pytest.raises(Refused) as busy:
        policy.rotate(store, "POLICE", NOW + timedelta(hours=1), YEAR, DAY, "ops")
    assert busy.value.code == "TOO_MANY_LIVE"
    apply(store, policy.rotate(store, "POLICE", NOW + DAY, YEAR, DAY, "ops"))  # the grace period is over


def test_a_rotation_with_no_grace_retires_the_old_token_at_once() -> None:
    store = CredentialStore()
    old = apply(store, policy.issue(store, "POLICE", NOW, YEAR, "ops"))
    apply(store, policy.rotate(store, "POLICE", NOW, YEAR, timedelta(0), "ops"))
    assert store.authenticate(token_of(old), NOW) is None
    with pytest.raises(Refused):
        policy.rotate(store, "POLICE", NOW, YEAR, timedelta(hours=-1), "ops")


def test_revocation_is_immediate_and_once() -> None:
    store = CredentialStore()
    issued = apply(store, policy.issue(store, "POLICE", NOW, YEAR, "ops"))
    revoked = apply(store, policy.revoke(store, issued.credential.credential_id, NOW))
    assert revoked.action == "D" and revoked.credential.state(NOW) is State.REVOKED
    assert store.authenticate(token_of(issued), NOW) is None
    with pytest.raises(Refused) as again:
        policy.revoke(store, issued.credential.credential_id, NOW)
    assert again.value.code == "ALREADY_REVOKED"
    with pytest.raises(Refused) as unknown:
        policy.revoke(store, "f" * 16, NOW)
    assert unknown.value.code == "UNKNOWN_CREDENTIAL"


def test_revoking_a_partner_cuts_every_live_credential() -> None:
    store = CredentialStore()
    tokens = [apply(store, policy.issue(store, "POLICE", NOW, YEAR, "ops")) for _ in range(2)]
    apply(store, policy.issue(store, "POLICE", NOW, YEAR, "ops", certificate_subject="CN=POLICE"))
    social = apply(store, policy.issue(store, "SOCIAL", NOW, YEAR, "ops"))
    changes = [apply(store, change) for change in policy.revoke_partner(store, "POLICE", NOW)]
    assert len(changes) == 3
    assert all(store.authenticate(token_of(t), NOW) is None for t in tokens)
    assert store.for_certificate("CN=POLICE", NOW) is None
    assert store.authenticate(token_of(social), NOW) is not None


def test_roles_follow_the_principal() -> None:
    store = CredentialStore()
    assert policy.issue(store, "OPERATOR", NOW, YEAR, "ops").credential.role is Role.OPERATOR
    assert policy.issue(store, "POLICE", NOW, YEAR, "ops", role=Role.PARTNER).credential.role is Role.PARTNER
    for partner, role, code in (
        ("POLICE", Role.OPERATOR, "WRONG_ROLE"),
        ("OPERATOR", Role.PARTNER, "WRONG_ROLE"),
        ("NOBODY", None, "UNKNOWN_PARTNER"),
    ):
        with pytest.raises(Refused) as refused:
            policy.issue(store, partner, NOW, YEAR, "ops", role=role)
        assert refused.value.code == code


def test_certificate_subjects_are_canonical_and_belong_to_one_partner() -> None:
    store = CredentialStore()
    change = apply(store, policy.issue(store, "POLICE", NOW, YEAR, "ops", certificate_subject="CN = POLICE, O = KCPD"))
    assert change.credential.kind is Kind.CERTIFICATE and change.token is None
    assert change.credential.token_sha256 is None
    assert change.credential.certificate_subject == "CN=POLICE,O=KCPD"
    with pytest.raises(Refused) as taken:
        policy.issue(store, "SOCIAL", NOW, YEAR, "ops", certificate_subject="O=KCPD,CN=POLICE")
    assert taken.value.code == "SUBJECT_IN_USE"
    with pytest.raises(Refused) as bad:
        policy.issue(store, "SOCIAL", NOW, YEAR, "ops", certificate_subject="not a name")
    assert bad.value.code == "INVALID_SUBJECT"


def test_a_credential_must_live_for_a_positive_time() -> None:
    with pytest.raises(Refused) as refused:
        policy.issue(CredentialStore(), "POLICE", NOW, timedelta(0), "ops")
    assert refused.value.code == "INVALID_LIFETIME"


def test_every_inbound_partner_and_every_assignment_agency_can_hold_a_credential() -> None:
    from adapters.agencies import ASSIGNMENT_AGENCIES
    from adapters.registry import INBOUND

    assert set(INBOUND) | set(ASSIGNMENT_AGENCIES) | {"OPERATOR"} <= policy.KNOWN_PRINCIPALS
