"""A credential survives its Avro record (schemas/credential.avsc) unchanged, and its listing shows no secret."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.codec import codec_for
from streams.access import policy
from streams.access.credentials import Credential
from streams.access.store import CredentialStore

NOW = datetime(2026, 3, 1, 9, 0, 0, 123000, tzinfo=UTC)


def test_round_trip_through_the_codec() -> None:
    store = CredentialStore()
    codec = codec_for("credential")
    issued = policy.issue(store, "POLICE", NOW, timedelta(days=90), "ops")
    store.put(issued.credential)
    rotated = policy.rotate(store, "POLICE", NOW, timedelta(days=90), timedelta(hours=24), "ops")
    certificate = policy.issue(store, "SOCIAL", NOW, timedelta(days=1), "ops", certificate_subject="CN=SOCIAL")
    revoked = policy.revoke(store, issued.credential.credential_id, NOW)
    for credential in (issued.credential, *rotated.writes, certificate.credential, revoked.credential):
        assert Credential.from_record(codec.decode(codec.encode(credential.as_record()))) == credential


def test_the_listing_and_the_repr_hold_no_hash_and_no_token() -> None:
    issued = policy.issue(CredentialStore(), "POLICE", NOW, timedelta(days=90), "ops")
    assert issued.token is not None and issued.credential.token_sha256 is not None
    shown = issued.credential.listing(NOW)
    assert shown["state"] == "live" and shown["partner"] == "POLICE" and shown["role"] == "PARTNER"
    text = repr(shown) + repr(issued.credential)
    assert issued.credential.token_sha256.hex() not in text and repr(issued.credential.token_sha256) not in text
    assert issued.token.token not in text
