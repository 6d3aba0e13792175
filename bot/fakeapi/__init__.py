"""A local fake of the Telegram Bot API for end-to-end tests of the bot.

Start a :class:`FakeBotAPI`, point a real python-telegram-bot ``Application`` at it with
``ApplicationBuilder().token(server.token).base_url(server.base_url)
.base_file_url(server.base_file_url)``, then act as Telegram users::

    async with FakeBotAPI() as server:
        user = server.user(first_name="张三")
        ...  # start the application (polling) here
        await user.send("/start")
        msg = await user.expect_message(contains="欢迎")
        await user.press(msg, "确认")
        await user.expect_edit(msg)

Modules: :mod:`.server` (HTTP transport, fault injection), :mod:`.methods` (Bot API
methods), :mod:`.state` (chats, messages, update queue), :mod:`.validation` (parameter
checks with Telegram's error texts), :mod:`.entities` (HTML/Markdown parsing),
:mod:`.users` (fake users and groups), :mod:`.models` (SentMessage, Call), :mod:`.files`.
"""

from .errors import ApiError
from .models import Call, SentMessage, UploadedFile
from .server import FakeBotAPI
from .users import FakeGroup, FakeUser

__all__ = ["ApiError", "Call", "FakeBotAPI", "FakeGroup", "FakeUser", "SentMessage", "UploadedFile"]
