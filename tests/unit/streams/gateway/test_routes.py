"""The route declaration is the one source: the OpenAPI document and the README's HTTP table follow it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from streams.access.roles import Access
from streams.gateway import openapi, views
from streams.gateway.routes import ROUTES, Route

README = Path(__file__).resolve().parents[4] / "README.md"


def test_every_route_has_a_handler_and_only_declared_routes_are_served() -> None:
    assert set(views.HANDLERS) == set(ROUTES)
    assert len({(r.method, r.path) for r in ROUTES}) == len(ROUTES)


def test_the_openapi_document_describes_exactly_the_declared_routes() -> None:
    paths = openapi.document()["paths"]
    partners = {(r.method, r.path) for r in ROUTES if r.access is not Access.PEER}
    assert {(m.upper(), p) for p, ops in paths.items() for m in ops} == partners


PARTNER_API = [r for r in ROUTES if r.access is not Access.PEER]

ROLE_REFUSAL = {Access.PARTNER: "403", Access.OPERATOR: "403", Access.SOURCE: "404"}
"""What the gate answers a caller whose credential is good but not for this route: a partner on an operators' route
(or the reverse) 403; on a referral it did not send, 404 as for one that does not exist — never 403, which would
tell it the referral exists (streams/access/roles.py)."""


@pytest.mark.parametrize("route", PARTNER_API, ids=lambda r: f"{r.method} {r.path}")
def test_openapi_declares_who_may_call_each_route_and_its_refusals(route: Route) -> None:
    operation = openapi.document()["paths"][route.path][route.method.lower()]
    assert operation["x-refhub-access"] == route.access.value
    responses = operation["responses"]
    if route.access is Access.ANYONE:
        assert operation["security"] == []
        assert not {"401", "403"} & set(responses)
        return
    assert "security" not in operation, "a protected route takes the document's bearer scheme"
    assert {"401", "429", ROLE_REFUSAL[route.access]} <= set(responses)
    assert responses["401"]["headers"]["WWW-Authenticate"]["schema"]["const"] == "Bearer"
    assert "credential" in responses["401"]["description"]
    if route.access is Access.SOURCE:
        assert "403" not in responses
    else:
        assert "wrong role" in responses["403"]["description"]


def test_the_openapi_document_is_valid_openapi_3_1() -> None:
    document = openapi.document()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_the_validator_refuses_a_broken_document() -> None:
    """The check above can fail: a response that is not a Response Object is refused."""
    broken = copy.deepcopy(openapi.document())
    broken["paths"]["/healthz"]["get"]["responses"]["200"] = {"content": "not an object"}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_the_readme_http_table_lists_each_route_with_who_may_call_it(route: Route) -> None:
    rows = [line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    mine = [row for row in rows if f"`{route.method} {route.path}`" in row.split("|")[1]]
    assert mine, f"README.md's HTTP table has no row for {route.method} {route.path}"
    assert route.access.value in mine[0].split("|")[2]
