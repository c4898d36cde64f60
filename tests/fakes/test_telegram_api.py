"""Runs a real python-telegram-bot Application against FakeTelegramServer."""

from __future__ import annotations

import datetime as dtm
import socket
import struct

import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from .telegram_api import FakeTelegramServer
from .telegram_html import HtmlParseError, parse_html

TOKEN = "123456:TEST-TOKEN"
ALICE_ID = 1001

pytestmark = [pytest.mark.timeout(20)]


# ---- a minimal echo bot ------------------------------------------------------------------------


async def _record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("seen", []).append(update.update_id)


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sign", callback_data="sign")]])
    await update.effective_message.reply_text("Welcome! Sign the petition?", reply_markup=keyboard)


async def _button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer("Signed!")
    await update.callback_query.edit_message_text("Thanks, <b>signed</b>", parse_mode="HTML")


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


def _build(tg: FakeTelegramServer) -> Application:
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )
    app.add_handler(TypeHandler(Update, _record), group=-1)
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_button))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    return app


@pytest_asyncio.fixture
async def tg():
    async with FakeTelegramServer(token=TOKEN) as server:
        yield server


@pytest_asyncio.fixture
async def app(tg):
    application = _build(tg)
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=1, drop_pending_updates=False)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


@pytest.fixture
def alice(tg):
    return tg.user(ALICE_ID, "Alice", username="alice")


# ---- polling mode ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_echo_reply(tg, app, alice):
    tg.send_text(alice, "hello & <world>")
    reply = await tg.wait_for_message(ALICE_ID)
    assert reply.plain == reply.text == "hello & <world>"
    assert reply.kind == "message" and reply.parse_mode is None
    assert [c.method for c in tg.requests][:2] == ["getMe", "deleteWebhook"]


@pytest.mark.asyncio
async def test_start_command_replies_with_inline_keyboard(tg, app, alice):
    tg.send_text(alice, "/start")
    reply = await tg.wait_for_message(ALICE_ID)
    assert reply.plain == "Welcome! Sign the petition?"
    assert reply.buttons == [("Sign", "sign")]

    group = {"id": -500, "type": "group", "title": "Campaigners"}
    tg.send_text(alice, "/start@petition_test_bot now", chat=group)
    in_group = await tg.wait_for_message(-500)
    assert in_group.buttons == [("Sign", "sign")]


@pytest.mark.asyncio
async def test_button_press_is_answered_and_message_edited(tg, app, alice):
    tg.send_text(alice, "/start")
    prompt = await tg.wait_for_message(ALICE_ID)
    tg.press_button(alice, prompt, "sign")
    await tg.wait_until(lambda: tg.callback_answers and prompt.history)
    assert tg.callback_answers[0]["text"] == "Signed!"
    assert prompt.plain == "Thanks, signed" and prompt.text == "Thanks, <b>signed</b>"
    assert prompt.history == ["Welcome! Sign the petition?"]
    assert prompt.reply_markup is None  # editMessageText without markup drops the keyboard
    with pytest.raises(ValueError, match="no button"):
        tg.press_button(alice, prompt, "sign")


@pytest.mark.asyncio
async def test_edited_message_reaches_the_bot(tg, app, alice):
    sent = tg.send_text(alice, "first")
    await tg.wait_for_message(ALICE_ID)
    tg.edit_text(alice, sent["message"]["message_id"], "second")
    assert (await tg.wait_for_message(ALICE_ID)).plain == "second"


@pytest.mark.asyncio
async def test_redelivered_update_is_processed_twice(tg, app, alice):
    update = tg.send_text(alice, "only once please")
    await tg.wait_for_message(ALICE_ID)
    tg.redeliver(update["update_id"])
    await tg.wait_for_message(ALICE_ID)
    assert app.bot_data["seen"].count(update["update_id"]) == 2
    assert [m.plain for m in tg.messages(ALICE_ID)] == ["only once please"] * 2


# ---- validation and faults (direct bot calls) ----------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "text", ["<b>unclosed", "a < b", "AT&T", "<b><i>x</b></i>", "<div>x</div>", "&nbsp;"]
)
async def test_invalid_html_is_rejected(tg, app, text):
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await app.bot.send_message(ALICE_ID, text, parse_mode="HTML")
    assert tg.messages(ALICE_ID) == []


