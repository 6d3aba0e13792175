"""Presentation, in one place: every message the bot shows, as text and Bot API markup.

Views are pure: they import neither Telegram nor the database. They return plain data
(``bot.delivery.out.Out`` or ``(text, markup)``), so the handlers, the scheduled passes and
the CLI render the same things the same way.
"""
