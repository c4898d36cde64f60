"""Core `Outbound` messages as Discord messages: text or embeds, buttons, files and modals.

Buttons are sent in a stopped view: discord.py keeps no callback for them, and the client's
single dispatcher (`bots.discord_adapter.dispatch`) answers every click by its custom id, so
buttons keep working after a restart and the core re-checks each one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import discord

from bots.discord_adapter.markdown import escape, markdown_pieces, split_heading
from core.messages import Choice, FormRequest, Outbound

NO_MENTIONS = discord.AllowedMentions.none()
TEXT_LIMIT = 2000  # characters of the markdown sent
CUSTOM_ID_LIMIT = 100  # characters, prefix included
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000
MAX_EMBEDS = 10
MAX_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
BUTTON_LABEL_LIMIT = 80
MODAL_TITLE_LIMIT = 45
MODAL_LABEL_LIMIT = 45
MODAL_PLACEHOLDER_LIMIT = 100
MODAL_DESCRIPTION_LIMIT = 100
MODAL_MAX_COMPONENTS = 5
EMBED_COLOUR = discord.Colour.blurple()

# Custom ids: a core choice, a core form (modal), or a form the adapter holds for a user.
CHOICE_PREFIX = "pb:"
FORM_PREFIX = "pb:"
OPEN_FORM_PREFIX = "pbf:"


@dataclass
class Piece:
    """One Discord message's body: markdown content or embeds."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)


@dataclass
class Rendered:
    """An outbound as Discord messages; the view and the file go with the last piece."""

    pieces: list[Piece]
    view: discord.ui.View | None = None
    file: discord.File | None = None


def render(outbound: Outbound, *, open_form: FormRequest | None = None) -> Rendered:
    """The messages for ``outbound``; ``open_form`` adds a button that opens that form."""
    pieces = _as_embeds(outbound)
    if not pieces:
        pieces = [Piece(content=text) for text in markdown_pieces(outbound.text, TEXT_LIMIT)]
    if not pieces or (pieces[0].content is not None and not pieces[0].content.strip()):
        pieces = [Piece(content="\u200b")]  # Discord refuses a message with buttons only
    file = None
    if outbound.file is not None:
        attachment = outbound.file
        file = discord.File(io.BytesIO(attachment.content), filename=attachment.filename)
    return Rendered(pieces=pieces, view=build_view(outbound, open_form), file=file)


def _as_embeds(outbound: Outbound) -> list[Piece]:
    """A message whose first line is all bold reads best as an embed with that line as title."""
    heading = split_heading(outbound.text)
    if heading is None:
        return []
    title, body = heading
    title = escape(title)
    descriptions = markdown_pieces(body, EMBED_DESCRIPTION_LIMIT) if body.spans else []
    size = len(title) + sum(len(d) for d in descriptions)
    if len(title) > EMBED_TITLE_LIMIT or len(descriptions) > MAX_EMBEDS:
        return []
    if size > EMBED_TOTAL_LIMIT:
        return []
    embeds = [discord.Embed(title=title, colour=EMBED_COLOUR)]
    for index, description in enumerate(descriptions):
        if index == 0:
            embeds[0].description = description
        else:
            embeds.append(discord.Embed(description=description, colour=EMBED_COLOUR))
    return [Piece(embeds=embeds)]


def build_view(outbound: Outbound, open_form: FormRequest | None = None) -> discord.ui.View | None:
    """The outbound's choices and links as buttons, rows kept as the core laid them out."""
    rows: list[list[discord.ui.Button[Any]]] = []
    choices = list(outbound.choices)
    if open_form is not None:
        label = _open_form_label(choices, open_form)
        choices = [tuple(c for c in row if c.data != open_form.form_id) for row in choices]
        rows.append([_button(label, OPEN_FORM_PREFIX + open_form.form_id, primary=True)])
    for row in choices:
        if row:
            rows.append([_button(c.label, CHOICE_PREFIX + c.data) for c in row])
    if outbound.links:
        rows.append(
            [
                discord.ui.Button(label=link.label[:BUTTON_LABEL_LIMIT], url=link.url)
                for link in outbound.links
            ]
        )
    if not rows:
        return None
    if rows[0] and rows[0][0].style is discord.ButtonStyle.secondary:
        rows[0][0].style = discord.ButtonStyle.primary
    return _inert_view(_fit_rows(rows))


