"""Shared text handling for validators: how partner input is cleaned and how it is quoted back."""

from __future__ import annotations

import unicodedata

_QUOTE_LIMIT = 24


def clean(text: str) -> str:
    """Fold full-width digits and letters (全形) to ASCII and trim surrounding blanks.

    Clerks often type IDs and dates in full-width form on Chinese input methods; NFKC makes
    ``Ａ１２３`` and ``A123`` the same value without touching CJK characters.
    """
    return unicodedata.normalize("NFKC", text).strip()


def quote(text: str) -> str:
    """A partner's value as it may appear in a reason: bracketed and cut short.

    Cut short so that a whole row pasted into one cell cannot turn a reason into a data dump.
    Never use this for national IDs: those go through ``mask_national_id``.
    """
    shown = text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "…"
    return f"「{shown}」"
