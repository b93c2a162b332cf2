"""The route declaration is the one source: the OpenAPI document and the README's HTTP table follow it."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.mark.parametrize("route", PARTNER_API, ids=lambda r: f"{r.method} {r.path}")
def test_openapi_declares_who_may_call_each_route_and_its_refusals(route: Route) -> None:
    operation = openapi.document()["paths"][route.path][route.method.lower()]
    assert operation["x-refhub-access"] == route.access.value
    responses = operation["responses"]
    if route.access is Access.ANYONE:
        assert operation["security"] == []
        return
    assert {"401", "429"} <= set(responses)
    assert ("404" if route.access is Access.SOURCE else "403") in responses


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_the_readme_http_table_lists_each_route_with_who_may_call_it(route: Route) -> None:
    rows = [line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    mine = [row for row in rows if f"`{route.method} {route.path}`" in row.split("|")[1]]
    assert mine, f"README.md's HTTP table has no row for {route.method} {route.path}"
    assert route.access.value in mine[0].split("|")[2]
