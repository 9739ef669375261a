"""Every sentence atende says, per locale: pt-BR by default, English as the alternative."""

from __future__ import annotations

from collections.abc import Mapping

from .catalog import Texts
from .en import EN
from .overrides import TextOverride, apply_overrides
from .pt_br import PT_BR

LOCALES: dict[str, Texts] = {"pt-BR": PT_BR, "en": EN}


def texts_for(locale: str, overrides: Mapping[str, TextOverride] | None = None) -> Texts:
    """The locale's texts, with the deployment's `[texts]` overrides in place; config validation
    has already refused unknown locales and overrides that could not work."""
    texts = LOCALES[locale]
    return apply_overrides(texts, overrides) if overrides else texts


__all__ = ["LOCALES", "TextOverride", "Texts", "texts_for"]
