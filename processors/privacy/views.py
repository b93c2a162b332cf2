"""Per-destination views (個資最小揭露): what one partner may see of one referral, and the filter that enforces it.

The declaration is data (``views.toml``, parsed by :mod:`processors.privacy.declaration`): partner (or family,
``HOSP_*``) × referral kind (× service type for SERVICE) → the sealed personal fields, the attributes and the
governed clear fields of the Assignment that partner may see, each with its legal basis. **Default deny**: what
is not declared is not disclosed, and a (partner, kind) with no row gets no personal field and no attribute.

A view governs, of an assignment:

* every **personal field** (the sealed block): the destination's envelope carries only its view;
* every **attribute** key (clear on ``referrals.events``, filtered on ``assignments.<AGENCY>``);
* the clear field ``partner_ref`` — the sender's own reference is a case or document number (a prosecutor's
  發文字號, a court's 少護案號, a roster's facility + inmate number), so only the partners whose view names it get
  it. The other clear fields (ids, kind, routing facts such as gender and district, times, rule, legal basis)
  go to every destination: each says why in ``views.toml`` ``[clear]``.

Where the filter runs: the router seals each destination's view (:mod:`processors.privacy.assignment_view`)
and every outbound renderer applies it again before it writes a byte (``adapters.outbound.registry``), so no
format can emit what the declaration does not allow. :func:`disclosed_fields` names what was disclosed, for the
audit trail.

``python -m processors.privacy.views --markdown`` prints the README's table; ``--readme README.md`` rewrites it
in place (``make views-table``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any, Final

from processors.privacy.declaration import BLOCKS, Block, Declaration, ViewRow, is_family, load_default, matches

ERASED_MARKER: Final = "erased"
"""Not a field: the outbox's marker for a subject whose key was shredded (塗銷). It passes every view, so a
renderer can say "erased" rather than send what looks like a blank form."""

Bases = tuple[str, ...]
"""The legal bases of one disclosed field, as the law writes them."""


@dataclass(frozen=True)
class View:
    """What ``destination`` may see of a referral of ``kind`` (and ``service_type``): field → its legal bases."""

    destination: str
    kind: str
    service_type: str | None
    personal: Mapping[str, Bases]
    attributes: Mapping[str, Bases]
    clear: Mapping[str, Bases]
    need: str = ""
    declared_as: str | None = None
    """The declaration row this view comes from (``HOSP_* × DEFERRED_PROSECUTION``); None: nothing declared."""

    @property
    def declared(self) -> bool:
        return self.declared_as is not None

    def granted(self, block: Block) -> Mapping[str, Bases]:
        return {"personal": self.personal, "attributes": self.attributes, "clear": self.clear}[block]


def _row_name(row: ViewRow, pattern: str) -> str:
    services = f" × {'/'.join(row.service_types)}" if row.service_types else (" × *" if row.kind == "SERVICE" else "")
    return f"{pattern} × {row.kind}{services}"


def _view(row: ViewRow, pattern: str, destination: str, kind: str, service_type: str | None) -> View:
    granted: dict[Block, dict[str, Bases]] = {block: {} for block in BLOCKS}
    for grant in row.grants:
        bases = tuple(basis.text for basis in grant.bases)
        for block in BLOCKS:
            for name in grant.fields(block):
                granted[block][name] = bases
    return View(
        destination=destination,
        kind=kind,
        service_type=service_type,
        personal=MappingProxyType(granted["personal"]),
        attributes=MappingProxyType(granted["attributes"]),
        clear=MappingProxyType(granted["clear"]),
        need=row.need,
        declared_as=_row_name(row, pattern),
    )


def _specificity(row: ViewRow, pattern: str, service_type: str | None) -> tuple[int, int]:
    # A partner's own row beats its family's; a row naming the service type beats a row for any other.
    return (0 if is_family(pattern) else 1, 1 if service_type in row.service_types else 0)


def view_for(
    destination: str, kind: str, service_type: str | None = None, declaration: Declaration | None = None
) -> View:
    """The view ``destination`` has of a referral of ``kind`` (SERVICE: of ``service_type``).

    Never raises for an undeclared pair: that view is empty (:attr:`View.declared` is False) — default deny.
    """
    if declaration is None:
        return _default_view(destination, kind, service_type)
    return _find_view(declaration, destination, kind, service_type)


@cache
def _default_view(destination: str, kind: str, service_type: str | None) -> View:
    """A view of the deployed declaration, worked out once: the router asks for two or three per referral."""
    return _find_view(default_declaration(), destination, kind, service_type)


def _find_view(source: Declaration, destination: str, kind: str, service_type: str | None) -> View:
    candidates = [
        (row, pattern)
        for row in source.views
        if row.kind == kind and (not row.service_types or service_type in row.service_types)
        for pattern in row.partners
        if matches(pattern, destination)
    ]
    if not candidates:
        empty: Mapping[str, Bases] = MappingProxyType({})
        return View(destination, kind, service_type, empty, empty, empty)
    row, pattern = max(candidates, key=lambda candidate: _specificity(candidate[0], candidate[1], service_type))
    return _view(row, pattern, destination, kind, service_type)


def may_receive(destination: str, kind: str, service_type: str | None = None) -> bool:
    """Whether any view is declared: a redirect (再轉) to a partner with none would deliver an empty assignment."""
    return view_for(destination, kind, service_type).declared


def disclose(
    view: View, personal: Mapping[str, Any], attributes: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """``personal`` and ``attributes`` with only what ``view`` grants (plus the :data:`ERASED_MARKER`)."""
    shown_personal = {key: value for key, value in personal.items() if key in view.personal or key == ERASED_MARKER}
    shown_attributes = {key: value for key, value in attributes.items() if key in view.attributes}
    return shown_personal, shown_attributes


def restrict_assignment(
    view: View, assignment: Mapping[str, Any], personal: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An assignment and its unsealed personal fields as ``view``'s destination may see them.

    Attributes and personal fields are filtered; a governed clear field the view does not grant becomes None
    (a renderer leaves it out; the Avro record, whose ``partner_ref`` is a string, gets "" — see
    :mod:`processors.privacy.assignment_view`).
    """
    shown_personal, shown_attributes = disclose(view, personal, assignment.get("attributes") or {})
    shown = dict(assignment)
    shown["attributes"] = shown_attributes
    for name in governed_clear_fields():
        if name in shown and name not in view.clear:
            shown[name] = None
    return shown, shown_personal


