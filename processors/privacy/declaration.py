"""The declaration of per-destination views (個資揭露宣告), read from ``views.toml`` and checked.

The data says, for each partner (or partner family, ``HOSP_*``) and referral kind, which personal fields,
attributes and governed clear fields it may see and under which law; this module only parses and checks it. A
declaration that names an unknown field, kind, service type, partner or basis, a grant without a 個資法§6
exception, or two rows for the same (partner, kind, service type) is refused when the hub starts: a silently
wrong view would disclose or withhold a child's data without anyone deciding it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Final, Literal

from adapters.agencies import ASSIGNMENT_AGENCIES, REFERRAL_SOURCES
from adapters.bureau_json import SERVICE_TYPES

Block = Literal["personal", "attributes", "clear"]
BLOCKS: Final[tuple[Block, ...]] = ("personal", "attributes", "clear")

KINDS: Final = (
    "CHILD_PROTECTION",
    "ADULT_USER",
    "YOUTH_DRUG_USE",
    "PRE_RELEASE",
    "DEFERRED_PROSECUTION",
    "RECIDIVISM_PREVENTION",
    "SERVICE",
    "LECTURE",
    "JUDICIAL_YOUTH",
    "SELF_REFERRAL",
)
"""Referral kinds (DOMAIN.md); an erasure order is an order, not a referral, and has no view."""
TAGS: Final = frozenset(
    {
        "identity",
        "contact",
        "staff",
        "family",
        "education",
        "employment",
        "drug",
        "criminal",
        "case_number",
        "health",
        "police_narrative",
        "narrative",
        "routing",
        "consent",
    }
)
FAMILY_SUFFIX: Final = "_*"
"""``HOSP_*``: every partner whose code starts with ``HOSP_``, including one added to the network later."""
_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_KNOWN_PARTNERS: Final = frozenset(ASSIGNMENT_AGENCIES) | frozenset(REFERRAL_SOURCES)


class DeclarationError(ValueError):
    """The declaration cannot be used; the message names the row and the field."""


@dataclass(frozen=True)
class Basis:
    """A legal basis: ``text`` is the statute and article as the law writes it."""

    basis_id: str
    text: str
    about: str
    pdpa_exception: bool = False
    """One of the exceptions of 個人資料保護法第6條 that allow disclosing special-category data."""


@dataclass(frozen=True)
class Field:
    """A field of the inventory: a sealed personal field, an attribute key, or a clear Assignment field."""

    block: Block
    name: str
    term: str = ""
    """The partners' own word (Chinese), for people reading the table."""
    origin: str = ""
    tags: frozenset[str] = frozenset()
    scope: Literal["referral", "status"] = "referral"
    """``status``: carried only on status updates, never part of an assignment, so never granted."""
    governed: bool = True
    """Clear fields: whether a view decides if the destination gets it (personal fields and attributes: always)."""
    why: str = ""


@dataclass(frozen=True)
class Grant:
    """Fields disclosed under one set of legal bases."""

    bases: tuple[Basis, ...]
    personal: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    clear: tuple[str, ...] = ()

    def fields(self, block: Block) -> tuple[str, ...]:
        return {"personal": self.personal, "attributes": self.attributes, "clear": self.clear}[block]


@dataclass(frozen=True)
class ViewRow:
    """One ``[[view]]`` row: who (codes or families), for what kind and service types, and its grants."""

    partners: tuple[str, ...]
    kind: str
    service_types: tuple[str, ...]
    """Empty: any service type no other row of the same partner and kind names."""
    need: str
    grants: tuple[Grant, ...]


@dataclass(frozen=True)
class Declaration:
    bases: Mapping[str, Basis]
    fields: Mapping[tuple[Block, str], Field]
    views: tuple[ViewRow, ...]

    def inventory(self, block: Block) -> list[Field]:
        return [f for (b, _), f in self.fields.items() if b == block]


