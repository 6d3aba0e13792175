"""A minimal PTB bot used to exercise FakeBotAPI end to end.

Handlers record what they saw in ``Seen`` so tests can assert on the bot's side too
(exceptions raised by Bot API calls, update ids, callback data ...).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.fakeapi import FakeBotAPI
from bot.fakeapi.files import tiny_png
from bot.fakeapi.ptb import application_builder


@dataclass
class Seen:
    update_ids: list[int] = field(default_factory=list)
    callbacks: list[tuple[str, bool]] = field(default_factory=list)  # (data, accessible)
    errors: list[Exception] = field(default_factory=list)
    args: list[list[str]] = field(default_factory=list)


def build_demo_app(server: FakeBotAPI) -> tuple[Application[Any, Any, Any, Any, Any, Any], Seen]:
    seen = Seen()
    app = application_builder(server).build()

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.update_ids.append(update.update_id)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.args.append(list(context.args or []))
        await update.effective_message.reply_text(f"欢迎 {' '.join(context.args or [])}".strip())

    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("选项A", callback_data="opt:a"),
                    InlineKeyboardButton("选项B", callback_data="opt:b"),
                ],
                [InlineKeyboardButton("官网", url="https://example.com/help")],
            ]
        )
        await update.effective_message.reply_text(
            "<b>请选择</b>", parse_mode="HTML", reply_markup=keyboard
        )

    async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        accessible = query.message is not None and query.message.is_accessible
        seen.callbacks.append((query.data, accessible))
        await query.answer(f"已选 {query.data}")
        try:
            await query.edit_message_text(f"你选择了 {query.data}")
        except BadRequest as exc:
            seen.errors.append(exc)

    async def reply_keyboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = ReplyKeyboardMarkup(
            [["是", "否"], [KeyboardButton("发送位置", request_location=True)]],
            resize_keyboard=True,
        )
        await update.effective_message.reply_text("请回答", reply_markup=keyboard)

    async def remove_keyboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("已关闭键盘", reply_markup=ReplyKeyboardRemove())

    async def set_commands(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        await context.bot.set_my_commands(
            [BotCommand("report", "提交报告"), BotCommand("help", "帮助")],
            scope=BotCommandScopeChat(chat_id),
        )
        await update.effective_message.reply_text("命令已更新")

    async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        buffer = io.BytesIO(tiny_png(64, 48))
        await update.effective_message.reply_photo(buffer, caption="图表", filename="chart.png")

    async def flood(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await update.effective_message.reply_text("第一条")
        except (RetryAfter, NetworkError) as exc:
            seen.errors.append(exc)
            await update.effective_message.reply_text(f"发送失败: {type(exc).__name__}")

    async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        loc = update.effective_message.location
        live = " live" if loc.live_period else ""
        await update.effective_message.reply_text(f"坐标 {loc.latitude},{loc.longitude}{live}")

    async def on_moved(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        loc = update.edited_message.location
        await context.bot.send_message(update.effective_chat.id, f"移动到 {loc.latitude}")

    async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        largest = update.message.photo[-1]
        data = await (await largest.get_file()).download_as_bytearray()
        await update.message.reply_text(
            f"照片 {len(update.message.photo)} {largest.file_unique_id} {len(data)} "
            f"{update.message.caption}"
        )

    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        document = update.message.document
        data = await (await document.get_file()).download_as_bytearray()
        await update.message.reply_text(f"文件 {document.file_name} {bytes(data[:5])!r}")

    async def on_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(f"贴纸 {update.message.sticker.emoji}")

    async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.inline_query.query
        await update.inline_query.answer(
            [
                InlineQueryResultArticle(
                    id=str(i),
                    title=f"{query} {i}",
                    input_message_content=InputTextMessageContent(
                        f"<b>{query}</b> {i}", parse_mode="HTML"
                    ),
                )
                for i in range(3)
            ],
            cache_time=0,
        )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(update.message.text)

    app.add_handler(TypeHandler(Update, record), group=-1)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CommandHandler("kb", reply_keyboard))
    app.add_handler(CommandHandler("nokb", remove_keyboard))
    app.add_handler(CommandHandler("setcmds", set_commands))
    app.add_handler(CommandHandler("photo", photo))
    app.add_handler(CommandHandler("flood", flood))
    app.add_handler(CallbackQueryHandler(on_callback))
    app.add_handler(InlineQueryHandler(on_inline))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.LOCATION, on_moved))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.LOCATION, on_location))
    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(MessageHandler(filters.Sticker.ALL, on_sticker))
    app.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, echo)
    )
    return app, seen
