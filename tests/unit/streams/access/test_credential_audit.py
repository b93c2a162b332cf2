"""streams/access/audit.py: each credential change is one AuditEvent naming the credential and the partner,
never the token or its hash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.codec import codec_for
from streams.access import audit, policy
from streams.access.store import CredentialStore

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_issue_rotate_and_revoke_are_audited_as_create_update_delete() -> None:
    store = CredentialStore()
    codec = codec_for("audit_event")
    issued = policy.issue(store, "POLICE", NOW, timedelta(days=90), "ops")
    store.put(issued.credential)
    rotated = policy.rotate(store, "POLICE", NOW, timedelta(days=90), timedelta(hours=24), "ops")
    for credential in rotated.writes:
        store.put(credential)
    revoked = policy.revoke(store, rotated.credential.credential_id, NOW)
    seen = []
    for change in (issued, rotated, revoked):
        event = codec.decode(codec.encode(audit.credential_event(change, "alice", NOW, "cli@host", "CLI-1")))
        assert event["type"] == "CREDENTIAL" and event["agent"]["who"] == "alice" and event["agent"]["requestor"]
        assert event["agent"]["role"] == "OPERATOR" and event["request_id"] == "CLI-1"
        assert {"what": "POLICE", "type": "PARTNER", "fields": []} in event["entities"]
        assert change.credential.credential_id in [e["what"] for e in event["entities"] if e["type"] == "CREDENTIAL"]
        text = repr(event)
        assert issued.token is not None and issued.token.token not in text
        assert issued.credential.token_sha256 is not None and repr(issued.credential.token_sha256) not in text
        seen.append((event["subtype"], event["action"]))
    assert seen == [("credential.issue", "C"), ("credential.rotate", "U"), ("credential.revoke", "D")]
    rotation = audit.credential_event(rotated, "alice", NOW, "cli@host", "CLI-1")
    assert [e["what"] for e in rotation["entities"]][:2] == [
        rotated.credential.credential_id,
        issued.credential.credential_id,
    ], "a rotation names the new credential and the one it replaces"


def test_event_ids_are_unique() -> None:
    assert len({audit.new_event_id() for _ in range(100)}) == 100
