"""`parse_command`: what an agent asks for, in pt-BR or English, whatever the case or accents."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atende.domain import commands as cmd
from atende.domain.commands import CodeRef, Position, parse_command

# Every spelling of every command without arguments (or with its optional argument left out).
BARE: list[tuple[str, cmd.AgentCommand]] = [
    ("/ajuda", cmd.Help()),
    ("/help", cmd.Help()),
    ("/entrar", cmd.CheckIn()),
    ("/login", cmd.CheckIn()),
    ("/sair", cmd.CheckOut()),
    ("/logout", cmd.CheckOut()),
    ("/pausa", cmd.Pause()),
    ("/pausar", cmd.Pause()),
    ("/pause", cmd.Pause()),
    ("/volto", cmd.Resume()),
    ("/voltar", cmd.Resume()),
    ("/resume", cmd.Resume()),
    ("/fila", cmd.ShowQueue()),
    ("/queue", cmd.ShowQueue()),
    ("/proximo", cmd.TakeNext()),
    ("/next", cmd.TakeNext()),
    ("/fim", cmd.End()),
    ("/end", cmd.End()),
    ("/ativos", cmd.ListActive()),
    ("/list", cmd.ListActive()),
    ("/historico", cmd.History()),
    ("/history", cmd.History()),
    ("/painel", cmd.Dashboard()),
    ("/dashboard", cmd.Dashboard()),
    ("/relatorio", cmd.Report()),
    ("/report", cmd.Report()),
]

# Commands whose argument is required: the bare word is a usage hint, not a guess.
NEEDS_ARGUMENT = [
    ("/puxar", "take"),
    ("/take", "take"),
    ("/remover", "remove"),
    ("/remove", "remove"),
    ("/transferir", "transfer"),
    ("/transfer", "transfer"),
    ("/ir", "switch"),
    ("/switch", "switch"),
]


@pytest.mark.parametrize(("text", "command"), BARE)
def test_every_command_and_alias(text: str, command: cmd.AgentCommand) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(("text", "usage"), NEEDS_ARGUMENT)
def test_a_command_missing_its_argument_is_malformed_with_its_usage(text: str, usage: str) -> None:
    assert parse_command(text) == cmd.Malformed(usage)


def test_the_tables_cover_every_spelling_the_parser_knows() -> None:
    covered = {text.removeprefix("/") for text, _ in BARE} | {text.removeprefix("/") for text, _ in NEEDS_ARGUMENT}
    assert covered == set(cmd.NAMES)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/Próximo", cmd.TakeNext()),
        ("/PRÓXIMO", cmd.TakeNext()),
        ("/próximo", cmd.TakeNext()),
        ("/Histórico", cmd.History()),
        ("/FIM", cmd.End()),
        ("/Entrar", cmd.CheckIn()),
        ("/LogOut", cmd.CheckOut()),
        ("/Pausa", cmd.Pause()),
        ("/Fila", cmd.ShowQueue()),
        ("/pro\u0301ximo", cmd.TakeNext()),  # an accent typed as a combining mark
    ],
)
def test_case_and_accents_do_not_matter(text: str, command: cmd.AgentCommand) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize("text", ["  /fim  ", "\n/fim\n", "/fim "])
def test_surrounding_whitespace_is_ignored(text: str) -> None:
    assert parse_command(text) == cmd.End()


@pytest.mark.parametrize(
    "text",
    ["Olá, tudo bem?", "", "   ", "/", "  /  ", "o boleto está em /docs", "fim", "#K7Q2"],
)
def test_text_that_is_not_a_command_is_for_the_customer(text: str) -> None:
    assert parse_command(text) is None


@pytest.mark.parametrize(
    ("text", "word"),
    [("/xyz", "/xyz"), ("/Fimm", "/Fimm"), ("/ajudar", "/ajudar"), ("//fim", "//fim"), ("/fim/", "/fim/")],
)
def test_an_unknown_command_is_reported_as_typed(text: str, word: str) -> None:
    assert parse_command(text) == cmd.Unknown(word)


# --- arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/puxar 2", cmd.Take(Position(2))),
        ("/puxar   12 ", cmd.Take(Position(12))),
        ("/take 1", cmd.Take(Position(1))),
        ("/puxar #k7q2", cmd.Take(CodeRef("K7Q2"))),
        ("/puxar K7Q2", cmd.Take(CodeRef("K7Q2"))),
        ("/puxar k7q2", cmd.Take(CodeRef("K7Q2"))),
        # Digits alone are a position; `#` makes an all-digit code a code.
        ("/puxar 2345", cmd.Take(Position(2345))),
        ("/puxar #2345", cmd.Take(CodeRef("2345"))),
    ],
)
def test_take_by_position_or_code(text: str, command: cmd.AgentCommand) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize("text", ["/puxar 0", "/puxar -1", "/puxar abc", "/puxar #K0Q2", "/puxar 2 3", "/take #"])
def test_take_with_a_wrong_argument_is_malformed(text: str) -> None:
    assert parse_command(text) == cmd.Malformed("take")


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/remover 1", cmd.Remove(Position(1))),
        ("/remover 1 spam", cmd.Remove(Position(1), "spam")),
        ("/remover #k7q2 pediu para sair", cmd.Remove(CodeRef("K7Q2"), "pediu para sair")),
        ("/remove K7Q2   duplicate  ", cmd.Remove(CodeRef("K7Q2"), "duplicate")),
        ("/Remover 3 Cliente Já Atendido", cmd.Remove(Position(3), "Cliente Já Atendido")),
    ],
)
def test_remove_takes_a_target_and_an_optional_reason_kept_as_written(text: str, command: cmd.AgentCommand) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize("text", ["/remover 0", "/remover motivo", "/remover #XYZ motivo", "/remove O1IL"])
def test_remove_with_a_wrong_target_is_malformed(text: str) -> None:
    assert parse_command(text) == cmd.Malformed("remove")


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/fim #k7q2", cmd.End("K7Q2")),
        ("/end K7Q2", cmd.End("K7Q2")),
        ("/fim xyz", cmd.Malformed("end")),
        ("/fim 1", cmd.Malformed("end")),
    ],
)
def test_end_may_name_a_conversation(text: str, command: cmd.AgentCommand) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/transferir Suporte", cmd.Transfer("suporte")),
        ("/transferir FINANCEIRO", cmd.Transfer("financeiro")),
        ("/transfer Orçamentos", cmd.Transfer("orcamentos")),
        ("/transferir 2", cmd.Transfer("2")),
        ("/transferir   Trocas e Devoluções ", cmd.Transfer("trocas e devolucoes")),
    ],
)
def test_transfer_names_the_department_folded(text: str, command: cmd.AgentCommand) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/transferir #k7q2 Suporte", cmd.Transfer("suporte", "K7Q2")),
        ("/transfer #K7Q2  Trocas e Devoluções", cmd.Transfer("trocas e devolucoes", "K7Q2")),
        ("/transferir #K7Q2", cmd.Malformed("transfer")),
        ("/transferir #10 suporte", cmd.Malformed("transfer")),
        ("/transferir K7Q2 suporte", cmd.Transfer("k7q2 suporte")),  # without #, all of it names a department
    ],
)
def test_transfer_may_name_a_conversation_by_its_code(text: str, command: cmd.AgentCommand) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/relatorio 7", cmd.Report(7)),
        ("/Relatório 30 dias", cmd.Report(30)),
        ("/report 1", cmd.Report(1)),
        ("/relatorio 0", cmd.Malformed("report")),
        ("/relatorio ontem", cmd.Malformed("report")),
        ("/relatorio 367", cmd.Malformed("report")),
    ],
)
def test_report_takes_a_number_of_days(text: str, command: cmd.AgentCommand) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/fila Financeiro", cmd.ShowQueue("financeiro")),
        ("/queue SUPORTE", cmd.ShowQueue("suporte")),
        ("/fila   ", cmd.ShowQueue(None)),
    ],
)
def test_the_queue_of_one_department(text: str, command: cmd.AgentCommand) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/ir #k7q2", cmd.Switch("K7Q2")),
        ("/switch K7Q2", cmd.Switch("K7Q2")),
        ("/ir 12", cmd.Malformed("switch")),
        ("/ir Maria", cmd.Malformed("switch")),
    ],
)
def test_switch_needs_a_code(text: str, command: cmd.AgentCommand) -> None:
    assert parse_command(text) == command


def test_a_four_letter_word_can_be_a_code() -> None:
    """`/remover spam` reads `spam` as a code (it is one); the agent then hears #SPAM is not in the queue."""
    assert parse_command("/remover spam") == cmd.Remove(CodeRef("SPAM"))


def test_arguments_of_commands_without_any_are_ignored() -> None:
    assert parse_command("/proximo por favor") == cmd.TakeNext()
    assert parse_command("/entrar agora") == cmd.CheckIn()


@given(st.text())
def test_any_text_is_either_for_the_customer_or_exactly_one_command(text: str) -> None:
    parsed = parse_command(text)
    stripped = text.strip()
    if stripped.startswith("/") and len(stripped) >= 2:
        assert isinstance(parsed, cmd.AgentCommand)
    else:
        assert parsed is None
