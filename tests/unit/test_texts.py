"""Every sentence, in both locales: the English flow works end to end, and the locales agree."""

from __future__ import annotations

import string
from dataclasses import fields

import pytest

from atende.application.texts import LOCALES, Texts
from atende.application.texts.en import EN
from atende.application.texts.formatting import duration, phone
from atende.application.texts.pt_br import PT_BR
from atende.domain.content import Choice
from tests.unit.people import Agent, Customer
from tests.world import World

MARKERS = ("🔔", "💬", "⏳", "📋", "✅", "⚠️")

AGENT_MESSAGES = (
    "assignment", "relay_header", "reminder", "offer_missed", "help", "checked_in", "already_in",
    "checked_out", "checkout_refused", "paused", "resumed", "offline", "queue_header", "queue_empty",
    "nobody_waiting", "at_capacity", "target_missing", "removed_done", "ended_done", "transferred_done",
    "unknown_department", "same_department", "active_header", "active_none", "switched", "not_yours",
    "history_header", "history_empty", "no_active", "conversation_gone", "cannot_relay", "unknown_command",
    "offer_waiting", "assignment_part",
    "customer_window_closed", "customer_window_waiting", "customer_template_failed", "back_from_reopen",
    "still_arriving",
)  # fmt: skip
"""Sentences that are whole messages to an agent, so they must open with a §5 marker."""


def placeholders(sentence: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(sentence) if name is not None}


@pytest.mark.config(locale="en")
def test_a_whole_flow_in_english(world: World, ana: Agent, maria: Customer, joao: Customer) -> None:
    maria.says("hi")
    assert maria.reads() == [
        "Hello, Maria! You are talking to *Loja Exemplo*.\nWhich department would you like?"
        "\n[Financeiro]\n[Suporte]\n[Vendas]\n[Trocas]"
    ]
    maria.says("the bill")
    assert maria.reads() == [
        "Sorry, I did not get that 🙂 Reply with the number or the name: 1 Financeiro · 2 Suporte · 3 Vendas · 4 Trocas"
    ]
    maria.says("1")
    assert maria.reads() == [
        "You are in the *Financeiro* queue, position 1.\n"
        "Feel free to write: whoever serves you will see it all. To leave the queue, send *exit*."
    ]
    world.wait(120)

    ana.says("/login")
    assert ana.reads() == [
        "✅ You are in and available. 1 waiting in Financeiro (oldest: 2 min) · /queue",
        f"🔔 *New customer* · *Maria* {maria.tag} · Financeiro\n"
        "👤 Maria Silva · +55 11 98765-4321 · waited 2 min\n"
        "Already wrote:\n› hi\n› the bill\n"
        "Everything you write goes to *Maria*. /end closes · /help",
    ]
    assert maria.reads() == ["*Ana* will help you now."]

    ana.says("Hello Maria, how can I help?")
    maria.says("thanks, solved")
    assert maria.reads() == ["Hello Maria, how can I help?"]
    assert ana.reads() == [f"💬 *Maria* {maria.tag}\nthanks, solved"]

    ana.says("/end")
    assert ana.reads() == [f"✅ {maria.tag} · Maria Silva ended."]
    assert maria.reads() == [
        "Conversation ended. Thank you for talking to *Loja Exemplo*!",
        "How was our service?\n[😀 Great]\n[😐 OK]\n[😞 Poor]",
    ]
    maria.says("great")
    assert maria.reads() == ["Thank you for your feedback!"]
    assert maria.conversation.rating == 3

    joao.says("hello")
    joao.says("exit")
    assert joao.reads()[-1] == "All right! Write any time you need us."

    ana.says("/fila")  # the pt-BR spelling works in any locale
    assert ana.reads() == ["📋 Nobody waiting in Financeiro."]
    ana.says("/fim")
    assert ana.reads()[0].startswith("⚠️ No active conversation")


@pytest.mark.config(locale="en")
def test_english_reminders_and_missed_offers(world: World, ana: Agent, bruno: Agent, maria: Customer) -> None:
    ana.checks_in()
    maria.says("hi")
    maria.says(Choice("dept:financeiro", "Financeiro"))
    ana.reads()

    world.wait(180)

    assert ana.reads() == [
        f"⚠️ {maria.tag} · Maria Silva: no answer within 3 min. The customer is back in the queue "
        "and you are paused. /resume to receive customers again."
    ]
    assert maria.reads()[-1] == (
        "The person who was going to help you could not answer right now. You keep your place in the queue (1)."
    )


def test_both_locales_define_the_same_sentences_with_the_same_placeholders() -> None:
    for field in fields(Texts):
        pt, en = getattr(PT_BR, field.name), getattr(EN, field.name)
        assert type(pt) is type(en), field.name
        if isinstance(pt, str):
            assert pt.strip() and en.strip(), field.name
            assert placeholders(pt) == placeholders(en), field.name
        elif isinstance(pt, dict):
            assert pt.keys() == en.keys(), field.name
            for key in pt:
                assert placeholders(pt[key]) == placeholders(en[key]), f"{field.name}[{key}]"
        elif field.name == "rating_options":
            assert [score for score, _ in pt] == [score for score, _ in en]
    assert set(LOCALES) == {"pt-BR", "en"}


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_every_message_to_an_agent_opens_with_its_marker(locale: str) -> None:
    texts = LOCALES[locale]
    for name in AGENT_MESSAGES:
        sentence = getattr(texts, name)
        assert sentence.startswith(MARKERS), f"{locale}.{name}: {sentence!r}"
        assert sentence.startswith(getattr(PT_BR, name)[:1]), f"{locale}.{name} changes the marker"
    for usage in texts.usage.values():
        assert usage.startswith("⚠️")


def test_the_leave_word_of_each_locale_is_the_one_its_queue_message_teaches() -> None:
    assert "sair" in PT_BR.leave_words and "*sair*" in PT_BR.queued
    assert "exit" in EN.leave_words and "*exit*" in EN.queued


@pytest.mark.parametrize(
    ("wa_id", "shown"),
    [
        ("5511987654321", "+55 11 98765-4321"),
        ("551133334444", "+55 11 3333-4444"),
        ("14155550100", "+14155550100"),
        ("bsuid.abc", "bsuid.abc"),
    ],
)
def test_phones_are_shown_the_brazilian_way(wa_id: str, shown: str) -> None:
    assert phone(wa_id) == shown


@pytest.mark.parametrize(
    ("seconds", "pt", "en"),
    [(0, "0 s", "0 s"), (59.9, "59 s", "59 s"), (60, "1 min", "1 min"), (3599, "59 min", "59 min"),
     (3900, "1 h 05 min", "1 h 05 min")],
)  # fmt: skip
def test_durations_at_a_glance(seconds: float, pt: str, en: str) -> None:
    assert (duration(PT_BR, seconds), duration(EN, seconds)) == (pt, en)
