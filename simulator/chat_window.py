"""One person's phone: their chat with the business number, and what they are about to write.

Bubbles the person wrote sit on the right with their ticks (✓ sent, ✓✓ delivered, blue ✓✓ read
by the business); what the business sent sits on the left. A reaction shows on the bubble it is
about, a reply shows the message it quotes, a menu shows its options as buttons. ↑ and ↓ pick
a bubble; what is typed then goes as a swipe-reply to it, and F5 reacts to it.

Only the latest `SHOWN` bubbles are kept on screen: a chat of thousands stays quick to scroll,
and a line says how many older ones are hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.align import Align
from rich.console import Group, RenderableType
from rich.constrain import Constrain
from rich.padding import Padding
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from atende.application.texts.formatting import phone

from .chat import Bubble, Chats, Kind, Option
from .people import Person
from .scenario import Role
from .transcript import whatsapp

SHOWN = 60
"""Bubbles kept on screen per window; older ones are counted, not drawn."""

CARD_SHARE = 0.9
"""How much of the window's width a bubble may take, as on a phone."""


@dataclass(frozen=True)
class Look:
    """What may change on a bubble after it is drawn: its ticks and the reaction on it."""

    delivered: bool
    read: bool
    reaction: str


class BubbleView(Widget):
    """One message, as the phone shows it: a card on the left or the right, drawn as one widget.

    One widget a bubble keeps a long chat cheap to lay out; menus (`MenuView`) are the exception,
    with their options as buttons to click.
    """

    class Picked(Message):
        """An option of a menu bubble was clicked."""

        def __init__(self, menu: Bubble, option: Option) -> None:
            super().__init__()
            self.menu = menu
            self.option = option

    class OpenList(Message):
        """The button of a list message was clicked: show its rows."""

        def __init__(self, menu: Bubble) -> None:
            super().__init__()
            self.menu = menu

    def __init__(self, bubble: Bubble, owner: str, business: str, zone: ZoneInfo) -> None:
        super().__init__(classes="bubble mine" if bubble.mine else "bubble theirs")
        self.bubble = bubble
        self.owner = owner
        self.business = business
        self.zone = zone
        self.look = Look(False, False, "")
        self.quoted: Bubble | None = None

    def show(self, look: Look, quoted: Bubble | None) -> None:
        """Redraw what changed: ticks, a reaction, the quote once its bubble is known."""
        if look == self.look and quoted is self.quoted:
            return
        taller = quoted is not self.quoted  # a quote's snippet may take another line; ticks never do
        self.look = look
        self.quoted = quoted
        self.refresh(layout=taller)

    def render(self) -> RenderableType:
        card = Padding(Group(self.body(), self.footer()), (0, 1), style=self._card_style(), expand=False)
        width = max(12, int(self.size.width * CARD_SHARE)) if self.size.width else None
        return Align(Constrain(card, width), align="right" if self.bubble.mine else "left")

    def _card_style(self) -> str:
        if self.has_class("selected"):
            return "on #5c4a00"
        return "on #0b3d2e" if self.bubble.mine else "on #283040"

    def body(self) -> Text:
        bubble = self.bubble
        text = Text()
        if not bubble.mine:
            text.append(self.business + "\n", style="bold cyan")
        if bubble.quote:
            quoted = self.quoted
            what = snippet(quoted) if quoted else "an earlier message"
            author = (self.owner if quoted.mine else self.business) if quoted else ""
            text.append(f"↩ {author}: {what}\n" if author else f"↩ {what}\n", style="dim italic")
        text.append_text(words(bubble))
        return text

    def footer(self) -> Text:
        bubble = self.bubble
        meta = Text(justify="right")
        if self.look.reaction:
            meta.append(f"{self.look.reaction}  ")
        meta.append(local(bubble.at, self.zone), style="dim")
        if bubble.mine:
            if self.look.read:
                meta.append(" ✓✓", style="bold #34b7f1")
            elif self.look.delivered:
                meta.append(" ✓✓", style="dim")
            else:
                meta.append(" ✓", style="dim")
        return meta


