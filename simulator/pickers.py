"""Small sheets that slide over a chat, as the phone's own: a list's rows, an emoji, an attachment.

Each is a modal screen that dismisses with what was picked (or None on Esc), so the app decides
what to send; none of them knows about atende.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option as Row

from .chat import Bubble, Option
from .scenario import Action, SendMedia, ShareContact, ShareLocation

REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🙏")
"""WhatsApp's quick reactions."""

ATTACHMENTS: tuple[tuple[str, Action], ...] = (
    ("🖼  Foto", SendMedia("image", "foto do produto")),
    ("🎞  Vídeo", SendMedia("video", "vídeo")),
    ("🎵  Áudio", SendMedia("audio")),
    ("🎙  Mensagem de voz", SendMedia("voice")),
    ("📄  Documento", SendMedia("document", "", "boleto.pdf")),
    ("🏷  Figurinha", SendMedia("sticker")),
    ("📍  Localização", ShareLocation(-23.5614, -46.6559, "Loja", "Av. Paulista, 1000")),
    ("👤  Contato", ShareContact("Ana Souza", "+55 11 91234-5678")),
)
"""Stand-ins for what a phone can attach: a media file of each kind, a place, a contact card."""


class _Sheet(ModalScreen[object]):
    """A titled list over the chat; Enter or a click picks, Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Fechar")]

    def __init__(self, title: str, rows: list[str | Text]) -> None:
        super().__init__(classes="sheet")
        self.sheet_title = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="sheet-box"):
            yield Static(self.sheet_title, classes="sheet-title")
            yield OptionList(*[Row(row) for row in self.rows])

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.picked(event.option_index))

    def picked(self, index: int) -> object:
        return index

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class MenuSheet(_Sheet):
    """A list message's rows (or a buttons message's buttons): the pick goes back as a tap."""

    def __init__(self, menu: Bubble) -> None:
        rows: list[str | Text] = [
            Text.assemble((o.title, "bold"), (f"\n{o.description}", "dim") if o.description else "")
            for o in menu.options
        ]
        super().__init__(menu.button or "Escolha uma opção", rows)
        self.options = menu.options

    def picked(self, index: int) -> Option:
        return self.options[index]


class ReactionSheet(_Sheet):
    def __init__(self, about: str) -> None:
        super().__init__(f"Reagir a “{about}”", [*REACTIONS])

    def picked(self, index: int) -> str:
        return REACTIONS[index]


class AttachmentSheet(_Sheet):
    def __init__(self) -> None:
        super().__init__("Anexar", [label for label, _ in ATTACHMENTS])

    def picked(self, index: int) -> Action:
        return ATTACHMENTS[index][1]


def _row(option: Option) -> Text:
    """A list row as the phone shows it: the title, and its description below, dimmer."""
    return Text.assemble((option.title, "bold"), (f"\n{option.description}", "dim") if option.description else "")
