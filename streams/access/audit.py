"""The audit event of a credential change (schemas/audit_event.avsc, shaped after FHIR AuditEvent).

Names the credential and the partner, never a token or its hash: the trail says who gave whom access,
when, and who took it away.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from streams.access.policy import Change

PURPOSE = "credential management: access control of the referral hub (個資法施行細則 §12 安全維護)"


def new_event_id() -> str:
    return "AU-" + secrets.token_hex(12)


def credential_event(
    change: Change, by: str, now: datetime, observer: str, request_id: str, event_id: str | None = None
) -> dict[str, Any]:
    credentials = [change.credential.credential_id]
    if change.replaced is not None:
        credentials.append(change.replaced.credential_id)
    return {
        "event_id": event_id or new_event_id(),
        "type": "CREDENTIAL",
        "subtype": change.subtype,
        "action": change.action,
        "recorded": now,
        "outcome": "SUCCESS",
        "outcome_desc": None,
        "purpose": PURPOSE,
        "agent": {"who": by, "role": "OPERATOR", "credential_id": None, "address": None, "requestor": True},
        "observer": observer,
        "request_id": request_id,
        "entities": [
            *({"what": credential_id, "type": "CREDENTIAL", "fields": []} for credential_id in credentials),
            {"what": change.credential.partner, "type": "PARTNER", "fields": []},
        ],
    }
