"""Shared validators for partner input (資料檢核): pure functions, one concern per module.

Each raises :class:`adapters.base.FieldError` with a machine-readable ``code`` and a Traditional Chinese
``reason``; the adapter adds the field label and the record's partner reference.
"""

from adapters.validation.districts import KAOHSIUNG_DISTRICTS, POSTAL_CODES_OUTSIDE_KAOHSIUNG, resolve_place
from adapters.validation.gender import GenderScheme, parse_gender
from adapters.validation.national_id import make_national_id, mask_national_id, validate_national_id
from adapters.validation.phone import normalise_phone
from adapters.validation.roc_dates import (
    TAIPEI,
    RocDateStyle,
    format_roc_date,
    parse_roc_date,
    parse_roc_datetime,
)

__all__ = [
    "KAOHSIUNG_DISTRICTS",
    "POSTAL_CODES_OUTSIDE_KAOHSIUNG",
    "TAIPEI",
    "GenderScheme",
    "RocDateStyle",
    "format_roc_date",
    "make_national_id",
    "mask_national_id",
    "normalise_phone",
    "parse_gender",
    "parse_roc_date",
    "parse_roc_datetime",
    "resolve_place",
    "validate_national_id",
]
