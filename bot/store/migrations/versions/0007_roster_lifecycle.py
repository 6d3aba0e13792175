"""roster lifecycle: date-ranged assignments, pool states, leaving the pool

Assignments become ranges: an open end (``end_date`` NULL) becomes the end of the
assignment's cycle, and ``end_date`` is required from now on. The one-to-one rules hold per
date instead of per cycle: the per-cycle unique constraints give way to "no overlapping
ranges" for a region, for an envoy, and for a commissioner↔entity pair (PostgreSQL:
exclusion constraints with btree_gist, which the migration creates if missing; SQLite:
triggers), plus plain unique constraints on a range's first day that both databases hold.

Pool states (seed 004: 报送途径, 审核, 培训; 离库): people gain ``route``, ``reviewed``,
``trained``, ``left_on`` and ``left_reason``; entities and regions ``route`` and
``reviewed``. Everyone and everything already in the database is treated as reviewed (and
trained): they were put in the pool before these states existed, and nothing running today
stops working. New records start unreviewed unless their roster file says otherwise.

Downgrade drops the pool states and restores the per-cycle constraints; it fails when a
cycle holds two ranges of one region, one envoy or one commissioner↔entity pair (made by
ending and re-assigning), which the old schema cannot hold.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store import ranges

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_ROUTE = "route IS NULL OR route IN ('direct', 'tiered')"


def _pool_columns(table: str, trained: bool) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column('route', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('reviewed', sa.Boolean(), nullable=True))
        if trained:
            batch_op.add_column(sa.Column('trained', sa.Boolean(), nullable=True))
    # already in the pool: reviewed (and trained)
    op.execute(sa.text(f"UPDATE {table} SET reviewed = :yes"
                       + (", trained = :yes" if trained else "")).bindparams(yes=True))
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column('reviewed', existing_type=sa.Boolean(), nullable=False)
        if trained:
            batch_op.alter_column('trained', existing_type=sa.Boolean(), nullable=False)
        batch_op.create_check_constraint('route', _ROUTE)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _pool_columns('people', trained=True)
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('left_reason', sa.Text(), nullable=True))
    _pool_columns('entities', trained=False)
    _pool_columns('regions', trained=False)

    # an open assignment runs to the end of its cycle
    op.execute("UPDATE assignments SET end_date = (SELECT c.end_date FROM cycles c"
               " WHERE c.id = assignments.cycle_id) WHERE end_date IS NULL")
    # SQLite: AUTOINCREMENT, so that a removed assignment's id is never given again
    with op.batch_alter_table('assignments', schema=None,
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.alter_column('end_date', existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint('uq_assignments_cycle_region', type_='unique')
        batch_op.drop_index('uq_assignments_envoy_one_region',
                            sqlite_where=sa.text("role = 'envoy'"),
                            postgresql_where=sa.text("role = 'envoy'"))
        batch_op.drop_constraint('uq_assignments_person_entity', type_='unique')
        batch_op.create_check_constraint('dates', "end_date >= start_date")
        batch_op.create_index('ix_assignments_entity_dates', ['entity_id', 'start_date'],
                              unique=False)
        batch_op.create_index('uq_assignments_envoy_start', ['person_id', 'start_date'],
                              unique=True, sqlite_where=sa.text("role = 'envoy'"),
                              postgresql_where=sa.text("role = 'envoy'"))
        batch_op.create_unique_constraint('uq_assignments_pair_start',
                                          ['person_id', 'entity_id', 'start_date'])
        batch_op.create_unique_constraint('uq_assignments_region_start',
                                          ['region_id', 'start_date'])
    for statement in (ranges.postgresql_create() if dialect == "postgresql"
                      else ranges.sqlite_create()):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in (ranges.postgresql_drop() if dialect == "postgresql"
                      else ranges.sqlite_drop()):
        op.execute(statement)
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint('uq_assignments_region_start', type_='unique')
        batch_op.drop_constraint('uq_assignments_pair_start', type_='unique')
        batch_op.drop_index('uq_assignments_envoy_start',
                            sqlite_where=sa.text("role = 'envoy'"),
                            postgresql_where=sa.text("role = 'envoy'"))
        batch_op.drop_index('ix_assignments_entity_dates')
        batch_op.drop_constraint(op.f('ck_assignments_dates'), type_='check')
        batch_op.create_unique_constraint('uq_assignments_person_entity',
                                          ['cycle_id', 'person_id', 'entity_id'])
        batch_op.create_index('uq_assignments_envoy_one_region', ['cycle_id', 'person_id'],
                              unique=True, sqlite_where=sa.text("role = 'envoy'"),
                              postgresql_where=sa.text("role = 'envoy'"))
        batch_op.create_unique_constraint('uq_assignments_cycle_region',
                                          ['cycle_id', 'region_id'])
        batch_op.alter_column('end_date', existing_type=sa.Date(), nullable=True)

    for table, trained in (('regions', False), ('entities', False), ('people', True)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_route'), type_='check')
            if trained:
                batch_op.drop_column('left_reason')
                batch_op.drop_column('left_on')
                batch_op.drop_column('trained')
            batch_op.drop_column('reviewed')
            batch_op.drop_column('route')
