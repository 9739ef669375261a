"""Every sentence atende says, per locale: pt-BR by default, English as the alternative."""

from __future__ import annotations

from .catalog import Texts
from .en import EN
from .pt_br import PT_BR

LOCALES: dict[str, Texts] = {"pt-BR": PT_BR, "en": EN}


def texts_for(locale: str) -> Texts:
    """The locale's texts; config validation has already refused unknown locales."""
    return LOCALES[locale]


__all__ = ["LOCALES", "Texts", "texts_for"]
