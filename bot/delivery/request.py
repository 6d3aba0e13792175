"""The HTTP request of the bot: python-telegram-bot's httpx request, keeping the status code
of a 5xx so that the sender can tell "not delivered" (502, 503) from "maybe delivered"."""

from __future__ import annotations

from typing import Any

from telegram.request import HTTPXRequest

from bot.delivery.sender import ServerError


class StatusAwareRequest(HTTPXRequest):
    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code >= 500:
            text = payload[:300].decode("utf-8", "replace")
            raise ServerError(code, f"HTTP {code} from the Bot API: {text}")
        return code, payload
