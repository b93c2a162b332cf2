"""OpenAPI 3.1 description of the gateway, served at ``/openapi.json``; media types come from the registry."""

from __future__ import annotations

from functools import cache
from typing import Any

from adapters import registry
from streams.access import roles
from streams.access.credentials import Principal, Role
from streams.access.roles import Access
from streams.gateway.routes import ROUTES, Route

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _json_body(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ERROR, description)


_REFUSAL_TEXT = {
    401: "No, a bad, an expired or a revoked credential (WWW-Authenticate: Bearer)",
    403: "A credential of the wrong role: a partner's on an operators' route, an operator's on a partners' route",
    404: "Unknown referral, or one the caller may not see: the same answer, so it tells nobody what exists",
}
_CALLERS = (
    None,
    Principal("SOURCE", Role.PARTNER, "c-source"),
    Principal("OTHER", Role.PARTNER, "c-other"),
    Principal("OPERATOR", Role.OPERATOR, "c-operator"),
)


def refusals(access: Access) -> dict[str, str]:
    """The refusal answers a route of this access can give, as the one access rule (streams/access/roles.py) gives
    them to every kind of caller: the document says what the gate does, not what someone remembered it does."""
    statuses = {
        status
        for principal in _CALLERS
        for source in (None, "SOURCE")
        if (status := roles.refusal(access, principal, source)) is not None
    }
    return {str(status): _REFUSAL_TEXT[status] for status in sorted(statuses)}


def _declare_access(operation: dict[str, Any], route: Route) -> None:
    """Who may call the route (streams/gateway/routes.py), and the refusals every protected route can answer."""
    operation["x-refhub-access"] = route.access.value
    responses = operation.setdefault("responses", {})
    if route.access is Access.ANYONE:
        operation["security"] = []
        return
    for status, description in refusals(route.access).items():
        responses[status] = _error(description)
        if status == "401":
            responses[status]["headers"] = {"WWW-Authenticate": {"schema": {"type": "string", "const": "Bearer"}}}
    responses.setdefault("400", _error("Malformed request (e.g. two Authorization headers)"))
    responses.setdefault(
        "429",
        {
            **_error("Too many requests: wait Retry-After seconds"),
            "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
        },
    )


