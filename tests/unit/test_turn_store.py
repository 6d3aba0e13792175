"""An update handed on before it is stored (``Turn.record``), and an actor remembered rather
than looked up (``Turn.check``, ``ActorHints.known``): the pieces, on the real database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from bot.delivery import turn as turns
from bot.delivery.hints import ActorHints
from bot.delivery.turn import Turn
from bot.services import delivery, identity
from bot.services.container import Services
from bot.services.identity import Actor, ActorKind, StaleActor, TelegramUser
from bot.store.models import InboundUpdate

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)


def _update(update_id: int, user_id: int = 501) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "甲"}, "text": "你好"}}


def _rows(services: Services) -> dict[int, tuple[str, datetime | None]]:
    with services.uow() as uow:
        return {r.update_id: (r.status, r.done_at)
                for r in uow.session.scalars(select(InboundUpdate))}


def _in_turn(turn: Turn, fn: Any) -> Any:
    token = turns.CURRENT.set(turn)
    try:
        return fn()
    finally:
        turns.CURRENT.reset(token)


def test_a_handed_on_update_is_stored_done_by_its_commit_in_one_statement(services) -> None:
    recorded: list[int] = []
    turn = Turn(7, NOW, record=_update(7), on_recorded=lambda: recorded.append(7))
    statements: list[str] = []
    event.listen(services.engine, "before_cursor_execute",
                 lambda _c, _cur, text, *_a: statements.append(text))

    def work() -> None:
        with services.uow() as uow:
            uow.commit()
            uow.commit()  # a second commit of the same turn stores nothing more

    _in_turn(turn, work)
    inbound = [s for s in statements if "inbound_updates" in s]
    assert len(inbound) == 1 and inbound[0].startswith("INSERT")
    assert _rows(services) == {7: ("done", NOW)}
    assert recorded == [7]  # once


def test_a_handed_on_update_stored_late_is_marked_done_by_its_commit(services) -> None:
    delivery.record_updates(services, [_update(8)])  # the poll loop stopped waiting for it
    assert _rows(services) == {8: ("pending", None)}
    later = NOW + timedelta(seconds=5)
    _in_turn(Turn(8, later, record=_update(8)), lambda: _commit(services))
    assert _rows(services) == {8: ("done", later)}


def _commit(services: Services) -> None:
    with services.uow() as uow:
        uow.commit()


def test_an_update_whose_handler_stored_nothing_is_stored_with_its_mark(services) -> None:
    results = services.results
    results.add(done=9, record=_update(9))
    results.add(failed=(10, "boom"), record=_update(10))
    written: list[list[int]] = []
    results.on_recorded = written.append
    delivery.flush_results(services)
    assert _rows(services) == {9: ("done", NOW), 10: ("failed", NOW)}
    assert written == [[9, 10]]


def test_the_check_runs_in_the_first_unit_of_work_only_and_a_stale_one_frees_it(
        services) -> None:
    user = TelegramUser(501, "甲", "zh-hans")
    actor = identity.whoami(services, user)
    confirmed: list[bool] = []
    turn = Turn(11, NOW, check=identity.confirmer(actor, user, NOW.date(),
                                                  lambda: confirmed.append(True)))
    _in_turn(turn, lambda: (_commit(services), _commit(services)))
    assert confirmed == [True] and turn.check is None

    someone_else = Actor(telegram_id=501, kind=ActorKind.GUEST, name="甲", language="en")
    stale = Turn(12, NOW, check=identity.confirmer(someone_else, user, NOW.date()))
    with pytest.raises(StaleActor):
        _in_turn(stale, lambda: _commit(services))
    assert 12 not in _rows(services)
    _commit(services)  # the database is free again (SQLite's serial lock was released)


def test_a_remembered_actor_is_known_for_a_minute_on_the_same_day() -> None:
    hints = ActorHints(TZ)
    actor = Actor(telegram_id=501, kind=ActorKind.GUEST, name="甲", language="zh")
    evening = datetime(2026, 3, 2, 23, 59, 30, tzinfo=TZ)
    hints.remember(actor, evening)
    assert hints.known(501, evening + timedelta(seconds=20)) == actor
    assert hints.known(501, evening + timedelta(seconds=40)) is None  # the next day
    hints.remember(actor, NOW)
    assert hints.known(501, NOW + ActorHints.KNOWN_FOR) == actor
    assert hints.known(501, NOW + ActorHints.KNOWN_FOR + timedelta(seconds=1)) is None
    hints.remember(actor, NOW)
    assert hints.known(501, NOW - timedelta(seconds=1)) is None  # a clock set back
    hints.remember(actor, NOW)
    hints.put(13, actor, confirmed=False)
    hints.forget(501)
    assert hints.known(501, NOW) is None and hints.take(13) is None


def test_remembered_senders_are_let_go_once_expired_beyond_the_kept_number() -> None:
    hints = ActorHints(TZ)
    for i in range(ActorHints.KEPT):
        hints.remember(Actor(telegram_id=i, kind=ActorKind.GUEST, name="甲", language="zh"),
                       NOW)
    later = NOW + ActorHints.KNOWN_FOR + timedelta(seconds=1)
    newcomer = Actor(telegram_id=-1, kind=ActorKind.GUEST, name="乙", language="zh")
    hints.remember(newcomer, later)
    assert len(hints._known) == 1 and hints.known(-1, later) == newcomer