class MenuView(BubbleView):
    """A menu the business sent: its text, then its options as buttons (or a list's button)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="card"):
            yield Static(self.body(), classes="body")
            if self.bubble.button:
                yield Button(f"☰ {self.bubble.button}", classes="list-button", compact=True)
            else:
                for option in self.bubble.options:
                    yield Button(option.title, name=option.id, classes="option", compact=True)
            yield Static(self.footer(), classes="meta")

    def on_mount(self) -> None:
        for button in self.query(Button):
            button.can_focus = False  # Tab moves between windows; the mouse (or Enter on a pick) taps

    def render(self) -> RenderableType:
        return ""

    def show(self, look: Look, quoted: Bubble | None) -> None:
        if look == self.look and quoted is self.quoted:
            return
        self.look = look
        self.quoted = quoted
        if self.is_mounted:
            self.query_one(".body", Static).update(self.body())
            self.query_one(".meta", Static).update(self.footer())

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if "list-button" in event.button.classes:
            self.post_message(self.OpenList(self.bubble))
            return
        option = next((o for o in self.bubble.options if o.id == event.button.name), None)
        if option is not None:
            self.post_message(self.Picked(self.bubble, option))


def view_of(bubble: Bubble, owner: str, business: str, zone: ZoneInfo) -> BubbleView:
    menu = bubble.kind is Kind.MENU and not bubble.mine and bubble.options
    return (MenuView if menu else BubbleView)(bubble, owner, business, zone)


class Older(Widget):
    """How many older messages are not drawn; one line, redrawn without a new layout."""

    count: reactive[int] = reactive(0, layout=False)

    def render(self) -> str:
        return f"… {self.count} mensagens anteriores" if self.count else ""


class ChatWindow(Vertical):
    """A phone: the title, the bubbles, the reply banner and the line being typed."""

    selected: reactive[int | None] = reactive(None)
    """Index into the shown bubbles of the one picked with ↑/↓ (None: writing afresh)."""

    class Submitted(Message):
        """The person pressed Enter: `text`, as a reply to `target` when one is picked."""

        def __init__(self, window: ChatWindow, text: str, target: Bubble | None) -> None:
            super().__init__()
            self.window = window
            self.text = text
            self.target = target

    class Chose(Message):
        """An option of a menu in this window was clicked."""

        def __init__(self, window: ChatWindow, menu: Bubble, option: Option) -> None:
            super().__init__()
            self.window = window
            self.menu = menu
            self.option = option

    class ListOpened(Message):
        """The button of a list message in this window was clicked: its rows are wanted."""

        def __init__(self, window: ChatWindow, menu: Bubble) -> None:
            super().__init__()
            self.window = window
            self.menu = menu

    class Opened(Message):
        """The window got the focus: the person is looking at the chat."""

        def __init__(self, window: ChatWindow) -> None:
            super().__init__()
            self.window = window

    def __init__(self, person: Person, business: str, zone: ZoneInfo) -> None:
        role = "customer" if person.role is Role.CUSTOMER else "agent"
        super().__init__(classes=f"window {role}", id=f"window-{person.phone}")
        self.person = person
        self.business = business
        self.zone = zone
        self.border_title = f"{'🙂' if person.role is Role.CUSTOMER else '🎧'} {person.name}"
        self.border_subtitle = phone(person.phone)
        self.bubbles: list[Bubble] = []
        """What is shown, oldest first (reactions excluded: they show on their bubble)."""
        self.hidden = 0
        self._views: dict[str, BubbleView] = {}
        self._seen = 0

    def on_mount(self) -> None:
        self.query_one(".bubbles", VerticalScroll).anchor()  # a chat shows its latest, as it grows

    def compose(self) -> ComposeResult:
        yield Older(classes="older")
        yield VerticalScroll(classes="bubbles")
        yield Static("", classes="replying")
        yield Input(placeholder="Mensagem", classes="say")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def target(self) -> Bubble | None:
        return self.bubbles[self.selected] if self.selected is not None else None

    def catch_up(self, chats: Chats) -> int:
        """Draw what arrived since last time and refresh ticks; returns how many bubbles are new."""
        everything = chats.of(self.person.phone)
        fresh = everything[self._seen :]
        self._seen = len(everything)
        reactions = {b.target: b.text for b in everything if b.kind is Kind.REACTION and b.target}
        new = [b for b in fresh if b.kind is not Kind.REACTION]
        scroll = self.query_one(".bubbles", VerticalScroll)
        if new:
            skipped = max(0, len(new) - SHOWN)  # older than what will stay on screen: counted, never drawn
            self.hidden += skipped
            new = new[skipped:]
            views = [view_of(b, self.person.name, self.business, self.zone) for b in new]
            self.bubbles.extend(new)
            self._views.update((view.bubble.id, view) for view in views)
            scroll.mount_all(views)
            self._prune()
        by_id = {b.id: b for b in self.bubbles}
        for bubble in self.bubbles:
            look = Look(chats.is_delivered(bubble.id), chats.is_read(bubble.id), reactions.get(bubble.id, ""))
            self._views[bubble.id].show(look, by_id.get(bubble.quote or ""))
        if new and self.selected is None:  # the latest in view, unless a message is being picked
            scroll.anchor()
        return len(new)

    def _prune(self) -> None:
        extra = len(self.bubbles) - SHOWN
        if extra > 0:
            gone, self.bubbles = self.bubbles[:extra], self.bubbles[extra:]
            for bubble in gone:
                self._views.pop(bubble.id).remove()
            self.hidden += extra
            if self.selected is not None:
                self.selected = max(0, self.selected - extra)
        if self.hidden:
            self.query_one(Older).count = self.hidden

    # -- picking a bubble --------------------------------------------------------------------

    def pick_previous(self) -> None:
        if not self.bubbles:
            return
        self.selected = len(self.bubbles) - 1 if self.selected is None else max(0, self.selected - 1)

    def pick_next(self) -> None:
        if self.selected is None:
            return
        self.selected = None if self.selected >= len(self.bubbles) - 1 else self.selected + 1

    def unpick(self) -> None:
        self.selected = None
        self.query_one(".bubbles", VerticalScroll).anchor()  # back to the latest, and stay there

    def watch_selected(self, old: int | None, new: int | None) -> None:
        for view in self.query(BubbleView):
            if view.has_class("selected"):
                view.remove_class("selected")
                view.refresh()
        banner = self.query_one(".replying", Static)
        if new is not None:
            self.query_one(".bubbles", VerticalScroll).anchor(False)  # picking: the view follows the pick
        if new is None or new >= len(self.bubbles):
            banner.update("")
            banner.display = False
            return
        bubble = self.bubbles[new]
        view = self._views[bubble.id]
        view.add_class("selected")
        view.refresh()
        view.scroll_visible(animate=False)
        banner.update(Text(f"↩ {snippet(bubble)}   (Esc cancels)", style="italic"))
        banner.display = True

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value
        if not text.strip() and not (self.target and self.target.kind is Kind.MENU):
            return
        self.post_message(self.Submitted(self, text, self.target))
        event.input.value = ""
        self.unpick()

    @on(BubbleView.Picked)
    def _picked(self, event: BubbleView.Picked) -> None:
        event.stop()
        self.post_message(self.Chose(self, event.menu, event.option))

    @on(BubbleView.OpenList)
    def _open_list(self, event: BubbleView.OpenList) -> None:
        event.stop()
        self.post_message(self.ListOpened(self, event.menu))

    def on_descendant_focus(self) -> None:
        self.add_class("focused")
        self.post_message(self.Opened(self))

    def on_descendant_blur(self) -> None:
        self.remove_class("focused")


def words(bubble: Bubble) -> Text:
    """What a bubble says, with what sort of message it is when it is not plain text."""
    match bubble.kind:
        case Kind.MEDIA:
            text = Text(f"📎 {bubble.label}", style="magenta")
            if bubble.text:
                text.append("\n")
                text.append_text(whatsapp(bubble.text))
            return text
        case Kind.LOCATION:
            return Text.assemble(("📍 ", "magenta"), (bubble.text or bubble.label, "magenta"))
        case Kind.TEMPLATE:
            return Text.assemble((f"📄 {bubble.label}", "magenta"), (f"\n{bubble.text}" if bubble.text else ""))
        case Kind.CHOICE:
            return Text.assemble(("☑ ", "yellow"), bubble.text)
    return whatsapp(bubble.text)


def snippet(bubble: Bubble, width: int = 48) -> str:
    flat = " ".join(bubble.plain().replace("*", "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")
