"""A local fake of the Telegram Bot API for end-to-end tests.

The real python-telegram-bot ``Application`` runs against it unchanged::

    async with FakeTelegramServer(token=TOKEN) as tg:
        app = (ApplicationBuilder().token(TOKEN).base_url(tg.base_url)
               .base_file_url(tg.base_file_url).build())
        ...  # initialize/start the app and start polling
        alice = tg.user(1, "Alice")
        tg.send_text(alice, "/start")
        reply = await tg.wait_for_message(alice["id"])

Sections: records -> lifecycle -> HTTP plumbing -> Bot API methods -> test-side API.
Everything runs on the test's event loop; the test-side API is plain (sync) methods except the
``wait_*``/``post_webhook`` coroutines.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import aiohttp
from aiohttp import web

from .telegram_html import HtmlParseError, parse_html, utf16_len

# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass
class UploadedFile:
    """A file the bot uploaded (multipart) or re-sent by ``file_id``."""

    filename: str | None
    content_type: str | None
    data: bytes
    file_id: str = ""


@dataclass
class SentMessage:
    """A message the bot sent. ``text`` is the raw text (caption for documents/photos)."""

    chat_id: int
    message_id: int
    text: str
    plain: str  # ``text`` with HTML tags stripped and entities decoded
    parse_mode: str | None
    reply_markup: dict | None
    kind: str = "message"  # "message" | "document" | "photo"
    file: UploadedFile | None = None
    history: list[str] = field(default_factory=list)  # earlier raw texts, oldest first
    date: int = field(default_factory=lambda: int(time.time()))
    edit_date: int | None = None

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """Inline keyboard buttons as ``(text, callback_data)``, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b.get("text", ""), b.get("callback_data")) for row in rows for b in row]


class ApiCall(NamedTuple):
    """One request the bot made, in arrival order (``at`` is ``time.monotonic()``)."""

    method: str
    params: dict
    at: float


@dataclass
class _Fault:
    method: str  # lower-case Bot API method name or "*"
    chat_id: int | None  # None: any chat
    kind: str  # key of FAULTS
    retry_after: int
    times: int  # how many more calls fail


class ApiError(Exception):
    """Raised by a method handler; becomes a ``{"ok": false, ...}`` response."""

    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


FAULTS = {
    "retry_after": (429, "Too Many Requests: retry after {retry_after}"),
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "deactivated": (403, "Forbidden: user is deactivated"),
    "chat_not_found": (400, "Bad Request: chat not found"),
    "server_error": (500, "Internal Server Error"),
    "bad_gateway": (502, "Bad Gateway"),
}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of a message"
)
_SEND_PREFIXES = ("send", "edit", "copy", "forward")  # methods affected by block_user()
# Form fields that must stay strings even when they look like JSON ("123", "true").
_STRING_PARAMS = {"text", "caption", "parse_mode", "callback_query_id", "url", "secret_token",
                  "language_code", "action", "inline_message_id", "file_id", "document",
                  "photo"}  # fmt: skip
_GIFT_TYPES = "unlimited_gifts limited_gifts unique_gifts premium_subscription gifts_from_channels"
_API_PATH = re.compile(r"^/bot([^/]+)/([A-Za-z]+)$")
_FILE_PATH = re.compile(r"^/file/bot([^/]+)/(.+)$")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,})?(?=\s|$)")
_HANDLERS: dict[str, tuple[str, Callable]] = {}


def api(*names: str) -> Callable:
    """Register a coroutine method as the handler of the given Bot API method names."""

    def register(fn: Callable) -> Callable:
        for name in names:
            _HANDLERS[name.lower()] = (name, fn)  # Telegram method names are case-insensitive
        return fn

    return register


