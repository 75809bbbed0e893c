"""Request bodies bounded in size and in time, before any route sees them (pure ASGI).

Why here and not in each route: a multipart body is parsed (and its files spooled to
disk) before a route's code runs, so a per-route check comes after the cost. This
middleware answers 413 as soon as the declared Content-Length, or the bytes actually
received, pass `limits.max_upload_bytes()` plus room for the form's own fields; and 408
when the client stalls longer than `limits.body_timeout_seconds()` between two chunks
(or takes ten times that for the whole body), so a slow client cannot hold a
connection and a worker thread for ever.

Once it has answered, the application is told the client went away (`http.disconnect`),
anything it still tries to send is dropped, and the error it raises is swallowed: the
answer was already given. A reverse proxy should enforce the same limits earlier
(README: nginx `client_max_body_size`, `client_body_timeout`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from refaire import limits

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Form fields, multipart boundaries and headers around the files themselves.
FORM_OVERHEAD_BYTES = 1024 * 1024
WHOLE_BODY_FACTOR = 10


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, max_bytes: int | None = None, timeout_s: float | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = (self.max_bytes or limits.max_upload_bytes()) + FORM_OVERHEAD_BYTES
        stall = self.timeout_s or limits.body_timeout_seconds()
        api = scope.get("path", "").startswith("/api/")
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            await _answer(send, 413, _too_large(cap), api)
            return
        state = {"received": 0, "done": False, "answered": False, "started": False}
        deadline = time.monotonic() + stall * WHOLE_BODY_FACTOR

        async def guarded_receive() -> Message:
            if state["answered"]:
                return {"type": "http.disconnect"}
            if state["done"]:
                return await receive()
            wait = min(stall, deadline - time.monotonic())
            try:
                message = await asyncio.wait_for(receive(), timeout=max(wait, 0.001))
            except TimeoutError:
                return await refuse(408, f"request body not received within {stall:g} s")
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > cap:
                    return await refuse(413, _too_large(cap))
                state["done"] = not message.get("more_body", False)
            return message

        async def refuse(status: int, text: str) -> Message:
            if not state["started"]:
                state["answered"] = True
                await _answer(send, status, text, api)
            return {"type": "http.disconnect"}

        async def guarded_send(message: Message) -> None:
            if state["answered"]:
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except Exception:
            if not state["answered"]:
                raise


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _too_large(cap: int) -> str:
    mb = (cap - FORM_OVERHEAD_BYTES) / 2**20
    return f"request body over the {mb:g} MB upload limit"


async def _answer(send: Send, status: int, text: str, api: bool) -> None:
    if api:
        body, kind = json.dumps({"detail": text}).encode(), b"application/json"
    else:
        body, kind = text.encode(), b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