def is_family(pattern: str) -> bool:
    return pattern.endswith(FAMILY_SUFFIX)


def matches(pattern: str, partner: str) -> bool:
    """``HOSP_*`` matches ``HOSP_KSPH``; a code matches only itself."""
    if is_family(pattern):
        return partner.startswith(pattern[:-1]) and len(partner) > len(pattern) - 1
    return partner == pattern


# -- parsing -----------------------------------------------------------------------------------------------


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DeclarationError(f"{where}: expected a list of strings")
    if len(set(value)) != len(value):
        raise DeclarationError(f"{where}: a name is listed twice")
    return tuple(value)


def _text(table: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = table.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise DeclarationError(f"{where}.{key}: expected a non-empty string")
    return value


def _known_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise DeclarationError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _bases(raw: Any) -> dict[str, Basis]:
    if not isinstance(raw, dict) or not raw:
        raise DeclarationError("[basis]: at least one legal basis is needed")
    bases: dict[str, Basis] = {}
    for basis_id, table in raw.items():
        where = f"[basis.{basis_id}]"
        _known_keys(table, {"text", "about", "pdpa_exception"}, where)
        exception = table.get("pdpa_exception", False)
        if not isinstance(exception, bool):
            raise DeclarationError(f"{where}.pdpa_exception: expected true or false")
        bases[basis_id] = Basis(basis_id, _text(table, "text", where), _text(table, "about", where), exception)
    return bases


def _inventory(raw: Mapping[str, Any]) -> dict[tuple[Block, str], Field]:
    fields: dict[tuple[Block, str], Field] = {}
    for block in ("personal", "attributes"):
        for name, table in (raw.get(block) or {}).items():
            where = f"[{block}.{name}]"
            _known_keys(table, {"term", "origin", "tags", "scope"}, where)
            tags = frozenset(_strings(table.get("tags", []), f"{where}.tags"))
            if not tags or tags - TAGS:
                raise DeclarationError(f"{where}.tags: one or more of {', '.join(sorted(TAGS))}")
            scope = table.get("scope", "referral")
            if scope not in ("referral", "status"):
                raise DeclarationError(f"{where}.scope: referral or status")
            fields[(block, name)] = Field(
                block, name, _text(table, "term", where), _text(table, "origin", where), tags, scope
            )
    for name, table in (raw.get("clear") or {}).items():
        where = f"[clear.{name}]"
        _known_keys(table, {"governed", "why"}, where)
        governed = table.get("governed", False)
        if not isinstance(governed, bool):
            raise DeclarationError(f"{where}.governed: expected true or false")
        fields[("clear", name)] = Field("clear", name, governed=governed, why=_text(table, "why", where))
    return fields


def _partners(value: Any, where: str) -> tuple[str, ...]:
    partners = _strings(value, where)
    if not partners:
        raise DeclarationError(f"{where}: name at least one partner")
    for pattern in partners:
        code = pattern[: -len(FAMILY_SUFFIX)] if is_family(pattern) else pattern
        known = (
            any(matches(pattern, partner) for partner in _KNOWN_PARTNERS)
            if is_family(pattern)
            else pattern in _KNOWN_PARTNERS
        )
        if not _CODE.fullmatch(code) or not known:
            raise DeclarationError(f"{where}: {pattern!r} is not a partner code or family (e.g. HOSP_*)")
    return partners


def _grant(table: Any, bases: Mapping[str, Basis], fields: Mapping[tuple[Block, str], Field], where: str) -> Grant:
    if not isinstance(table, dict):
        raise DeclarationError(f"{where}: expected a table")
    _known_keys(table, {"basis", *BLOCKS}, where)
    basis_ids = _strings(table.get("basis", []), f"{where}.basis")
    unknown = [basis_id for basis_id in basis_ids if basis_id not in bases]
    if unknown or not basis_ids:
        raise DeclarationError(f"{where}.basis: {unknown or 'empty'}: every basis must be one of [basis]")
    grant_bases = tuple(bases[basis_id] for basis_id in basis_ids)
    if not any(basis.pdpa_exception for basis in grant_bases):
        raise DeclarationError(f"{where}.basis: name the 個人資料保護法第6條 exception the disclosure rests on")
    names: dict[Block, tuple[str, ...]] = {}
    for block in BLOCKS:
        names[block] = _strings(table.get(block, []), f"{where}.{block}")
        for name in names[block]:
            known = fields.get((block, name))
            if known is None or known.scope != "referral" or not known.governed:
                raise DeclarationError(f"{where}.{block}: {name!r} is not a {block} field a view can grant")
    if not any(names.values()):
        raise DeclarationError(f"{where}: a grant must name at least one field")
    return Grant(grant_bases, names["personal"], names["attributes"], names["clear"])


def _view(index: int, table: Any, bases: Mapping[str, Basis], fields: Mapping[tuple[Block, str], Field]) -> ViewRow:
    where = f"[[view]] #{index + 1}"
    if not isinstance(table, dict):
        raise DeclarationError(f"{where}: expected a table")
    _known_keys(table, {"partners", "kind", "service_types", "need", "grant"}, where)
    kind = _text(table, "kind", where)
    if kind not in KINDS:
        raise DeclarationError(f"{where}.kind: {kind!r} is not a referral kind")
    service_types = _strings(table.get("service_types", []), f"{where}.service_types")
    if service_types and kind != "SERVICE":
        raise DeclarationError(f"{where}.service_types: only SERVICE referrals have a service type")
    if set(service_types) - set(SERVICE_TYPES):
        raise DeclarationError(f"{where}.service_types: one or more of {', '.join(SERVICE_TYPES)}")
    raw_grants = table.get("grant")
    if not isinstance(raw_grants, list) or not raw_grants:
        raise DeclarationError(f"{where}: at least one [[view.grant]]")
    grants = tuple(_grant(g, bases, fields, f"{where} grant #{n + 1}") for n, g in enumerate(raw_grants))
    granted = [(block, name) for grant in grants for block in BLOCKS for name in grant.fields(block)]
    if len(set(granted)) != len(granted):
        raise DeclarationError(f"{where}: a field is granted twice; give it one basis list")
    return ViewRow(_partners(table.get("partners"), f"{where}.partners"), kind, service_types,
                   _text(table, "need", where), grants)  # fmt: skip


def _no_overlaps(views: Sequence[ViewRow]) -> None:
    seen: dict[tuple[str, str, str], int] = {}
    for index, row in enumerate(views):
        for partner in row.partners:
            for service_type in row.service_types or ("*",):
                key = (partner, row.kind, service_type)
                if key in seen:
                    raise DeclarationError(
                        f"[[view]] #{index + 1}: {partner} × {row.kind} × {service_type} is already declared by "
                        f"[[view]] #{seen[key] + 1}"
                    )
                seen[key] = index


def parse(text: str) -> Declaration:
    """A declaration from TOML text, checked (:class:`DeclarationError` names what is wrong)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DeclarationError(f"not TOML: {error}") from error
    _known_keys(raw, {"basis", "personal", "attributes", "clear", "view"}, "the declaration")
    bases = _bases(raw.get("basis"))
    fields = _inventory(raw)
    raw_views = raw.get("view")
    if not isinstance(raw_views, list):
        raise DeclarationError("at least one [[view]] row is needed")
    views = tuple(_view(index, table, bases, fields) for index, table in enumerate(raw_views))
    _no_overlaps(views)
    return Declaration(MappingProxyType(bases), MappingProxyType(fields), views)


def load_default() -> Declaration:
    """The hub's declaration, shipped beside this module as package data."""
    return parse(files("processors.privacy").joinpath("views.toml").read_text(encoding="utf-8"))