@pytest.mark.asyncio
async def test_text_limits_and_button_data(tg, app):
    ok = await app.bot.send_message(ALICE_ID, "&lt;" * 4096, parse_mode="HTML")
    assert ok.text == "<" * 4096
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await app.bot.send_message(ALICE_ID, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await app.bot.send_message(ALICE_ID, "<b> </b>", parse_mode="HTML")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await app.bot.send_message(ALICE_ID, "hi", reply_markup=markup)


@pytest.mark.asyncio
async def test_retry_after_is_surfaced(tg, app, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # else PTB warns when reading retry_after
    tg.fail_next("sendMessage", chat_id=ALICE_ID, kind="retry_after", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(ALICE_ID, "hi")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    await app.bot.send_message(ALICE_ID, "hi again")  # the fault applied once
    first, second = tg.calls("sendMessage")
    assert first.at <= second.at and second.params["text"] == "hi again"


@pytest.mark.asyncio
async def test_blocked_and_other_faults(tg, app):
    tg.block_user(ALICE_ID)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await app.bot.send_message(ALICE_ID, "hi")
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await app.bot.send_chat_action(ALICE_ID, "typing")
    await app.bot.send_message(2002, "someone else is fine")
    tg.fail_next("sendMessage", kind="deactivated")
    with pytest.raises(Forbidden, match=r"(?i)user is deactivated"):
        await app.bot.send_message(2002, "hi")
    tg.fail_next("*", kind="chat_not_found", times=2)
    for _ in range(2):
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await app.bot.send_message(2002, "hi")
    tg.fail_next("sendMessage", kind="server_error")
    with pytest.raises(NetworkError):
        await app.bot.send_message(2002, "hi")


@pytest.mark.asyncio
async def test_document_and_photo_uploads_are_captured(tg, app):
    csv = b"name,email\nAlice,a@example.org\n"
    await app.bot.send_document(
        ALICE_ID, csv, filename="signatures.csv", caption="<b>Export</b>", parse_mode="HTML"
    )
    (doc,) = tg.messages(ALICE_ID)
    assert doc.kind == "document" and doc.plain == "Export"
    assert doc.file.data == csv and doc.file.filename == "signatures.csv"
    downloaded = await (await app.bot.get_file(doc.file.file_id)).download_as_bytearray()
    assert bytes(downloaded) == csv

    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", 40, 30) + b"\x08\x02\0\0\0"
    sent = await app.bot.send_photo(ALICE_ID, png, filename="chart.png")
    assert tg.messages(ALICE_ID)[-1].file.data == png
    assert (sent.photo[0].width, sent.photo[0].height) == (40, 30)


@pytest.mark.asyncio
async def test_commands_are_recorded_per_scope(tg, app):
    await app.bot.set_my_commands([("start", "Start")])
    await app.bot.set_my_commands([("sign", "Sign")], scope=BotCommandScopeAllPrivateChats())
    assert [c["command"] for c in tg.commands["default"]] == ["start"]
    assert [c.command for c in await app.bot.get_my_commands()] == ["start"]
    assert tg.commands["all_private_chats"] == [{"command": "sign", "description": "Sign"}]
    await app.bot.delete_my_commands()
    assert "default" not in tg.commands


@pytest.mark.asyncio
async def test_wrong_token_and_unknown_method(tg):
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        async with Bot("999:WRONG", base_url=tg.base_url):  # shuts down on failure
            pass
    app = _build(tg)
    async with app:
        with pytest.raises(EndPointNotFound):  # PTB's wrapper for a 404
            await app.bot.do_api_request("noSuchMethod")


def test_html_parser_plain_text_and_messages():
    text = '<a href="https://x.org/?a=1&amp;b=2">l</a> <tg-spoiler>s</tg-spoiler> &#x41;&#66;'
    assert parse_html(text) == "l s AB"
    assert parse_html('<span class="tg-spoiler">s</span><blockquote expandable>q</blockquote>')
    assert parse_html('<pre><code class="language-py">1 &gt; 0</code></pre>') == "1 > 0"
    with pytest.raises(HtmlParseError, match='Unsupported start tag "" at byte offset 5'):
        parse_html("é a < b")
    with pytest.raises(HtmlParseError, match=r'expected "</i>", found "</b>"'):
        parse_html("<b><i>x</b>")
    assert parse_html("AT&T", strict_entities=False) == "AT&T"  # what real Telegram does


# ---- webhook mode ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_webhook_delivery_with_secret_token(tg, alice):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = _build(tg)
    await app.initialize()
    await app.start()
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token="s3cret",
    )
    try:
        assert tg.webhook["url"].endswith("/hook") and tg.webhook["secret_token"] == "s3cret"
        update = {"message": tg.send_text(alice, "via webhook")["message"], "update_id": 9000}
        assert await tg.post_webhook(None, update, secret_token="wrong") == 403
        assert await tg.post_webhook(None, update, secret_token="s3cret") == 200
        assert (await tg.wait_for_message(ALICE_ID)).plain == "via webhook"
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
