"""Outgoing → Cloud API JSON: Meta's sample requests exactly, and every documented limit.

The samples live in tests/wa_samples/send_api/ (tests/samples.py).
Where a sample has parts atende never sends (a list header, a footer) they are dropped
before comparing; everything else must be equal, key for key.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atende.adapters.whatsapp.render import (
    ELLIPSIS,
    RenderError,
    clip,
    recipient,
    render,
    render_template,
    utf16_len,
)
from atende.application.outbound import (
    Audience,
    Body,
    LocationBody,
    MediaBody,
    MenuBody,
    Option,
    Outgoing,
    ReactionBody,
    ReadReceipt,
    TextBody,
)
from atende.domain.content import Media, MediaKind
from atende.standin import problem_in
from tests.samples import WA_SAMPLES

MARIA = "5511987654321"
WAMID = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBQ0RFMDEyMzQ1Njc4OUFCQ0RFAA=="


SEND_API = WA_SAMPLES / "send_api"


def sample(name: str) -> dict[str, Any]:
    path = SEND_API / name
    if not path.is_file():
        pytest.fail(f"missing sample {path}; set ATENDE_WA_SAMPLES")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def out(body: Body, to: str = MARIA, reply_to: str | None = None) -> Outgoing:
    return Outgoing("out-1", to, Audience.CUSTOMER, body, datetime(2026, 3, 2, 13, 0, tzinfo=UTC), reply_to=reply_to)


def options(count: int, **extra: str) -> tuple[Option, ...]:
    return tuple(Option(f"dept:{n}", f"Department {n}", **extra) for n in range(1, count + 1))


# -- Meta's sample requests ---------------------------------------------------------------------


def test_text_with_reply_context_is_the_sample() -> None:
    expected = sample("request_text_reply_context.json")
    expected["to"] = "+" + expected["to"]  # the sample omits "+", which Meta warns can misroute
    rendered = render(out(TextBody("Segue a segunda via em anexo."), reply_to=WAMID))
    assert rendered == expected


def test_image_by_id_with_caption_is_the_sample() -> None:
    expected = sample("request_image_by_id.json")
    expected["to"] = "+" + expected["to"]
    media = Media(MediaKind.IMAGE, "1479537139650973", mime_type="image/jpeg")
    assert render(out(MediaBody(media, caption="💬 Maria #K7Q2"))) == expected


def test_document_by_link_with_filename_is_the_sample() -> None:
    expected = sample("request_document_by_link.json")
    media = Media(MediaKind.DOCUMENT, "https://www.example.com/receipt.pdf", filename="receipt.pdf")
    assert render(out(MediaBody(media, caption="Your receipt"), to="16505551234")) == expected


SALES = Option("dept:sales", "Sales", "New orders and quotes")
BILLING = Option("dept:billing", "Billing", "Invoices, refunds, payments")
SUPPORT = Option("dept:support", "Technical support", "Problems with a product")


def test_three_options_are_the_buttons_sample() -> None:
    expected = sample("request_interactive_buttons.json")
    del expected["interactive"]["footer"]  # atende's menus have none
    support = Option("dept:support", "Support")
    menu = MenuBody("Which department do you need?", "Departments", (SALES, BILLING, support))
    assert render(out(menu, to="+16505551234")) == expected


def test_four_options_are_the_list_sample() -> None:
    expected = sample("request_interactive_list.json")
    del expected["interactive"]["header"], expected["interactive"]["footer"]
    returns = Option("dept:returns", "Returns")
    expected["interactive"]["action"]["sections"][0]["rows"].append({"id": "dept:returns", "title": "Returns"})
    menu = MenuBody("Choose a department", "Departments", (SALES, BILLING, SUPPORT, returns))
    assert render(out(menu, to="16505551234")) == expected


def test_read_receipt_is_the_sample() -> None:
    assert render(out(ReadReceipt(WAMID))) == sample("request_mark_read.json")


def test_template_is_the_sample() -> None:
    rendered = render_template("16505551234", "agent_reconnect", "en_US", ["Dana"], buttons=["reopen:123"])
    assert rendered == sample("request_template.json")


def test_template_parameters_are_written_on_one_line_as_meta_requires() -> None:
    rendered = render_template(MARIA, "atende_retorno", "pt_BR", ["Loja\tExemplo\n", "Ana      Paula"])
    assert rendered["template"]["components"] == [
        {
            "type": "body",
            "parameters": [{"type": "text", "text": "Loja Exemplo"}, {"type": "text", "text": "Ana Paula"}],
        }
    ]
    assert problem_in(rendered) is None
    with pytest.raises(RenderError, match="empty"):
        render_template(MARIA, "atende_retorno", "pt_BR", ["Loja Exemplo", " \n"])


def test_template_without_parameters_has_no_components() -> None:
    rendered = render_template(MARIA, "hello_world", "pt_BR")
    assert rendered["template"] == {"name": "hello_world", "language": {"policy": "deterministic", "code": "pt_BR"}}


# -- recipient and context ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("5511987654321", "+5511987654321"),
        ("+5511987654321", "+5511987654321"),
        (" 5511987654321 ", "+5511987654321"),
        ("US.13491208655302741918", "US.13491208655302741918"),
        ("BR.a1b2c3", "BR.a1b2c3"),
    ],
)
def test_digits_get_a_plus_and_user_ids_pass_unchanged(to: str, expected: str) -> None:
    assert recipient(to) == expected
    assert render(out(TextBody("oi"), to=to))["to"] == expected


def test_no_recipient_is_refused() -> None:
    with pytest.raises(RenderError):
        render(out(TextBody("oi"), to="  "))


@pytest.mark.parametrize(
    "body",
    [
        TextBody("oi"),
        MenuBody("Escolha", "Setores", options(2)),
        MenuBody("Escolha", "Setores", options(5)),
        MediaBody(Media(MediaKind.IMAGE, "123")),
        LocationBody(-23.5, -46.6),
    ],
)
def test_reply_to_becomes_context(body: Body) -> None:
    assert render(out(body, reply_to=WAMID))["context"] == {"message_id": WAMID}
    assert "context" not in render(out(body))


def test_a_reaction_never_quotes() -> None:
    rendered = render(out(ReactionBody(WAMID, "👍"), reply_to="wamid.other"))
    assert "context" not in rendered
    assert rendered["type"] == "reaction"
    assert rendered["reaction"] == {"message_id": WAMID, "emoji": "👍"}


def test_an_empty_emoji_takes_the_reaction_away() -> None:
    assert render(out(ReactionBody(WAMID, "")))["reaction"] == {"message_id": WAMID, "emoji": ""}


def test_a_read_receipt_has_no_recipient_fields() -> None:
    assert set(render(out(ReadReceipt(WAMID), reply_to="wamid.x"))) == {"messaging_product", "status", "message_id"}


# -- text ---------------------------------------------------------------------------------------


def test_text_never_previews_links() -> None:
    rendered = render(out(TextBody("veja https://example.com")))
    assert rendered["type"] == "text"
    assert rendered["text"] == {"preview_url": False, "body": "veja https://example.com"}
    assert rendered["recipient_type"] == "individual"
    assert rendered["messaging_product"] == "whatsapp"


def test_text_at_the_limit_is_untouched() -> None:
    text = "a" * 4096
    assert render(out(TextBody(text)))["text"]["body"] == text


def test_long_text_is_clipped_with_an_ellipsis() -> None:
    text = ("palavra " * 1000).strip()
    body = render(out(TextBody(text)))["text"]["body"]
    assert utf16_len(body) <= 4096
    assert body.endswith("palavra" + ELLIPSIS)  # cut between words, not inside one
    assert text.startswith(body.removesuffix(ELLIPSIS))


def test_empty_text_is_refused() -> None:
    with pytest.raises(RenderError):
        render(out(TextBody("  ")))


def test_clip_never_splits_an_emoji_sequence() -> None:
    family = "👩\u200d👩\u200d👧\u200d👦"
    for limit in range(2, 16):
        clipped = clip("ab" + family * 3, limit)
        assert utf16_len(clipped) <= limit
        assert clipped.removesuffix(ELLIPSIS) in {"a", "ab", "ab" + family, "ab" + family * 2}


def test_clip_keeps_skin_tones_and_accents_with_their_base() -> None:
    assert clip("abc👍🏽def", 5) == "abc" + ELLIPSIS
    assert clip("abce\u0301f", 5) == "abc" + ELLIPSIS


def test_clip_counts_astral_characters_twice() -> None:
    assert utf16_len("😀 Ótimo") == 8
    assert clip("😀" * 20, 20) == "😀" * 9 + ELLIPSIS


# -- menus: buttons -----------------------------------------------------------------------------


def test_up_to_three_options_are_buttons() -> None:
    for count in (1, 2, 3):
        interactive = render(out(MenuBody("Escolha", "Setores", options(count))))["interactive"]
        assert interactive["type"] == "button"
        assert [b["reply"]["id"] for b in interactive["action"]["buttons"]] == [
            f"dept:{n}" for n in range(1, count + 1)
        ]
        assert all(b["type"] == "reply" for b in interactive["action"]["buttons"])


def test_long_button_titles_are_clipped_to_20() -> None:
    menu = MenuBody("Escolha", "Setores", (Option("a", "Atendimento ao consumidor"), Option("b", "Vendas")))
    titles = [b["reply"]["title"] for b in render(out(menu))["interactive"]["action"]["buttons"]]
    assert titles == ["Atendimento ao cons" + ELLIPSIS, "Vendas"]
    assert all(utf16_len(t) <= 20 for t in titles)


def test_titles_that_clip_to_the_same_text_are_numbered() -> None:
    menu = MenuBody(
        "Escolha",
        "Setores",
        (Option("a", "Financeiro: boletos e notas"), Option("b", "Financeiro: boletos vencidos")),
    )
    titles = [b["reply"]["title"] for b in render(out(menu))["interactive"]["action"]["buttons"]]
    assert titles[0].startswith("1. ") and titles[1].startswith("2. ")
    assert len(set(titles)) == 2 and all(utf16_len(t) <= 20 for t in titles)


def test_button_descriptions_are_not_sent() -> None:
    interactive = render(out(MenuBody("Escolha", "Setores", options(2, description="x"))))["interactive"]
    assert all(set(b["reply"]) == {"id", "title"} for b in interactive["action"]["buttons"])


def test_button_body_is_clipped_to_1024() -> None:
    body = render(out(MenuBody("x" * 2000, "Setores", options(2))))["interactive"]["body"]["text"]
    assert utf16_len(body) == 1024 and body.endswith(ELLIPSIS)


def test_the_rating_prompt_fits_as_buttons() -> None:
    rating = tuple(Option(f"rate:{s}", t) for s, t in ((3, "😀 Ótimo"), (2, "😐 Regular"), (1, "😞 Ruim")))
    menu = MenuBody("Como foi o seu atendimento?", "Como foi o seu atendimento?", rating)
    buttons = render(out(menu))["interactive"]["action"]["buttons"]
    assert [b["reply"]["title"] for b in buttons] == ["😀 Ótimo", "😐 Regular", "😞 Ruim"]


@pytest.mark.parametrize(
    "bad",
    [
        (Option("same", "A"), Option("same", "B")),
        (Option("x" * 257, "A"), Option("b", "B")),
        (Option("", "A"),),
    ],
)
def test_ids_that_could_not_be_matched_back_are_refused(bad: tuple[Option, ...]) -> None:
    with pytest.raises(RenderError):
        render(out(MenuBody("Escolha", "Setores", bad)))


def test_a_menu_without_options_is_plain_text() -> None:
    rendered = render(out(MenuBody("Nenhum setor disponível", "Setores", ())))
    assert rendered["type"] == "text"
    assert rendered["text"]["body"] == "Nenhum setor disponível"


# -- menus: lists -------------------------------------------------------------------------------


def test_four_to_ten_options_are_one_list_section() -> None:
    for count in (4, 7, 10):
        interactive = render(out(MenuBody("Escolha", "Ver setores", options(count))))["interactive"]
        assert interactive["type"] == "list"
        assert interactive["body"] == {"text": "Escolha"}
        assert interactive["action"]["button"] == "Ver setores"
        [section] = interactive["action"]["sections"]
        assert section["title"] == "Ver setores"
        assert [r["id"] for r in section["rows"]] == [f"dept:{n}" for n in range(1, count + 1)]


def test_list_limits_clip_every_text() -> None:
    long = Option("dept:long", "Departamento de relacionamento com o cliente", "d" * 100)
    menu = MenuBody("Escolha", "Ver todos os setores da empresa", (*options(3), long))
    interactive = render(out(menu))["interactive"]
    row = interactive["action"]["sections"][0]["rows"][3]
    assert row["title"] == "Departamento de relacio" + ELLIPSIS
    assert utf16_len(row["title"]) == 24
    assert utf16_len(row["description"]) == 72 and row["description"].endswith(ELLIPSIS)
    assert utf16_len(interactive["action"]["button"]) == 20
    assert utf16_len(interactive["action"]["sections"][0]["title"]) <= 24


def test_rows_without_description_have_no_description_key() -> None:
    rows = render(out(MenuBody("Escolha", "Setores", options(4))))["interactive"]["action"]["sections"][0]["rows"]
    assert all(set(row) == {"id", "title"} for row in rows)


def test_an_empty_list_label_gets_a_default() -> None:
    assert render(out(MenuBody("Escolha", " ", options(4))))["interactive"]["action"]["button"] == "Menu"


def test_row_ids_over_200_are_refused() -> None:
    with pytest.raises(RenderError):
        render(out(MenuBody("Escolha", "Setores", (*options(3), Option("x" * 201, "Long id")))))


def test_more_than_ten_options_show_ten_rows_and_number_all_in_the_text() -> None:
    menu = MenuBody("Com qual setor você quer falar?", "Ver setores", options(13))
    interactive = render(out(menu))["interactive"]
    rows = interactive["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == [f"dept:{n}" for n in range(1, 11)]
    text = interactive["body"]["text"]
    assert text.startswith("Com qual setor você quer falar?\n\n1. Department 1\n")
    assert text.endswith("\n11. Department 11\n12. Department 12\n13. Department 13")


def test_a_huge_menu_still_fits() -> None:
    many = tuple(Option(f"o:{n}", "Opção com um nome bastante comprido " * 3) for n in range(200))
    interactive = render(out(MenuBody("Escolha", "Ver", many)))["interactive"]
    assert utf16_len(interactive["body"]["text"]) <= 4096
    assert problem_in(render(out(MenuBody("Escolha", "Ver", many)))) is None


# -- media and location -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.DOCUMENT])
def test_caption_on_image_video_document(kind: MediaKind) -> None:
    rendered = render(out(MediaBody(Media(kind, "m1"), caption="💬 Maria #K7Q2")))
    assert rendered["type"] == kind.value
    assert rendered[kind.value]["caption"] == "💬 Maria #K7Q2"


@pytest.mark.parametrize("kind", [MediaKind.AUDIO, MediaKind.STICKER])
def test_no_caption_on_audio_and_sticker(kind: MediaKind) -> None:
    rendered = render(out(MediaBody(Media(kind, "m1", caption="ignored"), caption="ignored")))
    assert rendered[kind.value] == {"id": "m1"}


def test_empty_caption_is_left_out() -> None:
    assert render(out(MediaBody(Media(MediaKind.IMAGE, "m1"))))["image"] == {"id": "m1"}


def test_long_caption_is_clipped_to_1024() -> None:
    caption = render(out(MediaBody(Media(MediaKind.IMAGE, "m1"), caption="c" * 3000)))["image"]["caption"]
    assert utf16_len(caption) == 1024


def test_filename_only_on_documents() -> None:
    doc = render(out(MediaBody(Media(MediaKind.DOCUMENT, "m1", filename="boleto.pdf"))))
    assert doc["document"] == {"id": "m1", "filename": "boleto.pdf"}
    image = render(out(MediaBody(Media(MediaKind.IMAGE, "m1", filename="foto.jpg"))))
    assert image["image"] == {"id": "m1"}


@pytest.mark.parametrize(
    ("kind", "mime", "voice", "expected"),
    [
        (MediaKind.AUDIO, "audio/ogg; codecs=opus", True, True),
        (MediaKind.AUDIO, "", True, True),
        (MediaKind.AUDIO, "audio/mpeg", True, False),
        (MediaKind.AUDIO, "audio/ogg", False, False),
        (MediaKind.VIDEO, "video/mp4", True, False),
    ],
)
def test_voice_only_for_opus_audio(kind: MediaKind, mime: str, voice: bool, expected: bool) -> None:
    rendered = render(out(MediaBody(Media(kind, "m1", mime_type=mime, voice=voice))))
    assert rendered[kind.value].get("voice", False) is expected


def test_media_by_link_and_without_id() -> None:
    assert render(out(MediaBody(Media(MediaKind.IMAGE, "https://x.test/a.jpg"))))["image"] == {
        "link": "https://x.test/a.jpg"
    }
    with pytest.raises(RenderError):
        render(out(MediaBody(Media(MediaKind.IMAGE, ""))))


def test_location_with_and_without_names() -> None:
    full = render(out(LocationBody(-23.561, -46.656, "Loja Paulista", "Av. Paulista, 1000")))
    assert full["type"] == "location"
    assert full["location"] == {
        "latitude": -23.561,
        "longitude": -46.656,
        "name": "Loja Paulista",
        "address": "Av. Paulista, 1000",
    }
    assert render(out(LocationBody(1.5, 2.5)))["location"] == {"latitude": 1.5, "longitude": 2.5}


def test_render_does_not_change_its_input() -> None:
    message = out(MenuBody("Escolha", "Setores", options(12)), reply_to=WAMID)
    before = copy.deepcopy(message)
    render(message)
    assert message == before


# -- whatever the menu, Meta's limits hold -------------------------------------------------------

_words = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=120).filter(
    lambda s: s.strip() != ""
)


@settings(max_examples=150, deadline=None)
@given(
    text=_words,
    button=st.text(max_size=40),
    titles=st.lists(st.tuples(st.text(max_size=60), st.text(max_size=120)), min_size=1, max_size=14),
)
def test_any_menu_renders_within_the_limits(text: str, button: str, titles: list[tuple[str, str]]) -> None:
    menu = MenuBody(text, button, tuple(Option(f"o:{n}", t, d) for n, (t, d) in enumerate(titles)))
    payload = render(out(menu))
    assert problem_in(payload) is None, payload
