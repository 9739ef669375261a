"""Meta's documented limits on a message body, as `problem_in` checks them.

Kept apart from the server so render tests can ask "would Meta refuse this?" without a socket;
a strict stand-in refuses what `problem_in` finds, with the code Meta would use.
"""

from __future__ import annotations

import re
from typing import Any

_MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
_MESSAGE_TYPES = (*_MEDIA_TYPES, "text", "interactive", "reaction", "location", "template", "contacts")


def _length(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def problem_in(payload: dict[str, Any]) -> tuple[int, str] | None:
    """What Meta would refuse in this body, as (code, details); None when it is well formed."""
    if payload.get("messaging_product") != "whatsapp":
        return 100, "messaging_product must be 'whatsapp'"
    if payload.get("status") == "read":
        if not payload.get("message_id"):
            return 131008, "message_id is required"
        return None
    to = payload.get("to")
    if not isinstance(to, str) or not to:
        return 131008, "to is required"
    if payload.get("recipient_type", "individual") != "individual":
        return 100, "recipient_type must be 'individual'"
    kind = payload.get("type", "text")
    if kind not in _MESSAGE_TYPES:
        return 131009, f"unknown message type {kind!r}"
    obj = payload.get(kind)
    if not isinstance(obj, dict):
        return 131008, f"the {kind} object is required"
    if "context" in payload:
        context = payload["context"]
        if kind == "reaction":
            return 131009, "a reaction cannot carry a context"
        if not isinstance(context, dict) or not context.get("message_id"):
            return 131008, "context.message_id is required"
    if kind == "text":
        return _text_problem(obj.get("body"), "text.body", 4096)
    if kind in _MEDIA_TYPES:
        return _media_problem(kind, obj)
    if kind == "interactive":
        return _interactive_problem(obj)
    if kind == "reaction" and (not obj.get("message_id") or not isinstance(obj.get("emoji"), str)):
        return 131008, "reaction needs message_id and emoji"
    if kind == "location":
        for key in ("latitude", "longitude"):
            if isinstance(obj.get(key), bool) or not isinstance(obj.get(key), int | float):
                return 131008, f"location.{key} is required"
    if kind == "template":
        return _template_problem(obj)
    return None


_TEMPLATE_COMPONENTS = ("header", "body", "button")
_CRAMPED = re.compile(r"[\n\t]| {5}")


def _template_problem(obj: dict[str, Any]) -> tuple[int, str] | None:
    """A template send: a name, `language.code`, and components whose parameters Meta can fill in.

    Meta refuses a text parameter that is empty, or that holds a line break, a tab or more than
    four spaces in a row (its body keeps the line breaks it was approved with).
    """
    language = obj.get("language")
    if not obj.get("name") or not isinstance(language, dict) or not language.get("code"):
        return 131008, "template needs a name and language.code"
    components = obj.get("components", [])
    if not isinstance(components, list):
        return 100, "template.components must be a list"
    for component in components:
        if not isinstance(component, dict) or component.get("type") not in _TEMPLATE_COMPONENTS:
            return 100, f"a template component's type is one of {', '.join(_TEMPLATE_COMPONENTS)}"
        parameters = component.get("parameters")
        if not isinstance(parameters, list) or not all(isinstance(p, dict) for p in parameters):
            return 131008, f"the {component['type']} component needs a list of parameters"
        if component["type"] == "button" and (
            component.get("sub_type") not in ("quick_reply", "url") or not str(component.get("index", "")).isdigit()
        ):
            return 131008, "a button component needs sub_type and index"
        for parameter in parameters:
            if parameter.get("type") == "text":
                text = parameter.get("text")
                if not isinstance(text, str) or not text:
                    return 131008, "Parameter of type text is missing text value"
                if _CRAMPED.search(text):
                    return 100, "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
            elif parameter.get("type") == "payload" and not parameter.get("payload"):
                return 131008, "Parameter of type payload is missing payload value"
    return None


def _text_problem(value: Any, where: str, limit: int, *, required: bool = True) -> tuple[int, str] | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        return 131008, f"{where} is required"
    if _length(value) > limit:
        return 131009, f"{where} is longer than {limit} characters"
    return None


def _media_problem(kind: str, obj: dict[str, Any]) -> tuple[int, str] | None:
    if ("id" in obj) == ("link" in obj):
        return 131009, f"{kind} takes exactly one of id or link"
    if "caption" in obj:
        if kind not in ("image", "video", "document"):
            return 131009, f"{kind} cannot have a caption"
        return _text_problem(obj["caption"], f"{kind}.caption", 1024)
    if "filename" in obj and kind != "document":
        return 131009, "only a document has a filename"
    if "voice" in obj and kind != "audio":
        return 131009, "only audio can be a voice note"
    return None


def _interactive_problem(obj: dict[str, Any]) -> tuple[int, str] | None:
    kind = obj.get("type")
    action = obj.get("action")
    if not isinstance(action, dict):
        return 131008, "interactive.action is required"
    body = obj.get("body")
    if kind == "button":
        if problem := _text_problem(body.get("text") if isinstance(body, dict) else None, "body.text", 1024):
            return problem
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return 131009, "interactive buttons: 1 to 3 buttons"
        replies = [b.get("reply") if isinstance(b, dict) else None for b in buttons]
        if not all(isinstance(r, dict) for r in replies):
            return 131008, "every button needs a reply"
        ids = [r.get("id") for r in replies if isinstance(r, dict)]
        titles = [r.get("title") for r in replies if isinstance(r, dict)]
        if len(set(ids)) != len(ids) or len(set(titles)) != len(titles):
            return 131009, "button ids and titles must be unique"
        for button_id, title in zip(ids, titles, strict=True):
            if problem := _text_problem(button_id, "button id", 256) or _text_problem(title, "button title", 20):
                return problem
        return None
    if kind == "list":
        if problem := _text_problem(body.get("text") if isinstance(body, dict) else None, "body.text", 4096):
            return problem
        if problem := _text_problem(action.get("button"), "action.button", 20):
            return problem
        sections = action.get("sections")
        if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
            return 131009, "a list has 1 to 10 sections"
        rows: list[Any] = []
        for section in sections:
            if not isinstance(section, dict) or not isinstance(section.get("rows"), list):
                return 131008, "every section needs rows"
            titled = len(sections) > 1 or "title" in section
            if titled and (problem := _text_problem(section.get("title"), "section title", 24)):
                return problem
            rows.extend(section["rows"])
        if not 1 <= len(rows) <= 10:
            return 131009, "a list has 1 to 10 rows in total"
        ids = [row.get("id") if isinstance(row, dict) else None for row in rows]
        if len(set(ids)) != len(ids):
            return 131009, "row ids must be unique"
        for row in rows:
            problem = (
                _text_problem(row.get("id"), "row id", 200)
                or _text_problem(row.get("title"), "row title", 24)
                or _text_problem(row.get("description"), "row description", 72, required=False)
            )
            if problem:
                return problem
        return None
    return 131009, f"unsupported interactive type {kind!r}"
