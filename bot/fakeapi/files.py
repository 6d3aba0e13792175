"""File storage for the fake server: file_ids, getFile paths, downloads, image checks.

Every file that passes through (uploaded by the bot, or "sent" by a fake user) gets a
``file_id`` and a ``file_unique_id``.  ``getFile`` assigns a ``file_path`` that is served under
``/file/bot<token>/<file_path>``.  Photos are checked the way Telegram does: an empty upload
or bytes that are not an image are rejected, which catches the classic "forgot to
``seek(0)`` the BytesIO" bug.
"""

from __future__ import annotations

import io
import itertools
import mimetypes
import struct
import zlib
from dataclasses import dataclass

MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024

_FILE_ID_PREFIX = {
    "photo": "AgACAgUAAxkBAAI",
    "document": "BQACAgUAAxkBAAI",
    "sticker": "CAACAgUAAxkBAAI",
    "video": "BAACAgUAAxkBAAI",
    "audio": "CQACAgUAAxkBAAI",
    "voice": "AwACAgUAAxkBAAI",
    "animation": "CgACAgUAAxkBAAI",
}
_UNIQUE_PREFIX = {"photo": "AQAD", "sticker": "AgAD"}
_PATH_DIR = {
    "photo": "photos",
    "document": "documents",
    "sticker": "stickers",
    "video": "videos",
    "audio": "music",
    "voice": "voice",
    "animation": "animations",
}


@dataclass
class StoredFile:
    """A file known to the server."""

    file_id: str
    file_unique_id: str
    kind: str
    content: bytes | None
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None  # sent by URL: the fake server cannot fetch it
    file_path: str | None = None

    @property
    def file_size(self) -> int | None:
        return None if self.content is None else len(self.content)


class FileStore:
    """All files by ``file_id`` and by ``file_path``."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(
        self,
        kind: str,
        content: bytes | None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        unique_id: str | None = None,
        url: str | None = None,
    ) -> StoredFile:
        number = next(self._counter)
        file_id = f"{_FILE_ID_PREFIX.get(kind, 'BQACAgUAAxkBAAI')}{number:06d}fake"
        if unique_id is None:
            unique_id = f"{_UNIQUE_PREFIX.get(kind, 'AgAD')}{number:06d}"
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name, strict=False)[0]
        stored = StoredFile(file_id, unique_id, kind, content, file_name, mime_type, url)
        self._by_id[file_id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def assign_path(self, stored: StoredFile) -> str:
        if stored.file_path is None:
            suffix = ""
            if stored.file_name and "." in stored.file_name:
                suffix = "." + stored.file_name.rsplit(".", 1)[1]
            elif stored.kind == "photo":
                suffix = ".jpg"
            elif stored.kind == "sticker":
                suffix = ".webp"
            number = len(self._by_path)
            stored.file_path = f"{_PATH_DIR.get(stored.kind, 'documents')}/file_{number}{suffix}"
            self._by_path[stored.file_path] = stored
        return stored.file_path

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)


# ---------------------------------------------------------------------------- images


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) if ``data`` is an image Telegram would accept as a photo, else None."""
    try:
        from PIL import Image  # optional; the project has Pillow via matplotlib
    except ImportError:  # pragma: no cover - fallback without Pillow
        return _sniff_size(data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return image.size
    except Exception:
        return None


def _sniff_size(data: bytes) -> tuple[int, int] | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith(b"\xff\xd8"):
        return 1, 1  # a JPEG; dimensions not parsed without Pillow
    if data[:6] in (b"GIF87a", b"GIF89a"):
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 1, 1
    return None


def tiny_png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A small valid PNG (solid colour), for photos sent by fake users."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def tiny_pdf(title: str = "fake") -> bytes:
    """A minimal PDF-looking document for documents sent by fake users."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        + f"% {title}\n".encode()
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def photo_sizes(stored: StoredFile, size: tuple[int, int], files: FileStore) -> list[dict]:
    """The PhotoSize array Telegram returns: a few scaled variants, largest last.

    Only the largest entry is the original file (its file_id is ``stored.file_id``); the
    smaller ones are separate files with the same bytes (the fake does not resize).
    """
    width, height = size
    sizes = []
    longest = max(width, height, 1)
    for limit in (90, 320, 800):
        if longest > limit:
            scale = limit / longest
            variant = files.add(
                "photo", stored.content, unique_id=f"{stored.file_unique_id}-{limit}"
            )
            sizes.append(
                {
                    "file_id": variant.file_id,
                    "file_unique_id": variant.file_unique_id,
                    "file_size": variant.file_size,
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                }
            )
    sizes.append(
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "width": width,
            "height": height,
        }
    )
    return sizes
