"""`ipbot --help` loads only the command line itself: the heavy parts (the database, the Bot
API client, charts, workbooks, settings validation) load when a command needs them. Checked
by what is imported, not by timing (the timing is benchmarks/cli_startup.py)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "telegram", "matplotlib", "openpyxl", "pydantic_settings", "jieba",
         "alembic", "aiohttp")


def test_the_cli_module_imports_nothing_heavy():
    code = ("import sys, bot.cli.main; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == ""
