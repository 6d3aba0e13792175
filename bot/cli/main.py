"""``ipbot``: the administrators' command line. The one place its commands are registered;
each lives in the module named for what it does (admin, roster, obligations, knowledge,
backup, demo, evaluation)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bot.cli import admin, backup, demo, evaluation, knowledge, obligations, roster
from bot.cli.common import CliState, one_line
from bot.i18n import raw

app = typer.Typer(help="IP Field Assistant (知识产权服务助手) — administration.",
                  no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)  # main() turns them into one line
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
cycle_app = typer.Typer(help="Service cycles (服务周期).", no_args_is_help=True)
reminders_app = typer.Typer(help="Visit reminders.", no_args_is_help=True)
digest_app = typer.Typer(help="Supervisor digests.", no_args_is_help=True)
knowledge_app = typer.Typer(help="The FAQ knowledge folder.", no_args_is_help=True)
faq_app = typer.Typer(help="Policy questions.", no_args_is_help=True)
assign_app = typer.Typer(help="Assignments (服务关系): end or transfer them (调整).",
                         no_args_is_help=True)
person_app = typer.Typer(help="People in the pool.", no_args_is_help=True)
pool_app = typer.Typer(help="The pool (服务专员库、特派员库、服务对象库).", no_args_is_help=True)
evaluation_app = typer.Typer(help="Evaluations (评价): packs, results, feedback letters.",
                             no_args_is_help=True)
archive_app = typer.Typer(help="Service archives (服务档案) and typical cases.",
                          no_args_is_help=True)
for name, sub in (("db", db_app), ("cycle", cycle_app), ("reminders", reminders_app),
                  ("digest", digest_app), ("knowledge", knowledge_app), ("faq", faq_app),
                  ("assign", assign_app), ("person", person_app), ("pool", pool_app),
                  ("evaluation", evaluation_app), ("archive", archive_app)):
    app.add_typer(sub, name=name)


@app.callback()
def _main(
    ctx: typer.Context,
    lang: Annotated[str, typer.Option("--lang", help="Output language: zh or en.")] = "zh",
) -> None:
    ctx.obj = CliState(lang="en" if lang.lower().startswith("en") else "zh")


db_app.command("upgrade")(admin.db_upgrade)
app.command("import")(admin.import_roster)
cycle_app.command("create")(admin.cycle_create)
cycle_app.command("list")(admin.cycle_list)
cycle_app.command("roll")(roster.cycle_roll)
assign_app.command("end")(roster.assign_end)
assign_app.command("transfer")(roster.assign_transfer)
person_app.command("leave")(roster.person_leave)
pool_app.command("list")(roster.pool_list)
app.command("invite")(admin.invite)
app.command("run")(admin.run)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.command("demo")(demo.demo)
app.command("status")(obligations.status)
reminders_app.command("run")(obligations.reminders_run)
digest_app.command("send")(obligations.digest_send)
knowledge_app.command("lint")(knowledge.knowledge_lint)
knowledge_app.command("gaps")(knowledge.knowledge_gaps)
knowledge_app.command("proposals")(knowledge.knowledge_proposals)
faq_app.command("ask")(knowledge.faq_ask)
evaluation_app.command("pack")(evaluation.pack)
evaluation_app.command("record")(evaluation.record)
evaluation_app.command("letters")(evaluation.letters)
archive_app.command("export")(evaluation.archive_export)
archive_app.command("cases")(evaluation.archive_cases)


def main() -> None:
    """The console script. Any failure a command did not report itself is still one line
    and a non-zero exit; ``--debug`` (anywhere on the line) shows the traceback instead."""
    debug = "--debug" in sys.argv[1:]
    if debug:
        sys.argv.remove("--debug")
    try:
        app()  # usage errors and exits are typer's: a message and the exit code
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception as exc:
        if debug:
            raise
        lang = "en" if any(a.startswith("--lang=en") or a == "en" for a in sys.argv) else "zh"
        typer.echo(raw("cli.unexpected", lang, error=one_line(exc)), err=True)
        raise SystemExit(1) from None