def _open_form_label(choices: list[tuple[Choice, ...]], form: FormRequest) -> str:
    """The core's own label for opening this form when it offers one, else the form's title."""
    for row in choices:
        for choice in row:
            if choice.data == form.form_id:
                return choice.label
    return form.title


def _button(label: str, custom_id: str, primary: bool = False) -> discord.ui.Button[Any]:
    style = discord.ButtonStyle.primary if primary else discord.ButtonStyle.secondary
    return discord.ui.Button(label=label[:BUTTON_LABEL_LIMIT], custom_id=custom_id, style=style)


def _fit_rows(rows: list[list[discord.ui.Button[Any]]]) -> list[list[discord.ui.Button[Any]]]:
    """Discord allows 5 rows of 5 buttons: keep the core's rows when they fit, else repack."""
    if len(rows) <= MAX_ROWS and all(len(row) <= MAX_BUTTONS_PER_ROW for row in rows):
        return rows
    buttons = [button for row in rows for button in row][: MAX_ROWS * MAX_BUTTONS_PER_ROW]
    step = MAX_BUTTONS_PER_ROW
    return [buttons[i : i + step] for i in range(0, len(buttons), step)]


def _inert_view(rows: list[list[discord.ui.Button[Any]]]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for number, row in enumerate(rows):
        for button in row:
            button.row = number
            view.add_item(button)
    view.stop()  # a stopped view is never stored: clicks reach the dispatcher only
    return view


def build_modal(form: FormRequest) -> discord.ui.Modal:
    """The core's form as a modal: values kept, and its error shown above the fields."""
    modal = discord.ui.Modal(
        title=form.title[:MODAL_TITLE_LIMIT], custom_id=FORM_PREFIX + form.form_id
    )
    error = form.error
    fields = form.fields[:MODAL_MAX_COMPONENTS]
    if error and len(fields) < MODAL_MAX_COMPONENTS:
        modal.add_item(discord.ui.TextDisplay(f"⚠️ {escape(error)}"))
        error = None
    for index, item in enumerate(fields):
        text_input: discord.ui.TextInput[discord.ui.Modal] = discord.ui.TextInput(
            custom_id=item.key,
            placeholder=item.placeholder[:MODAL_PLACEHOLDER_LIMIT] or None,
            default=item.value[: item.max_length] or None,
            max_length=item.max_length,
            required=True,  # every field the core asks for in a form is needed to sign
        )
        description = error[:MODAL_DESCRIPTION_LIMIT] if error and index == 0 else None
        label = item.label[:MODAL_LABEL_LIMIT]
        modal.add_item(discord.ui.Label(text=label, description=description, component=text_input))
    modal.stop()  # answered by the dispatcher by custom id, even after a restart
    return modal


def message_kwargs(piece: Piece, rendered: Rendered, last: bool) -> dict[str, Any]:
    """Keyword arguments for ``send``-style calls for one piece."""
    kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS, **_body(piece)}
    if last and rendered.view is not None:
        kwargs["view"] = rendered.view
    if last and rendered.file is not None:
        kwargs["file"] = rendered.file
    return kwargs


def edit_kwargs(piece: Piece, rendered: Rendered, last: bool) -> dict[str, Any]:
    """Keyword arguments for edits: the whole message is replaced, buttons included."""
    kwargs: dict[str, Any] = {
        "allowed_mentions": NO_MENTIONS,
        "content": piece.content,
        "embeds": piece.embeds,
        "view": rendered.view if last else None,
    }
    if last and rendered.file is not None:
        kwargs["attachments"] = [rendered.file]
    return kwargs


def _body(piece: Piece) -> dict[str, Any]:
    if piece.embeds:
        return {"embeds": piece.embeds}
    return {"content": piece.content}
