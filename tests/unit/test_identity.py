"""One person, whatever WhatsApp calls them (docs/adr/0007-identity.md).

Meta names a user by number, by business-scoped user id (BSUID: users with a username may come
without their number), or by both; numbers change (`user_changed_number`) and are handed on.
A contact is one person through all of it; agents may be configured either way; edits and
deletions name the message they change; a number that becomes an agent's stops being a customer.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from atende.application.outbound import TextBody
from atende.application.settings import AgentProfile
from atende.domain.content import Choice, Edited, Revoked, SystemNotice
from atende.domain.conversation import CloseReason, Stage
from tests.fakes import FakeUnitOfWork
from tests.unit.people import Agent, Customer
from tests.unit.scenes import serving
from tests.world import ANA, MARIA, PEDRO, World, settings

RITA = "BR.4f1c0a9e7b2d4e6f8a1b3c5d7e9f0a2b"
"""A customer with a username: Meta may send only her BSUID."""
RITA_PHONE = "5511955554444"
MARIA_BSUID = "BR.13491208655302741918"
MARIA_NEW = "5511911112222"
ANA_BSUID = "BR.99887766554433221100"
ANA_NEW = "5511933332222"


def contacts_naming(world: World, wa_id: str) -> list[str]:
    return [c.wa_id for c in world.store.contacts.values() if wa_id in (c.phone, c.user_id)]


def test_a_customer_named_by_phone_then_both_then_username_only_is_one_person(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    code = maria.code

    world.write(MARIA, "Sou eu, com o meu usuário agora", name="Maria Silva", user_id=MARIA_BSUID)
    world.write(MARIA_BSUID, "E agora só pelo usuário", name="Maria Silva", user_id=MARIA_BSUID)

    assert ana.reads() == [
        f"💬 *Maria* #{code}\nSou eu, com o meu usuário agora",
        f"💬 *Maria* #{code}\nE agora só pelo usuário",
    ]
    assert [c.code for c in world.store.conversations.values()] == [code], "no second conversation"
    assert contacts_naming(world, MARIA) == contacts_naming(world, MARIA_BSUID) == [MARIA]
    ana.says("Recebi as duas")
    assert maria.reads()[-1:] == ["Recebi as duas"], "still reached at her number"


def test_a_customer_known_only_by_username_is_served_and_answered_by_bsuid(world: World, ana: Agent) -> None:
    rita = Customer(world, RITA, "Rita Lopes", user_id=RITA)
    ana.checks_in()

    rita.queues_for("financeiro", first="Vocês entregam no sábado?")
    assignment = ana.reads()[-1]
    ana.says("Entregamos, sim!")

    assert assignment.splitlines()[1].startswith("👤 Rita Lopes · esperou"), "no number to show, and no BSUID"
    assert rita.reads() == ["Entregamos, sim!"]
    assert world.gateway.to(RITA)[-1].body == TextBody("Entregamos, sim!"), "sent to her BSUID"
    assert rita.conversation.customer.wa_id == RITA


def test_a_username_customer_whose_number_appears_later_keeps_her_conversation(world: World, ana: Agent) -> None:
    rita = Customer(world, RITA, "Rita Lopes", user_id=RITA)
    ana.checks_in()
    rita.queues_for("financeiro")
    ana.says("Olá, Rita!")
    rita.reads()

    world.write(RITA_PHONE, "Agora com número", name="Rita Lopes", user_id=RITA)
    ana.says("Oi de novo")

    assert ana.reads()[-1] == f"💬 *Rita* {rita.tag}\nAgora com número"
    assert [m.body for m in world.sent_to(RITA_PHONE)] == [TextBody("Oi de novo")], "to her number, once known"
    assert contacts_naming(world, RITA) == contacts_naming(world, RITA_PHONE) == [RITA]


def test_two_contacts_that_turn_out_to_be_one_person_are_linked(world: World, ana: Agent, maria: Customer) -> None:
    """Maria wrote by number once; months later Meta names her only by BSUID (a second contact,
    since nothing links them yet); then a message names her both ways: one person again."""
    serving(ana, maria)
    ana.says("/fim")
    maria.says(Choice("rate:3", "😀 Ótimo"))
    by_username = Customer(world, MARIA_BSUID, "Maria Silva", user_id=MARIA_BSUID)
    by_username.queues_for("financeiro", first="Voltei, pelo usuário")
    ana.reads()
    assert len(world.store.contacts) >= 2

    world.write(MARIA, "E agora com o número", name="Maria Silva", user_id=MARIA_BSUID)

    assert ana.reads()[-1] == f"💬 *Maria* {by_username.tag}\nE agora com o número"
    assert contacts_naming(world, MARIA) == contacts_naming(world, MARIA_BSUID) == [MARIA_BSUID]
    assert world.store.contacts[MARIA].phone is None, "the old contact stays as its past conversation's key"
    assert [c.stage for c in maria.conversations] == [Stage.CLOSED]


def test_with_nothing_open_the_contact_known_by_number_goes_on(world: World, maria: Customer) -> None:
    maria.says("oi")
    maria.says("sair")
    by_username = Customer(world, MARIA_BSUID, "Maria Silva", user_id=MARIA_BSUID)
    by_username.says("oi de novo")
    by_username.says("sair")

    world.write(MARIA, "Sou eu de novo", name="Maria Silva", user_id=MARIA_BSUID)

    assert contacts_naming(world, MARIA) == contacts_naming(world, MARIA_BSUID) == [MARIA]
    assert world.store.contacts[MARIA_BSUID].user_id is None
    assert [c.stage for c in maria.conversations] == [Stage.CLOSED, Stage.CHOOSING]


def test_a_number_that_changed_hands_is_a_new_person(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.write(MARIA, SystemNotice("User A changed number", new_wa_id=MARIA_NEW), name="Maria Silva")
    ana.reads()

    world.write(MARIA, "Oi, comprei este chip ontem", name="Carlos")

    assert ana.reads() == [], "not Maria: not relayed into her conversation"
    (stranger,) = [c for c in world.store.conversations.values() if c.customer.name == "Carlos"]
    assert stranger.customer.wa_id == f"{MARIA}~2"
    assert [m.to for m in world.gateway.sent if m.to == MARIA][-1:] == [MARIA], "he is reached at the number"


# --- user_changed_number ------------------------------------------------------------------------


def test_a_customer_who_changes_number_keeps_her_conversation_and_her_agent_is_told(
    world: World, ana: Agent, maria: Customer
) -> None:
    code = serving(ana, maria)

    world.write(MARIA, SystemNotice("User A changed from … to …", new_wa_id=MARIA_NEW), name="Maria Silva")

    told = world.atende.texts.number_changed_customer.format(code=code, name="Maria Silva", phone="+55 11 91111-2222")
    assert ana.reads() == [told]
    ana.says("Anotado!")
    world.write(MARIA_NEW, "Esse é o novo", name="Maria Silva")
    assert [m.body for m in world.sent_to(MARIA_NEW)] == [TextBody("Anotado!")]
    assert ana.reads() == [f"💬 *Maria* #{code}\nEsse é o novo"]
    assert contacts_naming(world, MARIA_NEW) == [MARIA] and contacts_naming(world, MARIA) == []


def test_an_agent_who_changes_number_is_still_herself_and_her_messages_follow(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)

    world.write(ANA, SystemNotice("Ana changed number", new_wa_id=ANA_NEW), name="Ana")
    maria.says("Alô?")
    world.write(ANA_NEW, "/ativos", name="Ana")

    to_new = [m.body for m in world.sent_to(ANA_NEW)]
    assert to_new[0] == TextBody(world.atende.texts.number_changed_agent.format(phone="+55 11 93333-2222"))
    assert to_new[1] == TextBody(f"💬 *Maria* {maria.tag}\nAlô?")
    assert isinstance(to_new[2], TextBody) and to_new[2].text.startswith("📋")
    assert world.store.agents[ANA].active == maria.code


@pytest.mark.config(assigned_idle_hours=0)  # silent for 25 h on purpose: no idle close here
def test_what_waited_for_an_agent_goes_to_her_new_number(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.clock.advance(25 * 3600)
    maria.says("Alguém aí?")  # held for Ana: her window has closed

    world.write(ANA, SystemNotice("Ana changed number", new_wa_id=ANA_NEW), name="Ana")
    world.write(ANA_NEW, "voltei", name="Ana")

    assert [m.body for m in world.sent_to(ANA_NEW)][-3:] == [
        TextBody(f"💬 *Maria* {maria.tag}\nAlguém aí?"),
        TextBody(world.atende.texts.number_changed_agent.format(phone="+55 11 93333-2222")),
        TextBody(world.atende.texts.back_from_reopen),
    ]
    assert maria.reads()[-1:] != ["voltei"]


# --- agents configured by BSUID -----------------------------------------------------------------


def bsuid_roster() -> World:
    agents = (AgentProfile(ANA_BSUID, "Ana", ("financeiro",), user_id=ANA_BSUID),)
    return World(settings(agents=agents))


def test_an_agent_configured_by_bsuid_is_recognised_by_it_with_or_without_her_number() -> None:
    world = bsuid_roster()
    maria = Customer(world, MARIA)

    world.write(ANA_BSUID, "/entrar", name="Ana", user_id=ANA_BSUID)
    maria.queues_for("financeiro")
    world.write("5511900000001", "Olá, Maria!", name="Ana", user_id=ANA_BSUID)

    assert world.texts(ANA_BSUID)[0].startswith("✅")
    assert world.texts(ANA_BSUID)[1].startswith("🔔"), "sent by BSUID while no number is known"
    assert maria.reads()[-1] == "Olá, Maria!"
    maria.says("Obrigada")
    assert world.texts("5511900000001") == [f"💬 *Maria* {maria.tag}\nObrigada"], "then to her number"
    assert set(world.store.agents) == {ANA_BSUID}


def test_a_stranger_with_a_username_is_a_customer() -> None:
    world = bsuid_roster()

    world.write("BR.someone-else", "/entrar", name="Zé", user_id="BR.someone-else")

    assert world.texts("BR.someone-else")[0].startswith("Olá, Zé!")


# --- edits and deletions ------------------------------------------------------------------------


def test_a_customers_edit_and_deletion_are_relayed_naming_the_message(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    said = maria.says("O boleto de março veio errado")
    copy = world.provider_id_of(ANA, "março")
    ana.reads()

    maria.says(Edited(said, "O boleto de abril veio errado"))
    maria.says(Revoked(said))

    edit, deletion = ana.received()[-2:]
    assert edit.body == TextBody(
        f"💬 *Maria* {maria.tag}\n✏️ editou “O boleto de março veio errado”: O boleto de abril veio errado"
    )
    assert deletion.body == TextBody(f"💬 *Maria* {maria.tag}\n🗑️ apagou “O boleto de março veio errado”")
    assert edit.reply_to == deletion.reply_to == copy, "each quotes Ana's copy of the original"


def test_an_agents_edit_and_deletion_reach_the_customer_as_replies_to_her_copy(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    said = ana.says("O valor é R$ 150")
    copy = world.provider_id_of(MARIA, "R$ 150")
    maria.reads()

    ana.says(Edited(said, "O valor é R$ 105"))
    ana.says(Revoked(said))
    ana.says(Edited(world.write(ANA, "/ativos", name="Ana"), "/fila"))  # a command reached nobody

    correction, deletion = maria.received()[-2:]
    assert correction.body == TextBody("✏️ Correção: O valor é R$ 105")
    assert deletion.body == TextBody("🗑️ Ana apagou esta mensagem: desconsidere-a.")
    assert correction.reply_to == deletion.reply_to == copy


# --- a number that becomes an agent's ------------------------------------------------------------


def restart_with_pedro_as_agent(world: World) -> World:
    """atende restarted on the same storage with Pedro added to the roster (the roster syncs)."""
    roster = (*world.settings.agents, AgentProfile(PEDRO, "Pedro", ("suporte",)))
    restarted = World(replace(world.settings, agents=roster), lambda: FakeUnitOfWork(world.store))
    restarted._ids = world._ids  # message ids go on where the first run left them
    restarted.flush()
    return restarted


def test_a_customer_whose_number_the_config_now_lists_as_an_agent_is_closed_politely(world: World, ana: Agent) -> None:
    pedro = Customer(world, PEDRO)
    serving(ana, pedro)
    code = pedro.code

    restarted = restart_with_pedro_as_agent(world)

    (conversation,) = [c for c in world.store.conversations.values() if c.code == code]
    assert (conversation.stage, conversation.close_reason) == (Stage.CLOSED, CloseReason.BECAME_AGENT)
    assert restarted.texts(PEDRO) == [world.atende.texts.became_agent.format(business="Loja Exemplo")]
    assert restarted.texts(ANA) == [world.atende.texts.became_agent_done.format(code=code, name="Pedro Lima")]
    assert world.store.agents[ANA].active is None
    restarted.write(PEDRO, "/entrar", name="Pedro")
    assert restarted.texts(PEDRO)[-1].startswith("✅")


def test_a_queued_customer_who_becomes_an_agent_leaves_the_queue(world: World) -> None:
    pedro = Customer(world, PEDRO)
    pedro.queues_for("financeiro")

    restarted = restart_with_pedro_as_agent(world)

    assert [c.stage for c in pedro.conversations] == [Stage.CLOSED]
    assert restarted.texts(PEDRO) == [world.atende.texts.became_agent.format(business="Loja Exemplo")]
    restarted.write(ANA, "/entrar", name="Ana")
    assert restarted.texts(ANA)[0].startswith("✅ Você entrou") and len(restarted.texts(ANA)) == 1
