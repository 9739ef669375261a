"""Every sentence, in both locales: the English flow works end to end, and the locales agree."""

from __future__ import annotations

import string
from dataclasses import fields
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from atende.application.texts import LOCALES, Texts
from atende.application.texts.en import EN
from atende.application.texts.formatting import duration, phone, when_it_opens
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
    "still_arriving", "idle_closed_done", "supervisors_only", "dashboard_header", "report_header", "moved_done",
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
        elif field.name in {"weekdays", "months"}:
            assert (len(pt), len(en)) == ((7, 7) if field.name == "weekdays" else (12, 12)), field.name
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


SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 3, 6, 18, 30, tzinfo=SAO_PAULO)
"""A Friday evening."""


@pytest.mark.parametrize(
    ("opening", "pt", "en"),
    [
        (datetime(2026, 3, 6, 19, 0, tzinfo=SAO_PAULO), "hoje às 19:00", "today at 19:00"),
        (datetime(2026, 3, 7, 8, 0, tzinfo=SAO_PAULO), "amanhã às 08:00", "tomorrow at 08:00"),
        (datetime(2026, 3, 9, 8, 0, tzinfo=SAO_PAULO), "segunda-feira às 08:00", "on Monday at 08:00"),
        (datetime(2026, 3, 12, 13, 30, tzinfo=SAO_PAULO), "quinta-feira às 13:30", "on Thursday at 13:30"),
        (
            datetime(2026, 3, 13, 8, 0, tzinfo=SAO_PAULO),
            "sexta-feira, 13 de março, às 08:00",
            "on Friday, March 13, at 08:00",
        ),  # a week away: "sexta-feira" alone would be today
        (datetime(2026, 3, 9, 11, 0, tzinfo=UTC), "segunda-feira às 08:00", "on Monday at 08:00"),  # any zone in
    ],
)
def test_when_a_department_opens_is_said_in_the_business_zone(opening: datetime, pt: str, en: str) -> None:
    assert when_it_opens(PT_BR, opening, NOW, "America/Sao_Paulo") == pt
    assert when_it_opens(EN, opening, NOW, "America/Sao_Paulo") == en


def test_the_day_counts_in_the_business_zone_not_in_utc() -> None:
    late_friday = datetime(2026, 3, 7, 2, 0, tzinfo=UTC)  # Friday 23:00 in São Paulo, Saturday in UTC
    saturday_morning = datetime(2026, 3, 7, 8, 0, tzinfo=SAO_PAULO)
    assert when_it_opens(PT_BR, saturday_morning, late_friday, "America/Sao_Paulo") == "amanhã às 08:00"


@pytest.mark.config(
    text_overrides={
        "greeting_named": "Oi, {name}! Aqui é a {business}. Qual setor?",
        "leave_words": ("tchau",),
        "ended_done": "✅ #{code} · {name}: finalizado.",
    }
)
def test_the_deployments_own_words_reach_customers_and_agents(world: World, ana: Agent, maria: Customer) -> None:
    maria.says("oi")
    assert maria.reads()[0].startswith("Oi, Maria! Aqui é a Loja Exemplo. Qual setor?")
    maria.says("Tchau!")
    assert maria.read() == PT_BR.menu_left, "the overridden leave word works, as typed"

    maria.queues_for("financeiro")
    ana.checks_in()
    ana.says("Olá!")
    ana.says("/fim")

    assert ana.reads()[-1] == f"✅ {maria.tag} · Maria Silva: finalizado."
