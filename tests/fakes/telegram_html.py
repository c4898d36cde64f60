"""Validator for Telegram's ``parse_mode="HTML"`` dialect, used by the fake Bot API server.

It follows the parser in TDLib (``td/telegram/MessageEntity.cpp``, ``parse_html``), including its
error messages and UTF-8 byte offsets, so a bot that passes here is very likely to pass against
the real API.  One deliberate difference: with ``strict_entities=True`` (the default) a bare ``&``
or an unknown ``&name;`` is an error, whereas real Telegram silently keeps it as literal text.
Being strict catches user input that was interpolated into HTML without ``html.escape``.
"""

from __future__ import annotations

import re

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
        "span", "tg-spoiler", "code", "pre", "blockquote", "tg-emoji",
    }
)  # fmt: skip
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+)(;?)")


class HtmlParseError(ValueError):
    """Invalid Telegram HTML; ``str(err)`` is what follows "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int, strict: bool) -> tuple[str, int]:
    """Decode the entity starting at ``text[i] == "&"``; return (character(s), next index)."""
    m = _ENTITY_RE.match(text, i)
    if m:
        body, semicolon = m.groups()
        if body.startswith("#"):
            code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
            valid = 0 < code < 0x10FFFF and not 0xD800 <= code <= 0xDFFF
            char = chr(code) if valid else None
        else:
            char = NAMED_ENTITIES.get(body)
        if char is not None and (semicolon or not strict):
            return char, m.end()
    if strict:
        shown = m.group(0) if m else "&"
        raise HtmlParseError(
            f'Unsupported HTML entity "{shown}" at byte offset {_byte_offset(text, i)}; '
            "escape '&' as &amp;"
        )
    return "&", i + 1


def _skip_spaces(text: str, j: int) -> int:
    while j < len(text) and text[j].isspace():
        j += 1
    return j


def _parse_open_tag(text: str, i: int, stack: list[str], strict: bool) -> int:
    """Parse ``<name attr=...>`` at ``text[i]``; push the tag; return the index after ``>``."""
    n, begin = len(text), _byte_offset(text, i)
    unclosed = HtmlParseError(f"Unclosed start tag at byte offset {begin}")
    j = i + 1
    while j < n and not text[j].isspace() and text[j] != ">":
        j += 1
    if j >= n:
        raise unclosed
    name = text[i + 1 : j].lower()
    if name not in ALLOWED_TAGS:
        raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {begin}')
    attrs: dict[str, str] = {}
    while True:
        j = _skip_spaces(text, j)
        if j >= n:
            raise unclosed
        if text[j] == ">":
            break
        k = j
        while j < n and not text[j].isspace() and text[j] not in "=>":
            j += 1
        attr = text[k:j].lower()
        if not attr:
            raise HtmlParseError(f'Empty attribute name in the tag "{name}" at byte offset {begin}')
        j = _skip_spaces(text, j)
        if j < n and text[j] != "=":
            if name == "blockquote" and attr == "expandable":
                attrs[attr] = ""
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                f"at byte offset {begin}"
            )
        j = _skip_spaces(text, j + 1)
        if j >= n:
            raise unclosed
        if text[j] in "\"'":  # quoted string literal, entities decoded
            quote, value = text[j], []
            j += 1
            while j < n and text[j] != quote:
                if text[j] == "&":
                    char, j = _decode_entity(text, j, strict)
                    value.append(char)
                else:
                    value.append(text[j])
                    j += 1
            if j >= n:
                raise unclosed
            attrs[attr] = "".join(value)
            j += 1
        else:  # unquoted name token
            k = j
            while j < n and (text[j].isalnum() or text[j] in ".-"):
                j += 1
            if j < n and not text[j].isspace() and text[j] != ">":
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(text, j)}"
                )
            attrs[attr] = text[k:j].lower()
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    stack.append(name)
    return j + 1


def _parse_close_tag(text: str, i: int, stack: list[str]) -> int:
    """Parse ``</name>`` at ``text[i]``; pop the matching tag; return the index after ``>``."""
    n, begin = len(text), _byte_offset(text, i)
    if not stack:
        raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
    j = i + 2
    while j < n and not text[j].isspace() and text[j] != ">":
        j += 1
    end_name = text[i + 2 : j].lower()
    j = _skip_spaces(text, j)
    if j >= n or text[j] != ">":
        raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
    if end_name and end_name != stack[-1]:
        raise HtmlParseError(
            f'Unmatched end tag at byte offset {begin}, expected "</{stack[-1]}>", '
            f'found "</{end_name}>"'
        )
    stack.pop()
    return j + 1


def parse_html(text: str, *, strict_entities: bool = True) -> str:
    """Validate Telegram HTML and return the plain text (tags removed, entities decoded).

    Raises :class:`HtmlParseError` with a TDLib-style message on invalid input.
    """
    out: list[str] = []
    stack: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "&":
            char, i = _decode_entity(text, i, strict_entities)
            out.append(char)
        elif c != "<":
            out.append(c)
            i += 1
        elif text.startswith("</", i):
            i = _parse_close_tag(text, i, stack)
        else:
            i = _parse_open_tag(text, i, stack, strict_entities)
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)
