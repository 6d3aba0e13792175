"""The visit step's one read (``Visits.open_draft_pending_and_targets``) against the reads it
replaced: the same draft, pending input and targets, on any day, in one statement."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, update

from bot.services.visits import _as_target, targets_with_roles
from bot.store.models import Assignment, Entity, VisitDraft
from tests.helpers import load_sample_rosters

DAYS = [date(2025, 12, 31), date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 1),
        date(2027, 12, 31), date(2028, 1, 1)]


def test_one_statement_reads_the_draft_pending_input_and_current_targets(services):
    load_sample_rosters(services)
    now = services.clock.now()
    with services.uow() as uow:
        wang, li = uow.people.by_name("王敏")[0].id, uow.people.by_name("李强")[0].id
        zju = uow.session.query(Entity).filter_by(name="浙江大学").one().id
        # one of 王敏's two assignments ends mid-year, the other is dated past its cycle (the
        # cycle's end ends it); 李强 serves 浙江大学 too
        uow.session.execute(update(Assignment).where(
            Assignment.person_id == wang, Assignment.entity_id == zju).values(
            end_date=date(2026, 6, 30)))
        uow.session.execute(update(Assignment).where(
            Assignment.person_id == wang, Assignment.entity_id != zju).values(
            end_date=date(2028, 6, 30)))
        draft = VisitDraft(person_id=wang, chat_id=1, status="active", step="whom",
                           data={}, created_at=now, updated_at=now)
        uow.session.add(draft)
        uow.flush()
        uow.pending.set(42, "visit", draft.id, now)
        uow.commit()
        draft_id = draft.id

    statements: list[str] = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    seen = set()
    for day in DAYS:
        with services.uow() as uow:
            event.listen(services.engine, "before_cursor_execute", listener)
            try:
                found, pending, rows = uow.visits.open_draft_pending_and_targets(wang, 42, day)
            finally:
                event.remove(services.engine, "before_cursor_execute", listener)
            assert len(statements) == 1
            statements.clear()
            assert found is not None and found.id == draft_id
            assert pending == ("visit", draft_id)
            targets = [_as_target(r) for r in rows]
            assert targets == targets_with_roles(uow, wang, day)
            seen.add(len(targets))
            none = uow.visits.open_draft_pending_and_targets(li, 43, day)
            assert none == (None, None, [])  # no open draft: nothing, and no one else's
    assert seen == {0, 1, 2}  # before the cycle, after an assignment ended, both current
    with services.uow() as uow:  # no pending input: the draft and its targets still
        found, pending, rows = uow.visits.open_draft_pending_and_targets(wang, 99, DAYS[1])
        assert (found.id, pending, len(rows)) == (draft_id, None, 2)
