"""The HTTP request of the bot: python-telegram-bot's ``BaseRequest`` carried by aiohttp.

Why not PTB's default ``HTTPXRequest``: every Bot API call goes through it, and on the
hot path (``benchmarks/visits_bench.py``) httpx with anyio and httpcore cost about three
times the CPU of aiohttp per call (1.2 against 0.4 ms, against the local fake Bot API).
aiohttp is already the webhook listener's server, so this adds no dependency. The shape
follows PTB's own ``AiohttpRequest`` in ``ptbcontrib`` (not on the package index).

What the sender needs from a failed call, kept here in the types it raises:
- a 5xx keeps its status code (:class:`ServerError`), so that "not delivered" (502, 503)
  can be told from "maybe delivered";
- a request that certainly never reached the server (refused connection, no free
  connection in time, connect timeout) raises :class:`NotSent`, so that it is retried
  without being counted as a possible duplicate;
- a read timeout raises PTB's ``TimedOut``, anything else after sending PTB's
  ``NetworkError``: both may have been carried out.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.delivery.sender import NotSent, ServerError

CHUNK = 64 * 1024  # httpx's write timeout holds for each write of up to this much


def ceiling(read: float | None, write: float | None, connect: float | None,
            pool: float | None, upload: int = 0) -> float | None:
    """The whole exchange's time limit (None: no limit if any part has none).

    httpx times each write and aiohttp only the whole: an upload of ``upload`` bytes gets
    the write timeout once per 64 KiB, so a slow link that keeps moving (a large export at
    a few KB/s) is not cut off where httpx would not have cut it either."""
    parts = (read, write, connect, pool)
    if any(x is None for x in parts):
        return None
    return read + connect + pool + write * (1 + upload // CHUNK)  # type: ignore[operator]


class StatusAwareRequest(BaseRequest):
    """``connection_pool_size`` connections at most; the timeouts default as PTB's.

    Timeouts map onto aiohttp's: ``pool_timeout + connect_timeout`` to get a connection
    (waiting for a free one included), ``connect_timeout`` for the socket to connect,
    ``read_timeout`` for each read of the answer, and a ceiling on the whole exchange made
    of them all (:func:`ceiling`: aiohttp has no write timeout of its own). Proxies
    in the environment (``HTTPS_PROXY``) are honoured, as httpx does."""

    __slots__ = ("_media_write_timeout", "_pool_size", "_session", "_timeouts")

    def __init__(self, connection_pool_size: int = 1, *, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0
                 ) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._pool_size = connection_pool_size
        self._timeouts = {"read": read_timeout, "write": write_timeout,
                          "connect": connect_timeout, "pool": pool_timeout}
        self._media_write_timeout = media_write_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # created here, on the running loop (aiohttp binds a session to its loop)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                timeout=aiohttp.ClientTimeout(total=None), trust_env=True)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _timeout(self, read: ODVInput[float], write: ODVInput[float],
                 connect: ODVInput[float], pool: ODVInput[float], upload: int | None
                 ) -> aiohttp.ClientTimeout:
        """``upload``: the bytes of the files sent, if any (their write timeout is the
        media one)."""
        def chosen(value: ODVInput[float], name: str) -> float | None:
            if isinstance(value, DefaultValue):
                if name == "write" and upload is not None:
                    return self._media_write_timeout
                return self._timeouts[name]
            return value

        r, w = chosen(read, "read"), chosen(write, "write")
        c, p = chosen(connect, "connect"), chosen(pool, "pool")
        get = None if c is None or p is None else c + p
        return aiohttp.ClientTimeout(total=ceiling(r, w, c, p, upload or 0), connect=get,
                                     sock_connect=c, sock_read=r)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This StatusAwareRequest is not initialized!")
        files = bool(request_data and request_data.contains_files)
        upload = None
        data: Any = None
        if request_data is not None:
            data = request_data.json_parameters  # sent form-encoded, as PTB's httpx does
            if files:
                # file names unquoted (UTF-8), as httpx sends them: Telegram shows them
                form = aiohttp.FormData(data, quote_fields=False)
                upload = 0
                for field, (name, content, mime) in request_data.multipart_data.items():
                    form.add_field(field, content, filename=name, content_type=mime)
                    upload += len(content)
                data = form
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout,
                                upload)
        try:
            async with self._session.request(
                method, url, data=data, timeout=timeout,
                headers={"User-Agent": self.USER_AGENT},
            ) as response:
                code, payload = response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:  # no connection in time: not sent
            raise NotSent(f"aiohttp.{type(exc).__name__}: no connection to the Bot API in "
                          f"time") from exc
        except aiohttp.ClientConnectorError as exc:  # refused, unreachable: not sent
            raise NotSent(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        except TimeoutError as exc:  # sent, no answer in time (aiohttp's included)
            raise TimedOut from exc
        except aiohttp.ClientError as exc:  # dropped after sending, a broken answer …
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        if code >= 500:
            text = payload[:300].decode("utf-8", "replace")
            raise ServerError(code, f"HTTP {code} from the Bot API: {text}")
        return code, payload