def disclosed_fields(
    view: View,
    personal: Mapping[str, Any],
    attributes: Mapping[str, str],
    assignment: Mapping[str, Any] | None = None,
) -> list[str]:
    """The fields ``view`` discloses of this record, for the audit trail (``personal.name``, ``attributes.…``,
    ``clear.partner_ref``): only those that hold a value, sorted."""
    names = [f"personal.{key}" for key, value in personal.items() if key in view.personal and _has(value)]
    names += [f"attributes.{key}" for key, value in attributes.items() if key in view.attributes and _has(value)]
    if assignment is not None:
        names += [f"clear.{key}" for key in view.clear if _has(assignment.get(key))]
    return sorted(names)


def bases_of(view: View, names: Sequence[str]) -> dict[str, Bases]:
    """The legal bases of each of :func:`disclosed_fields`' names (the audit event's purpose of use)."""
    out: dict[str, Bases] = {}
    for name in names:
        block, _, field = name.partition(".")
        if block in BLOCKS:
            out[name] = view.granted(block)[field]
    return out


def _has(value: Any) -> bool:
    return value not in (None, "")


@cache
def default_declaration() -> Declaration:
    return load_default()


@cache
def governed_clear_fields() -> tuple[str, ...]:
    declaration = default_declaration()
    return tuple(field.name for field in declaration.inventory("clear") if field.governed)


# -- the README table ---------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    from processors.privacy import views_table  # only the command needs the table

    parser = argparse.ArgumentParser(prog="python -m processors.privacy.views", description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--markdown", action="store_true", help="print the table (partner × kind → fields, bases)")
    action.add_argument("--readme", metavar="PATH", help="rewrite the table between the markers in PATH")
    args = parser.parse_args(argv)
    table = views_table.markdown(default_declaration())
    if args.markdown:
        sys.stdout.write(table)
        return 0
    with open(args.readme, encoding="utf-8") as readme:
        text = readme.read()
    updated = views_table.splice(text, table)
    if updated != text:
        with open(args.readme, "w", encoding="utf-8") as readme:
            readme.write(updated)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