@cache
def document() -> dict[str, Any]:
    formats: dict[str, set[str]] = {}
    for partner, adapters in registry.INBOUND.items():
        for adapter in adapters:
            for media in adapter.content_types:
                formats.setdefault(media, set()).add(f"{adapter.format}: {partner}")
    request_content = {
        media: {"schema": {"type": "string", "format": "binary"}, "x-partners": sorted(partners)}
        for media, partners in sorted(formats.items())
    }
    cursor = {
        "name": "after",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "X-Refhub-Next-Cursor of the previous page; omit to start at the beginning.",
    }
    limit = {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
    }
    page_headers = {
        "X-Refhub-Next-Cursor": {"schema": {"type": "string"}},
        "X-Refhub-Count": {"schema": {"type": "integer"}},
    }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Kaohsiung drug-prevention referral hub (高雄市毒品防制局轉介平台)", "version": "1"},
        "components": {
            "securitySchemes": {
                "partnerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "One token per partner: it decides who is sending.",
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "reason"],
                    "properties": {"error": {"type": "string"}, "reason": {"type": "string"}},
                },
                "Receipt": {
                    "type": "object",
                    "required": ["submission_id", "accepted", "rejected"],
                    "properties": {
                        "submission_id": {"type": "string"},
                        "accepted": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["record", "referral_id", "duplicate"],
                                "properties": {
                                    "record": {"type": "integer"},
                                    "referral_id": {"type": ["string", "null"]},
                                    "duplicate": {"type": "boolean"},
                                    "acknowledged": {"type": "boolean"},
                                },
                            },
                        },
                        "rejected": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["record", "field", "code", "reason"],
                                "properties": {
                                    "record": {"type": "integer"},
                                    "field": {"type": "string"},
                                    "code": {"type": "string"},
                                    "reason": {"type": "string"},
                                },
                            },
                        },
                    },
                },
                "ReferralStatus": {
                    "type": "object",
                    "properties": {
                        "referral_id": {"type": "string"},
                        "kind": {"type": "string"},
                        "destinations": {"type": "object", "additionalProperties": {"type": "object"}},
                    },
                },
            },
        },
        "security": [{"partnerToken": []}],
        "paths": {
            "/v1/submissions": {
                "post": {
                    "summary": "Post a partner's own file; 202 + receipt once every record is durable",
                    "requestBody": {"required": True, "content": request_content},
                    "responses": {
                        "202": _json({"$ref": "#/components/schemas/Receipt"}, "Receipt"),
                        "413": _error("Body over 10 MiB"),
                        "415": _error("Not a format this partner posts"),
                        "503": _error("Starting up"),
                    },
                }
            },
            "/v1/referrals/{referral_id}": {
                "get": {
                    "summary": "A referral's state per destination (operators and the referral's source)",
                    "parameters": [
                        {"name": "referral_id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/ReferralStatus"}, "Referral"),
                    },
                }
            },
            "/v1/outbox/assignments": {
                "get": {
                    "summary": "The partner's assignments, rendered in its own format at pull time",
                    "parameters": [cursor, limit],
                    "responses": {
                        "200": {
                            "description": "Assignments (SOCIAL JSON, LABOUR CSV, FHIR Bundle or JSON)",
                            "headers": page_headers,
                        },
                        "400": _error("Bad cursor or limit"),
                        "404": _error("Partner receives no assignments"),
                    },
                }
            },
            "/v1/outbox/status": {
                "get": {
                    "summary": "Every state change of the referrals the partner sent (closed loop), in JSON",
                    "parameters": [cursor, limit],
                    "responses": {
                        "200": {"description": "Status updates", "headers": page_headers},
                        "400": _error("Bad cursor or limit"),
                    },
                }
            },
            "/v1/outbox/reports": {
                "get": {
                    "summary": "Prosecutors: monthly progress reports (處遇進度報告) of deferred-prosecution cases",
                    "parameters": [
                        {
                            "name": "period",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"},
                        }
                    ],
                    "responses": {
                        "200": {"description": "<處遇進度報告清單> XML"},
                        "400": _error("Bad period"),
                        "404": _error("Not a prosecutors' office"),
                    },
                }
            },
            "/v1/admin/replay": {
                "post": {
                    "summary": "Operators: re-run a partner's stored records through the current adapters",
                    "requestBody": _json_body(
                        ["partner"],
                        {"partner": {"type": "string"}, "since": {"type": "string", "format": "date-time"}},
                    ),
                    "responses": {"200": {"description": "Replay summary"}},
                }
            },
            "/v1/admin/clock": {
                "get": {
                    "summary": "The hub's clock now, and whether this deployment may move it",
                    "responses": {"200": {"description": '{"now": "…", "movable": false}'}},
                },
                "post": {
                    "summary": "Test deployments (REFHUB_MOVABLE_CLOCK=true): move the hub's clock forward",
                    "requestBody": _json_body(
                        ["advance_seconds"], {"advance_seconds": {"type": "number", "minimum": 0}}
                    ),
                    "responses": {
                        "200": {"description": "The clock after the move"},
                        "409": _error("This deployment runs on the wall clock"),
                    },
                },
            },
            "/healthz": {
                "get": {
                    "security": [],
                    "summary": "200 while the worker's event loop answers (liveness)",
                    "responses": {"200": {"description": "Alive"}},
                }
            },
            "/readyz": {
                "get": {
                    "security": [],
                    "summary": "200 when the broker answers, partitions are held and their tables restored",
                    "responses": {"200": {"description": "Ready for traffic"}, "503": {"description": "Not ready"}},
                }
            },
            "/v1/keys/release": {
                "post": {
                    "summary": "For a case system reading its topic directly: the keys of its own views",
                    "requestBody": _json_body(
                        ["key_ids"],
                        {"key_ids": {"type": "array", "maxItems": 500, "items": {"type": "string"}}},
                    ),
                    "responses": {"200": {"description": '{"keys": [{"keyId", "key", "algorithm"}], "unknown": []}'}},
                }
            },
            "/v1/audit": {
                "get": {
                    "summary": "Operators: every audit event about a person (FHIR AuditEvent shape), as JSON lines",
                    "parameters": [
                        {
                            "name": "subject",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "A national ID or a subject id S-…",
                        }
                    ],
                    "responses": {
                        "200": {"description": "application/x-ndjson"},
                        "400": _error("Neither a valid national ID nor a subject id"),
                    },
                }
            },
            "/v1/reports/kpi": {
                "get": {
                    "summary": "Operators: the programme's indicators (成果指標) for a period, from the event topics",
                    "parameters": [
                        {"name": name, "in": "query", "required": True, "schema": {"type": "string", "format": "date"}}
                        for name in ("from", "to")
                    ]
                    + [{"name": "detail", "in": "query", "required": False, "schema": {"enum": ["1"]}}],
                    "responses": {
                        "200": {
                            "description": "HTML page with charts; JSON with Accept: application/json",
                            "content": {"text/html": {}, "application/json": {}},
                        },
                        "400": _error("Bad period"),
                        "503": _error("The topics could not be read"),
                    },
                }
            },
            "/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}
            },
            "/asyncapi.json": {
                "get": {
                    "summary": "Every topic: key, partitioning, clean-up, Avro schemas, who writes and reads it",
                    "responses": {"200": {"description": "AsyncAPI 3.0"}},
                }
            },
        },
    }
    paths: dict[str, Any] = document["paths"]
    paths.update(_dead_letter_paths(cursor, limit, page_headers))
    for route in ROUTES:
        if route.access is not Access.PEER:  # between the hub's own workers: not a partner's API
            _declare_access(paths[route.path][route.method.lower()], route)
    return document


def _dead_letter_paths(cursor: dict[str, Any], limit: dict[str, Any], page_headers: dict[str, Any]) -> dict[str, Any]:
    """Operators' dead-letter triage (streams/gateway/dlq.py)."""
    one = [
        {"name": "submission_id", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "record_no", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}},
    ]
    window = [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"}}
        for name in ("since", "until")
    ] + [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}} for name in ("partner", "code")]
    return {
        "/v1/admin/dead-letters": {
            "get": {
                "summary": "Operators: dead letters by partner × code over a window (default the last 7 days), and a "
                "page of them (field, code, the reason the partner was given)",
                "parameters": [*window, cursor, limit],
                "responses": {
                    "200": {"description": '{"window", "counts", "by_partner", "items"}', "headers": page_headers},
                    "400": _error("Bad window, filter, cursor or limit"),
                },
            }
        },
        "/v1/admin/dead-letters/{submission_id}/{record_no}": {
            "get": {
                "summary": "Operators: one dead letter in full; its sealed original is described, never shown",
                "parameters": one,
                "responses": {"200": {"description": "The dead letter"}, "404": _error("No such dead letter")},
            }
        },
        "/v1/admin/dead-letters/{submission_id}/{record_no}/replay": {
            "post": {
                "summary": "Operators: re-run one dead letter's original record through the current adapters",
                "parameters": one,
                "responses": {
                    "200": {"description": '{"dead_letter_id", "summary", "receipt"}'},
                    "404": _error("No such dead letter"),
                },
            }
        },
    }
