"""The value types of `atende.toml` that need more than a type check, as annotated types for the schema.

Names, department keys, phones, locales, time zones, WhatsApp template names, opening hours and
holidays: each validator says what is wrong and, where it can, how to write it instead.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, PlainValidator, StringConstraints

from atende.application.texts import LOCALES
from atende.config.hours import Holiday as HolidayValue
from atende.config.hours import Week, parse_holiday, parse_hours
from atende.config.problems import did_you_mean


def _slugify(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9_-]+", "-", plain).strip("-")


def _check_key(value: str) -> str:
    """Agents type the key (`/transferir suporte`), so it is a plain lowercase slug."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value):
        suggestion = _slugify(value)
        hint = f', e.g. "{suggestion}"' if suggestion else ""
        raise ValueError(f'"{value}" is not a valid key: use lowercase letters, digits, "-" and "_"{hint}')
    return value


def _check_phone(value: str) -> str:
    """A WhatsApp id is the full number in digits: country code, area code, number; no symbols."""
    digits = re.sub(r"[^0-9]", "", value)
    if digits != value:
        named = {"+": '"+"', " ": "spaces", "-": "dashes", "(": "brackets", ")": "brackets", ".": "dots"}
        found = [word for char, word in named.items() if char in value]
        if all(char in named or char in "0123456789" for char in value):
            what = " or ".join([", ".join(found[:-1]), found[-1]] if len(found) > 1 else found)
            fix = f': write "{digits}"' if 10 <= len(digits) <= 15 else ""
            raise ValueError(f'"{value}": a WhatsApp id is digits only, without {what}{fix}')
        raise ValueError(f'"{value}": a WhatsApp id is digits only, e.g. "5511999990001"')
    if not 10 <= len(digits) <= 15:
        raise ValueError(
            f'"{value}" has {len(digits)} digits; a WhatsApp id has 10 to 15: country code, area code '
            'and number, e.g. "5511999990001"'
        )
    return value


def _check_user_id(value: str) -> str:
    """A business-scoped user id, as the webhook shows it in `from_user_id` (e.g. "BR.1349120865")."""
    if value.startswith("@"):
        raise ValueError(
            f'"{value}" is a username; atende needs the business-scoped user id (BSUID) WhatsApp sends '
            'with her messages (from_user_id, e.g. "BR.13491208655302741918"): usernames change, BSUIDs do not'
        )
    if value.isdigit():
        raise ValueError(f'"{value}" is a phone number: write it as phone = "{value}"')
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,255}", value):
        raise ValueError(
            f'"{value}" is not a business-scoped user id (BSUID): letters, digits, "." and "_", '
            'as the webhook shows it in from_user_id, e.g. "BR.13491208655302741918"'
        )
    return value


def _check_locale(value: str) -> str:
    if value not in LOCALES:
        known = ", ".join(f'"{name}"' for name in LOCALES)
        raise ValueError(f'unknown locale "{value}"; use one of {known}{did_you_mean(value, LOCALES)}')
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        zones = available_timezones()
        if not zones:
            raise ValueError(
                f'cannot check time zone "{value}": this system has no time zone database (pip install tzdata)'
            ) from None
        raise ValueError(
            f'unknown time zone "{value}"; use an IANA name such as "America/Sao_Paulo"{did_you_mean(value, zones)}'
        ) from None
    return value


def _check_template_name(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+", value):
        raise ValueError(f'"{value}": WhatsApp template names use lowercase letters, digits and "_"')
    return value


def _check_language(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", value):
        raise ValueError(f'"{value}" is not a WhatsApp template language code; e.g. "pt_BR" or "en_US"')
    return value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Key = Annotated[str, AfterValidator(_check_key)]
Phone = Annotated[str, AfterValidator(_check_phone)]
UserId = Annotated[str, AfterValidator(_check_user_id)]
Locale = Annotated[str, AfterValidator(_check_locale)]
TimeZone = Annotated[str, AfterValidator(_check_timezone)]
TemplateName = Annotated[str, AfterValidator(_check_template_name)]
TemplateLanguage = Annotated[str, AfterValidator(_check_language)]
Hours = Annotated[Week | None, PlainValidator(parse_hours)]
Holiday = Annotated[HolidayValue, PlainValidator(parse_holiday)]
