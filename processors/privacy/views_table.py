"""The README's "What each partner sees" table, generated from the declaration so the two cannot drift apart."""

from __future__ import annotations

from typing import Final

from processors.privacy.declaration import Declaration, Grant, ViewRow

BEGIN: Final = "<!-- views:begin -->"
END: Final = "<!-- views:end -->"
REGENERATE: Final = "make views-table"
HEADER: Final = (
    "partner",
    "kind (service)",
    "personal fields (sealed)",
    "attributes, clear fields",
    "legal basis",
    "why (need to know)",
)


def _cell(names: tuple[str, ...], clear: tuple[str, ...] = ()) -> str:
    cells = [f"`{name}`" for name in names] + [f"`{name}` (clear)" for name in clear]
    return ", ".join(cells) or "—"


def _kind(row: ViewRow) -> str:
    if row.service_types:
        return f"{row.kind} ({', '.join(row.service_types)})"
    return f"{row.kind} (any other)" if row.kind == "SERVICE" else row.kind


def _grant_row(row: ViewRow, grant: Grant, first: bool) -> str:
    partners = ", ".join(row.partners) if first else "〃"
    kind = _kind(row) if first else "〃"
    bases = "<br>".join(basis.text for basis in grant.bases)
    need = row.need if first else ""
    cells = (partners, kind, _cell(grant.personal), _cell(grant.attributes, grant.clear), bases, need)
    return "| " + " | ".join(cells) + " |"


def markdown(declaration: Declaration) -> str:
    """The table (one row per grant: a view with fields under two sets of bases has two rows) and its notes."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in declaration.views:
        lines += [_grant_row(row, grant, index == 0) for index, grant in enumerate(row.grants)]
    always = [field.name for field in declaration.inventory("clear") if not field.governed]
    granted = {
        (block, name)
        for row in declaration.views
        for grant in row.grants
        for block in ("personal", "attributes")
        for name in grant.fields(block)
    }
    never = [
        f"`{field.name}`"
        for block in ("personal", "attributes")
        for field in declaration.inventory(block)
        if field.scope == "referral" and (block, field.name) not in granted
    ]
    lines += [
        "",
        "Default deny: a partner × kind not in the table gets no personal field and no attribute. "
        "Every destination gets the clear fields " + ", ".join(f"`{name}`" for name in always) + " "
        "(ids, routing facts, times, rule and legal basis); `partner_ref` only where the table says so.",
    ]
    if never:
        lines += ["", "Never disclosed to any partner: " + ", ".join(never) + "."]
    return "\n".join(lines) + "\n"


def splice(readme: str, table: str) -> str:
    """``readme`` with ``table`` between :data:`BEGIN` and :data:`END`."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no {BEGIN} … {END} section")
    return readme[: start + len(BEGIN)] + "\n" + table + readme[end:]


def section(readme: str) -> str:
    """What the README holds between the markers now ("" if it has none)."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        return ""
    return readme[start + len(BEGIN) : end].removeprefix("\n")