def _error(code: int, description: str, parameters: dict | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


def _coerce(name: str, value: str) -> Any:
    """Form fields arrive as strings; PTB JSON-encodes every non-string value."""
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _read_params(request: web.Request) -> dict:
    params = {k: _coerce(k, v) for k, v in request.query.items()}
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        params.update(await request.json())
    else:  # application/x-www-form-urlencoded or multipart/form-data
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                params[key] = UploadedFile(value.filename, value.content_type, value.file.read())
            else:
                params[key] = _coerce(key, value)
    return params


# --------------------------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------------------------


class FakeTelegramServer:
    """Fake Bot API on 127.0.0.1 (random port). See the module docstring for usage."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        username: str = "petition_test_bot",
        first_name: str = "Petition Test Bot",
        bot_id: int | None = None,
        strict_html_entities: bool = True,
    ):
        self.token = token
        head = token.split(":", 1)[0]
        self.bot_user = {
            "id": bot_id or (int(head) if head.isdigit() else 123456),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.strict_html_entities = strict_html_entities
        self.requests: list[ApiCall] = []
        self.callback_answers: list[dict] = []
        self.commands: dict[str, list[dict]] = {}  # scope key (see _scope_key) -> commands
        self.webhook: dict | None = None  # params of the last setWebhook
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._wakeup = asyncio.Event()  # replaced and set on every state change
        self._pending: list[dict] = []  # unconfirmed updates
        self._redeliveries: list[dict] = []  # returned once, regardless of offset
        self._history: dict[int, dict] = {}  # every update ever enqueued, by update_id
        self._next_update_id = 1
        self._poll_generation = 0
        self._message_ids: dict[int, int] = defaultdict(int)  # per-chat message_id counter
        self._sent: dict[int, list[SentMessage]] = defaultdict(list)
        self._user_messages: dict[tuple[int, int], dict] = {}
        self._chats: dict[int, dict] = {}
        self._open_queries: set[str] = set()
        self._query_counter = 0
        self._files: dict[str, UploadedFile] = {}
        self._faults: list[_Fault] = []
        self._blocked: set[int] = set()
        self._cursor: dict[int, int] = defaultdict(int)  # wait_for_message position per chat
        # Webhook delivery to several workers, as behind a load balancer (see `balance`).
        self._workers: list[str] = []
        self._worker_secret: str | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        self.webhook_log: list[tuple[str, int]] = []  # (worker url, update_id) accepted
        self._turn = 0

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeTelegramServer:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=0.5, handler_cancellation=True
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._closing = True  # long polls return immediately
        self._notify()
        for task in list(self._deliveries):
            task.cancel()
        await asyncio.gather(*self._deliveries, return_exceptions=True)
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder.base_url``: PTB appends the token (``.../bot<TOKEN>``)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---- HTTP plumbing -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if m := _FILE_PATH.match(request.path):
            file = self._files.get(m[2].rsplit("/", 1)[-1])
            if m[1] != self.token or file is None:
                return _error(404, "Not Found")
            return web.Response(body=file.data, content_type="application/octet-stream")
        m = _API_PATH.match(request.path)
        if not m:
            return _error(404, "Not Found")
        if m[1] != self.token:
            return _error(401, "Unauthorized")
        name, handler = _HANDLERS.get(m[2].lower(), (m[2], None))
        params = await _read_params(request)
        self.requests.append(ApiCall(name, params, time.monotonic()))
        try:
            if handler is None:
                raise ApiError(404, "Not Found")
            self._apply_faults(name, params)
            result = await handler(self, params)
        except ApiError as err:
            return _error(err.code, err.description, err.parameters)
        finally:
            self._notify()
        return web.json_response({"ok": True, "result": result})

    def _notify(self) -> None:
        event, self._wakeup = self._wakeup, asyncio.Event()
        event.set()

    async def _wait_change(self, deadline: float) -> bool:
        """Sleep until the next state change; False once ``deadline`` (loop time) passes."""
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return False
        try:
            await asyncio.wait_for(self._wakeup.wait(), remaining)
        except TimeoutError:
            return False
        return True

    def _apply_faults(self, method: str, params: dict) -> None:
        chat_id = params.get("chat_id")
        chat_id = int(chat_id) if str(chat_id).lstrip("-").isdigit() else chat_id
        if chat_id in self._blocked and method.lower().startswith(_SEND_PREFIXES):
            raise ApiError(*FAULTS["blocked"])
        for fault in self._faults:
            if fault.method in ("*", method.lower()) and fault.chat_id in (None, chat_id):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                code, text = FAULTS[fault.kind]
                retry = {"retry_after": fault.retry_after} if fault.kind == "retry_after" else None
                raise ApiError(code, text.format(retry_after=fault.retry_after), retry)

    # ---- helpers for the Bot API methods ------------------------------------------------------

    def _chat_id(self, params: dict) -> int:
        value = params.get("chat_id")
        if value in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(value, str):  # "@username"
            for chat in self._chats.values():
                if "@" + chat.get("username", "") == value:
                    return chat["id"]
            raise ApiError(*FAULTS["chat_not_found"])
        return int(value)

    def _chat(self, chat_id: int) -> dict:
        return self._chats.get(chat_id) or {
            "id": chat_id,
            "type": "private" if chat_id > 0 else "group",
        }

    def _parse_text(self, text: str, parse_mode: str | None, *, caption: bool = False) -> str:
        """Validate like Telegram; return the plain text."""
        plain = text
        if (parse_mode or "").lower() == "html":
            try:
                plain = parse_html(text, strict_entities=self.strict_html_entities)
            except HtmlParseError as err:
                raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
        if not caption and not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > (1024 if caption else 4096):
            what = "message caption" if caption else "message"
            raise ApiError(400, f"Bad Request: {what} is too long")
        return plain

    @staticmethod
    def _check_markup(markup: Any) -> dict | None:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup or None

    def _store(
        self,
        chat_id: int,
        kind: str,
        text: str,
        plain: str,
        params: dict,
        file: UploadedFile | None = None,
    ) -> dict:
        """Record a message the bot sent; return the Message JSON."""
        markup = self._check_markup(params.get("reply_markup"))
        self._message_ids[chat_id] += 1
        msg = SentMessage(
            chat_id,
            self._message_ids[chat_id],
            text,
            plain,
            params.get("parse_mode"),
            markup,
            kind,
            file,
        )
        self._sent[chat_id].append(msg)
        return self._message_json(msg)

    def _message_json(self, msg: SentMessage) -> dict:
        """The Message object Telegram would return for ``msg`` (plain text, no entities)."""
        out: dict[str, Any] = {
            "message_id": msg.message_id,
            "date": msg.date,
            "chat": self._chat(msg.chat_id),
            "from": self.bot_user,
        }
        if msg.kind == "message":
            out["text"] = msg.plain
        elif msg.plain:
            out["caption"] = msg.plain
        if msg.file and msg.kind == "document":
            out["document"] = {
                "file_id": msg.file.file_id,
                "file_unique_id": msg.file.file_id,
                "file_name": msg.file.filename,
                "file_size": len(msg.file.data),
                "mime_type": msg.file.content_type,
            }
        elif msg.file:
            data = msg.file.data
            w, h = (1, 1)
            if data.startswith(b"\x89PNG"):  # width/height from the IHDR chunk
                w, h = int.from_bytes(data[16:20]), int.from_bytes(data[20:24])
            out["photo"] = [
                {
                    "file_id": msg.file.file_id,
                    "file_unique_id": msg.file.file_id,
                    "width": w,
                    "height": h,
                    "file_size": len(data),
                }
            ]
        if msg.reply_markup and "inline_keyboard" in msg.reply_markup:
            out["reply_markup"] = msg.reply_markup
        if msg.edit_date:
            out["edit_date"] = msg.edit_date
        return out

    def _find_message(self, params: dict) -> SentMessage:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: inline messages are not supported by the fake")
        chat_id, message_id = self._chat_id(params), int(params.get("message_id") or 0)
        for msg in self._sent.get(chat_id, []):
            if msg.message_id == message_id:
                return msg
        raise ApiError(400, "Bad Request: message to edit not found")

    @staticmethod
    def _scope_key(params: dict) -> str:
        """Key of ``commands``: scope type [+ ":<chat_id>"] [+ ":<user_id>"] [+ "@<lang>"]."""
        scope = params.get("scope") or {"type": "default"}
        key = ":".join(
            [scope["type"]] + [str(scope[k]) for k in ("chat_id", "user_id") if k in scope]
        )
        return key + (f"@{params['language_code']}" if params.get("language_code") else "")

    # ---- Bot API methods ----------------------------------------------------------------------

    @api("getMe")
    async def _get_me(self, p: dict) -> dict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    @api("getUpdates")
    async def _get_updates(self, p: dict) -> list[dict]:
        """Long polling: confirm updates below ``offset``, wait up to ``timeout`` seconds."""
        if self.webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset, limit = int(p.get("offset") or 0), min(max(int(p.get("limit") or 100), 1), 100)
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        deadline = asyncio.get_running_loop().time() + float(p.get("timeout") or 0)
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = sorted(self._redeliveries + self._pending, key=lambda u: u["update_id"])
            batch = batch[:limit]
            if batch or self._closing or not await self._wait_change(deadline):
                break
        self._redeliveries = [u for u in self._redeliveries if all(u is not b for b in batch)]
        return batch

    @api("setWebhook")
    async def _set_webhook(self, p: dict) -> bool:
        self.webhook = dict(p) if p.get("url") else None
        if p.get("drop_pending_updates"):
            self._pending.clear()
        return True

    @api("deleteWebhook")
    async def _delete_webhook(self, p: dict) -> bool:
        self.webhook = None
        if p.get("drop_pending_updates"):
            self._pending.clear()
        return True

    @api("getWebhookInfo")
    async def _get_webhook_info(self, p: dict) -> dict:
        url = (self.webhook or {}).get("url", "")
        return {
            "url": url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    @api("sendMessage")
    async def _send_message(self, p: dict) -> dict:
        chat_id, text = self._chat_id(p), str(p.get("text") or "")
        return self._store(chat_id, "message", text, self._parse_text(text, p.get("parse_mode")), p)

    async def _send_media(self, p: dict, kind: str) -> dict:
        chat_id, value = self._chat_id(p), p.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            value = p.get(value.removeprefix("attach://"))
        if isinstance(value, UploadedFile):
            value.file_id = f"{kind}-{len(self._files) + 1}"
            self._files[value.file_id] = value
        elif isinstance(value, str) and value in self._files:
            value = self._files[value]
        else:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        caption = str(p.get("caption") or "")
        plain = self._parse_text(caption, p.get("parse_mode"), caption=True)
        return self._store(chat_id, kind, caption, plain, p, file=value)

    @api("sendDocument")
    async def _send_document(self, p: dict) -> dict:
        return await self._send_media(p, "document")

    @api("sendPhoto")
    async def _send_photo(self, p: dict) -> dict:
        return await self._send_media(p, "photo")

    @api("editMessageText")
    async def _edit_message_text(self, p: dict) -> dict:
        msg, text = self._find_message(p), str(p.get("text") or "")
        if msg.kind != "message":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        plain = self._parse_text(text, p.get("parse_mode"))
        markup = self._check_markup(p.get("reply_markup"))  # omitted markup removes the keyboard
        if text == msg.text and markup == msg.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        msg.history.append(msg.text)
        msg.text, msg.plain, msg.parse_mode = text, plain, p.get("parse_mode")
        msg.reply_markup, msg.edit_date = markup, int(time.time())
        return self._message_json(msg)

    @api("editMessageReplyMarkup")
    async def _edit_message_reply_markup(self, p: dict) -> dict:
        msg, markup = self._find_message(p), self._check_markup(p.get("reply_markup"))
        if markup == msg.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        msg.reply_markup, msg.edit_date = markup, int(time.time())
        return self._message_json(msg)

    @api("answerCallbackQuery")
    async def _answer_callback_query(self, p: dict) -> bool:
        query_id = str(p.get("callback_query_id"))
        if query_id not in self._open_queries:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._open_queries.discard(query_id)
        self.callback_answers.append(p)
        return True

    @api("setMyCommands")
    async def _set_my_commands(self, p: dict) -> bool:
        commands = p.get("commands") or []
        if any(not re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", "")) for c in commands):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[self._scope_key(p)] = commands
        return True

    @api("deleteMyCommands")
    async def _delete_my_commands(self, p: dict) -> bool:
        self.commands.pop(self._scope_key(p), None)
        return True

    @api("getMyCommands")
    async def _get_my_commands(self, p: dict) -> list[dict]:
        return self.commands.get(self._scope_key(p), [])

    @api("getChat")
    async def _get_chat(self, p: dict) -> dict:
        chat_id = self._chat_id(p)
        if chat_id not in self._chats:
            raise ApiError(*FAULTS["chat_not_found"])
        gifts = dict.fromkeys(_GIFT_TYPES.split(), False)
        return {
            **self._chats[chat_id],
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    @api("getFile")
    async def _get_file(self, p: dict) -> dict:
        file = self._files.get(str(p.get("file_id")))
        if file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file.file_id,
            "file_unique_id": file.file_id,
            "file_size": len(file.data),
            "file_path": f"files/{file.file_id}",
        }

    @api("sendChatAction", "close", "logOut")
    async def _ok(self, p: dict) -> bool:
        if "chat_id" in p:
            self._chat_id(p)
        return True

    # --------------------------------------------------------------------------------------------
    # Test-side API
    # --------------------------------------------------------------------------------------------

    def user(
        self, id: int, first_name: str, username: str | None = None, language_code: str = "en"
    ) -> dict:
        """A Telegram User dict."""
        user = {"id": id, "is_bot": False, "first_name": first_name, "language_code": language_code}
        return {**user, "username": username} if username else user

    def enqueue_raw(self, update: dict) -> dict:
        """Queue an update dict (``update_id`` assigned if missing) for getUpdates."""
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._history[update["update_id"]] = copy.deepcopy(update)
        if self._workers:
            self._deliver_soon(update, self._turn)
            self._turn += 1
            return update
        self._pending.append(update)
        self._notify()
        return update

    def balance(self, worker_urls: list[str], secret_token: str | None = None) -> None:
        """From now on, POST every enqueued update to one of ``worker_urls`` in turn (the
        next one on a refusal, as Telegram retries), like one webhook URL behind a load
        balancer; getUpdates sees none of them."""
        self._workers = list(worker_urls)
        self._worker_secret = secret_token

    def _deliver_soon(self, update: dict, turn: int) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(update, turn))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver(self, update: dict, turn: int) -> None:
        for attempt in range(200):  # a worker starting or gone: the next one, as Telegram
            url = self._workers[(turn + attempt) % len(self._workers)]
            try:
                status = await self.post_webhook(url, update, self._worker_secret)
            except aiohttp.ClientError:
                status = 0
            if status == 200:
                self.webhook_log.append((url, update["update_id"]))
                self._notify()
                return
            await asyncio.sleep(0.05)

    def confirm(self, update_id: int) -> None:
        """Forget a pending update, as a ``getUpdates`` with a higher offset would."""
        self._pending = [u for u in self._pending if u["update_id"] != update_id]

    def redeliver(self, update_id: int) -> dict:
        """Deliver an already-enqueued update once more (same update_id), even if confirmed;
        when balancing, to the worker after the one that took it."""
        update = copy.deepcopy(self._history[update_id])
        if self._workers:
            took = [url for url, done in self.webhook_log if done == update_id]
            first = self._workers.index(took[-1]) + 1 if took else self._turn
            self._deliver_soon(update, first)
            return update
        self._redeliveries.append(update)
        self._notify()
        return update

    def _user_message(self, user: dict, text: str, chat: dict | None) -> dict:
        chat = chat or {
            "id": user["id"],
            "type": "private",
            "first_name": user["first_name"],
            **({"username": user["username"]} if "username" in user else {}),
        }
        self._chats[chat["id"]] = chat
        self._message_ids[chat["id"]] += 1
        msg = {
            "message_id": self._message_ids[chat["id"]],
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        if m := _COMMAND.match(text):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": m.end()}]
        self._user_messages[(chat["id"], msg["message_id"])] = msg
        return msg

    def send_text(self, user: dict, text: str, chat: dict | None = None) -> dict:
        """Enqueue a message from ``user`` (private chat unless ``chat`` is given)."""
        return self.enqueue_raw({"message": self._user_message(user, text, chat)})

    def send_document(
        self,
        user: dict,
        filename: str,
        data: bytes,
        caption: str = "",
        chat: dict | None = None,
        mime_type: str = "text/csv",
    ) -> dict:
        """Enqueue a document from ``user`` with ``caption``; the bot fetches it with getFile
        and a download from ``base_file_url``, as from Telegram."""
        file_id = f"user-document-{len(self._files) + 1}"
        self._files[file_id] = UploadedFile(filename, mime_type, data, file_id)
        msg = self._user_message(user, "", chat)
        del msg["text"]
        msg.pop("entities", None)
        msg["document"] = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        if caption:
            msg["caption"] = caption
            if m := _COMMAND.match(caption):
                msg["caption_entities"] = [{"type": "bot_command", "offset": 0, "length": m.end()}]
        return self.enqueue_raw({"message": msg})

    def edit_text(
        self, user: dict, message_id: int, new_text: str, chat: dict | None = None
    ) -> dict:
        """Enqueue an ``edited_message`` update for a message the user sent earlier."""
        chat_id = chat["id"] if chat else user["id"]
        original = self._user_messages[(chat_id, message_id)]
        edited = {**original, "text": new_text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        if m := _COMMAND.match(new_text):
            edited["entities"] = [{"type": "bot_command", "offset": 0, "length": m.end()}]
        self._user_messages[(chat_id, message_id)] = edited
        return self.enqueue_raw({"edited_message": edited})

    def press_button(
        self, user: dict, message: SentMessage, callback_data: str, *, check: bool = True
    ) -> dict:
        """Enqueue a callback_query for a button of a bot message (``check``: button must exist)."""
        if check and callback_data not in [data for _, data in message.buttons]:
            raise ValueError(f"no button with callback_data={callback_data!r}: {message.buttons}")
        self._query_counter += 1
        query_id = f"cq{self._query_counter}"
        self._open_queries.add(query_id)
        query = {
            "id": query_id,
            "from": user,
            "chat_instance": str(message.chat_id),
            "message": self._message_json(message),
            "data": callback_data,
        }
        return self.enqueue_raw({"callback_query": query})

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Messages the bot sent to ``chat_id`` (current state; see ``SentMessage.history``)."""
        return list(self._sent.get(chat_id, []))

    def calls(self, method: str) -> list[ApiCall]:
        """Requests of one Bot API method, in order."""
        return [c for c in self.requests if c.method.lower() == method.lower()]

    async def wait_until(self, condition: Callable[[], Any], timeout: float = 5.0) -> Any:  # noqa: ASYNC109 - a plain deadline reads better in tests
        """Re-evaluate ``condition`` after every state change; return its first truthy value."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not (result := condition()):
            if not await self._wait_change(deadline):
                raise TimeoutError(f"condition not met within {timeout}s")
        return result

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a plain deadline reads better in tests
    ) -> SentMessage:
        """Next bot message in ``chat_id`` not yet returned by this method (matching predicate)."""

        def find() -> SentMessage | None:
            sent = self._sent.get(chat_id, [])
            for index in range(self._cursor[chat_id], len(sent)):
                if predicate is None or predicate(sent[index]):
                    self._cursor[chat_id] = index + 1
                    return sent[index]
            return None

        try:
            return await self.wait_until(find, timeout)
        except TimeoutError:
            texts = [m.plain for m in self._sent.get(chat_id, [])]
            raise TimeoutError(
                f"no bot message in chat {chat_id} within {timeout}s; sent so far: {texts}"
            ) from None

    def fail_next(
        self,
        method: str,
        chat_id: int | None = None,
        kind: str = "retry_after",
        retry_after: int = 3,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*" = any) fail; kinds: see FAULTS."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault kind {kind!r}; choose from {sorted(FAULTS)}")
        self._faults.append(_Fault(method.lower(), chat_id, kind, retry_after, times))

    def clear_faults(self) -> None:
        """Every later call succeeds again (faults set by ``fail_next`` are dropped)."""
        self._faults.clear()

    def block_user(self, chat_id: int) -> None:
        """Every later send/edit to ``chat_id`` gets 403 "bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    async def post_webhook(
        self, url: str | None, update: dict, secret_token: str | None = None
    ) -> int:
        """POST ``update`` to the bot's webhook (``url`` None: last setWebhook url); HTTP status."""
        url = url or (self.webhook or {})["url"]
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token} if secret_token else {}
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=update, headers=headers) as response,
        ):
            return response.status
