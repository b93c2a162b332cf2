"""streams/access/store.py: who a token is now; expired, revoked, unknown and malformed ones are nobody."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from streams.access import policy, tokens
from streams.access.credentials import Kind, Principal, Role
from streams.access.store import CredentialStore

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
YEAR = timedelta(days=365)


def issued(store: CredentialStore, partner: str, lifetime: timedelta = YEAR) -> str:
    change = policy.issue(store, partner, NOW, lifetime, "tester")
    store.put(change.credential)
    assert change.token is not None
    return change.token.token


def test_a_live_token_is_its_partner() -> None:
    store = CredentialStore()
    token = issued(store, "POLICE")
    principal = store.authenticate(token, NOW)
    assert principal == Principal("POLICE", Role.PARTNER, tokens.credential_id_of(token) or "")
    assert not principal.is_operator
    operator = store.authenticate(issued(store, "OPERATOR"), NOW)
    assert operator is not None and operator.is_operator and operator.partner == "OPERATOR"


def test_expired_revoked_and_wrong_tokens_are_nobody() -> None:
    store = CredentialStore()
    token = issued(store, "POLICE", lifetime=timedelta(hours=1))
    assert store.authenticate(token, NOW + timedelta(minutes=59)) is not None
    assert store.authenticate(token, NOW + timedelta(hours=1)) is None, "expiry is exclusive"
    credential_id = tokens.credential_id_of(token)
    assert credential_id is not None
    wrong_secret = tokens.new_token(credential_id).token
    assert store.authenticate(wrong_secret, NOW) is None, "the id alone proves nothing"
    store.put(policy.revoke(store, credential_id, NOW + timedelta(minutes=1)).credential)
    assert store.authenticate(token, NOW + timedelta(minutes=1)) is None
    assert store.authenticate(tokens.new_token().token, NOW) is None, "an unknown id"


def test_a_tombstone_removes_a_credential() -> None:
    store = CredentialStore()
    token = issued(store, "POLICE")
    store.remove(tokens.credential_id_of(token) or "")
    assert store.authenticate(token, NOW) is None and store.all() == []


def test_a_certificate_credential_is_not_a_token() -> None:
    store = CredentialStore()
    change = policy.issue(store, "POLICE", NOW, YEAR, "tester", certificate_subject="CN=POLICE")
    store.put(change.credential)
    # Even a token forged with the certificate credential's id and no hash to compare against is nobody.
    assert store.authenticate(tokens.new_token(change.credential.credential_id).token, NOW) is None
    principal = store.for_certificate("CN=POLICE", NOW)
    assert principal is not None and principal.partner == "POLICE"
    assert store.for_certificate("CN=POLICE", NOW + YEAR) is None
    assert store.for_certificate("CN=SOCIAL", NOW) is None


def test_a_subject_live_for_two_partners_is_nobody() -> None:
    store = CredentialStore()
    police = policy.issue(store, "POLICE", NOW, YEAR, "tester", certificate_subject="CN=X").credential
    store.put(police)
    store.put(replace(police, credential_id="0" * 16, partner="SOCIAL"))  # written by hand, past the CLI's check
    assert store.for_certificate("CN=X", NOW) is None


def test_live_lists_oldest_first_by_kind() -> None:
    store = CredentialStore()
    first = issued(store, "POLICE")
    store.put(
        policy.issue(store, "POLICE", NOW + timedelta(seconds=1), YEAR, "t", certificate_subject="CN=P").credential
    )
    later = policy.issue(store, "POLICE", NOW + timedelta(seconds=2), YEAR, "tester")
    store.put(later.credential)
    live = store.live("POLICE", Kind.TOKEN, NOW + timedelta(seconds=3))
    assert [c.credential_id for c in live] == [tokens.credential_id_of(first), later.credential.credential_id]


@given(st.one_of(st.text(max_size=300), st.binary(), st.none(), st.integers(), st.lists(st.text())))
def test_nothing_a_client_sends_raises(value: object) -> None:
    store = CredentialStore()
    issued(store, "POLICE")
    assert store.authenticate(value, NOW) is None


@given(st.text(alphabet=st.characters(), min_size=1, max_size=4))
def test_a_real_token_with_anything_appended_or_replaced_is_nobody(noise: str) -> None:
    store = CredentialStore()
    token = issued(store, "POLICE")
    assert store.authenticate(token + noise, NOW) is None
    assert store.authenticate(noise + token, NOW) is None
    swapped = token[: -len(noise)] + noise
    assert swapped == token or store.authenticate(swapped, NOW) is None
