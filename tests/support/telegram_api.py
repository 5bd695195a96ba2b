"""A local stand-in for the Telegram Bot API (the only non-real server the suite allows).

Served by uvicorn in its own thread (``ThreadedUvicorn``), so it works from sync tests and
from async tests of any loop scope. Point python-telegram-bot at it with::

    Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url)

It answers like the real API for: getMe, sendMessage, sendPhoto, sendDocument, sendChatAction,
editMessageText, answerCallbackQuery, getUpdates (offset semantics + long polling), setWebhook,
deleteWebhook, getWebhookInfo, getFile, and file downloads under ``/file/bot<token>/<path>``.
Bodies may be form-urlencoded (PTB's default), JSON or multipart (file uploads, including
``attach://`` references). Every call is recorded (``calls()``); errors can be injected per chat
and method (``fail()``); unknown tokens get 401 and unknown methods 404, like the real API.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support import _telegram_objects as tg
from tests.support._telegram_objects import JsonDict, callback_query_update, text_message_update
from tests.support._telegram_wire import (
    ApiCall,
    ApiError,
    UploadedFile,
    _Bot,
    _caption,
    _Failure,
    _read_params,
    _StoredFile,
)
from tests.support.asgi import ThreadedUvicorn

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "BotApiStandIn",
    "UploadedFile",
    "callback_query_update",
    "text_message_update",
]

DEFAULT_TOKEN = "123456789:TEST-token-for-the-helpdesk-suite"


class BotApiStandIn:
    """The server plus its recorded state; thread-safe (the server runs in another thread)."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self._lock = threading.Lock()
        self._bots: dict[str, _Bot] = {}
        self._calls: list[ApiCall] = []
        self._failures: list[_Failure] = []
        self._message_ids: dict[tuple[str, str], itertools.count[int]] = {}
        self._messages: dict[tuple[str, str, int], JsonDict] = {}
        self._files: dict[str, _StoredFile] = {}
        self._closing = False
        self.add_bot(token)
        app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ]
        )
        self._server = ThreadedUvicorn(app)
        self.url = self._server.url
        self.base_url = f"{self.url}/bot"
        self.base_file_url = f"{self.url}/file/bot"

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> BotApiStandIn:
        self._server.start()
        return self

    def stop(self) -> None:
        self._closing = True  # lets pending long polls return at once
        self._server.stop()

    # -- test-facing API ---------------------------------------------------------------------

    def add_bot(
        self, token: str, *, username: str | None = None, first_name: str = "Helpdesk"
    ) -> JsonDict:
        """Register another bot token; returns its getMe User dict."""
        prefix = token.split(":", 1)[0]
        bot_id = int(prefix) if prefix.isdigit() else 10**9 + len(self._bots)
        name = username or f"helpdesk_{bot_id}_bot"
        user = tg.bot_user(bot_id, first_name, name)
        with self._lock:
            self._bots[token] = _Bot(user=user)
        return user

    def calls(self, method: str | None = None, *, token: str | None = None) -> list[ApiCall]:
        with self._lock:
            return [
                c
                for c in self._calls
                if (method is None or c.method == method) and (token is None or c.token == token)
            ]

    def queue_update(self, token: str, update: Mapping[str, Any]) -> int:
        """Queue an update for getUpdates; assigns ``update_id`` when missing and returns it."""
        with self._lock:
            bot = self._bots[token]
            upd = dict(update)
            if "update_id" not in upd:
                upd["update_id"] = bot.next_update_id
            bot.next_update_id = max(bot.next_update_id, int(upd["update_id"])) + 1
            bot.updates.append(upd)
            return int(upd["update_id"])

    def fail(
        self,
        chat_id: int | str,
        code: int,
        *,
        method: str | None = None,
        description: str | None = None,
        retry_after: int = 5,
        times: int | None = None,
    ) -> None:
        """Make calls for ``chat_id`` (optionally one ``method``) fail with ``code``.

        403 -> "Forbidden: bot was blocked by the user"; 429 -> "Too Many Requests" with
        ``parameters.retry_after``; 400 -> "Bad Request: chat not found". ``times`` limits it.
        """
        defaults = {
            400: "Bad Request: chat not found",
            403: "Forbidden: bot was blocked by the user",
            429: f"Too Many Requests: retry after {retry_after}",
        }
        text = description or defaults.get(code, f"Error {code}")
        with self._lock:
            self._failures.append(
                _Failure(
                    str(chat_id), code, method, text, retry_after if code == 429 else None, times
                )
            )

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def add_file(self, content: bytes, file_name: str = "file.bin") -> str:
        """Store a file as if a user had sent it; returns a file_id usable with getFile."""
        return self._store_file(content, f"documents/{file_name}").file_id

    def webhook(self, token: str | None = None) -> JsonDict | None:
        with self._lock:
            return self._bots[token or self.token].webhook

    def sent_texts(self, chat_id: int | str, *, token: str | None = None) -> list[str]:
        """Texts successfully sent to ``chat_id`` by sendMessage, in order."""
        return [
            str(c.params.get("text"))
            for c in self.calls("sendMessage", token=token)
            if str(c.params.get("chat_id")) == str(chat_id) and c.error_code is None
        ]

    # -- HTTP ----------------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> Response:
        token, method = request.path_params["token"], request.path_params["method"]
        raw, params, files = await _read_params(request)
        code: int | None = None
        try:
            result = await self._dispatch(token, method, params, files)
            body: JsonDict = {"ok": True, "result": result}
        except ApiError as err:
            code = err.code
            body = {"ok": False, "error_code": err.code, "description": err.description}
            if err.retry_after is not None:
                body["parameters"] = {"retry_after": err.retry_after}
        with self._lock:
            self._calls.append(
                ApiCall(
                    method, token, params, raw, files, request.headers.get("content-type", ""), code
                )
            )
        return JSONResponse(body, status_code=code or 200)

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] not in self._bots:
            body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return JSONResponse(body, 401)
        path = request.path_params["path"]
        with self._lock:
            stored = next((f for f in self._files.values() if f.path == path), None)
        if stored is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return Response(stored.content, media_type="application/octet-stream")

    async def _dispatch(
        self, token: str, method: str, params: JsonDict, files: dict[str, UploadedFile]
    ) -> Any:
        with self._lock:
            bot = self._bots.get(token)
        if bot is None:
            raise ApiError(401, "Unauthorized")
        self._check_failures(method, params)
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        if method.lower() == "getupdates":
            return await self._api_getupdates(bot, params)
        return handler(token, bot, params, files)

    def _check_failures(self, method: str, params: JsonDict) -> None:
        chat_id = params.get("chat_id")
        if chat_id is None:
            return
        with self._lock:
            for f in self._failures:
                if f.chat_id != str(chat_id) or (f.method and f.method.lower() != method.lower()):
                    continue
                if f.remaining is not None:
                    if f.remaining <= 0:
                        continue
                    f.remaining -= 1
                raise ApiError(f.code, f.description, f.retry_after)

    # -- methods ---------------------------------------------------------------------------------

    def _api_getme(self, token: str, bot: _Bot, params: JsonDict, files: Any) -> JsonDict:
        return bot.user

    def _api_sendmessage(self, token: str, bot: _Bot, params: JsonDict, files: Any) -> JsonDict:
        text = params.get("text")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        extra: JsonDict = {"text": text}
        if "entities" in params:
            extra["entities"] = params["entities"]
        return self._new_message(token, bot, params, extra)

    def _api_sendphoto(
        self, token: str, bot: _Bot, params: JsonDict, files: dict[str, UploadedFile]
    ) -> JsonDict:
        content = self._file_param("photo", params, files)
        small = self._store_file(content[:1024], "photos/thumb.jpg")
        big = self._store_file(content, "photos/photo.jpg")
        sizes = [
            {
                "file_id": small.file_id,
                "file_unique_id": small.unique_id,
                "width": 90,
                "height": 90,
                "file_size": len(small.content),
            },
            {
                "file_id": big.file_id,
                "file_unique_id": big.unique_id,
                "width": 800,
                "height": 600,
                "file_size": len(big.content),
            },
        ]
        return self._new_message(token, bot, params, {"photo": sizes, **_caption(params)})

    def _api_senddocument(
        self, token: str, bot: _Bot, params: JsonDict, files: dict[str, UploadedFile]
    ) -> JsonDict:
        content = self._file_param("document", params, files)
        upload = files.get("document")
        name = (upload.filename if upload else None) or "document"
        stored = self._store_file(content, f"documents/{name}")
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_name": name,
            "mime_type": (upload.content_type if upload else None) or "application/octet-stream",
            "file_size": len(content),
        }
        return self._new_message(token, bot, params, {"document": document, **_caption(params)})

    def _api_sendchataction(self, token: str, bot: _Bot, params: JsonDict, files: Any) -> bool:
        if not params.get("action"):
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _api_editmessagetext(
        self, token: str, bot: _Bot, params: JsonDict, files: Any
    ) -> JsonDict | bool:
        if "inline_message_id" in params:
            return True
        key = (token, str(params.get("chat_id")), int(params.get("message_id") or 0))
        with self._lock:
            message = self._messages.get(key)
            if message is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if message.get("text") == params.get("text"):
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message "
                    "content and reply markup are exactly the same as a current "
                    "content and reply markup of the message",
                )
            message = {**message, "text": params.get("text"), "edit_date": int(time.time())}
            self._messages[key] = message
        return message

    def _api_answercallbackquery(self, token: str, bot: _Bot, params: JsonDict, files: Any) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        return True

    def _api_setwebhook(self, token: str, bot: _Bot, params: JsonDict, files: Any) -> bool:
        url = params.get("url") or ""
        with self._lock:
            if params.get("drop_pending_updates"):
                bot.updates.clear()
            bot.webhook = (
                {
                    "url": url,
                    "secret_token": params.get("secret_token"),
                    "allowed_updates": params.get("allowed_updates"),
                }
                if url
                else None
            )
        return True

    def _api_deletewebhook(self, token: str, bot: _Bot, params: JsonDict, files: Any) -> bool:
        with self._lock:
            if params.get("drop_pending_updates"):
                bot.updates.clear()
            bot.webhook = None
        return True

    def _api_getwebhookinfo(self, token: str, bot: _Bot, params: JsonDict, files: Any) -> JsonDict:
        with self._lock:
            return {
                "url": bot.webhook["url"] if bot.webhook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(bot.updates),
            }

    def _api_getfile(self, token: str, bot: _Bot, params: JsonDict, files: Any) -> JsonDict:
        with self._lock:
            stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    async def _api_getupdates(self, bot: _Bot, params: JsonDict) -> list[JsonDict]:
        if bot.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            with self._lock:
                if offset < 0:
                    # Negative offsets keep only the last -offset updates, forgetting the rest.
                    del bot.updates[: max(len(bot.updates) + offset, 0)]
                elif offset:
                    bot.updates[:] = [u for u in bot.updates if u["update_id"] >= offset]
                ready = bot.updates[:limit]
            if ready or self._closing or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.01)

    # -- helpers -----------------------------------------------------------------------------

    def _new_message(self, token: str, bot: _Bot, params: JsonDict, extra: JsonDict) -> JsonDict:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        with self._lock:
            counter = self._message_ids.setdefault((token, str(chat_id)), itertools.count(1))
            message: JsonDict = {
                "message_id": next(counter),
                "from": bot.user,
                "chat": tg.chat(chat_id),
                "date": int(time.time()),
                **extra,
            }
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                message["reply_markup"] = markup
            reply_to = params.get("reply_to_message_id") or (
                (params.get("reply_parameters") or {}).get("message_id")
            )
            if reply_to and (token, str(chat_id), int(reply_to)) in self._messages:
                message["reply_to_message"] = self._messages[(token, str(chat_id), int(reply_to))]
            self._messages[(token, str(chat_id), message["message_id"])] = message
        return message

    def _file_param(self, name: str, params: JsonDict, files: dict[str, UploadedFile]) -> bytes:
        if name in files:
            return files[name].content
        value = params.get(name)
        with self._lock:
            stored = self._files.get(str(value))
        if stored is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return stored.content

    def _store_file(self, content: bytes, path: str) -> _StoredFile:
        unique = uuid.uuid4().hex
        directory, _, name = path.rpartition("/")
        stored = _StoredFile(
            file_id=f"FILE{unique}",
            unique_id=unique[:16],
            path=f"{directory}/{unique[:8]}_{name}",
            content=content,
        )
        with self._lock:
            self._files[stored.file_id] = stored
        return stored
