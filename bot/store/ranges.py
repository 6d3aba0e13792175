""""No overlapping ranges" for assignments, as the database enforces it.

At any date an envoy serves one region, a region has one envoy, and a commissioner serves an
entity through one assignment. Ranges are inclusive (``start_date .. end_date``).

* PostgreSQL: three exclusion constraints over ``daterange(start_date, end_date, '[]')``
  (the ``btree_gist`` extension lets ``=`` on the ids share the GiST index).
* SQLite has no exclusion constraints; two triggers refuse an insert or an update that would
  overlap. SQLite runs one writer at a time, so the trigger sees every committed range.

Both refuse with an integrity error; the services check first and name the conflict, so the
database's refusal is only met by a write that raced another.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, column, func, literal_column, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint

TABLE = "assignments"

# (name, equal columns, condition on a row; {t} is its table prefix): the same three rules
# on both databases
RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("ex_assignments_region_dates", ("region_id",), "{t}region_id IS NOT NULL"),
    ("ex_assignments_envoy_dates", ("person_id",), "{t}role = 'envoy'"),
    ("ex_assignments_pair_dates", ("person_id", "entity_id"), "{t}entity_id IS NOT NULL"),
)
TRIGGERS = ("tr_assignments_no_overlap_insert", "tr_assignments_no_overlap_update")
_RANGE = "daterange(start_date, end_date, '[]')"


def exclusion_constraints() -> list[ExcludeConstraint]:
    """The PostgreSQL constraints as model objects (created only on PostgreSQL)."""
    out = []
    for name, equal, where in RULES:
        elements: list[tuple[Any, str]] = [(column(c), "=") for c in equal]
        elements.append((func.daterange(column("start_date"), column("end_date"),
                                        literal_column("'[]'")), "&&"))
        constraint = ExcludeConstraint(*elements, name=name, using="gist",
                                       where=text(where.format(t="")))
        out.append(constraint.ddl_if(dialect="postgresql"))
    return out


def postgresql_create() -> list[str]:
    statements = ["CREATE EXTENSION IF NOT EXISTS btree_gist"]
    for name, equal, where in RULES:
        parts = ", ".join(f"{c} WITH =" for c in equal)
        statements.append(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} EXCLUDE USING gist "
                          f"({parts}, {_RANGE} WITH &&) WHERE ({where.format(t='')})")
    return statements


def postgresql_drop() -> list[str]:
    return [f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {name}" for name, _, _ in RULES]


def _overlap(new: str, *, update: bool) -> str:
    """SQL true when another row conflicts with the row ``new`` (NEW in a trigger)."""
    rules = []
    for _name, equal, where in RULES:
        same = " AND ".join(f"a.{c} = {new}.{c}" for c in equal)
        mine, theirs = where.format(t=f"{new}."), where.format(t="a.")
        rules.append(f"({mine} AND {theirs} AND {same})")
    other = f" AND a.id <> {new}.id" if update else ""
    return (f"EXISTS (SELECT 1 FROM {TABLE} a WHERE a.start_date <= {new}.end_date"
            f" AND {new}.start_date <= a.end_date{other} AND ({' OR '.join(rules)}))")


def sqlite_create() -> list[str]:
    raise_ = "SELECT RAISE(ABORT, 'assignment ranges overlap');"
    return [
        f"CREATE TRIGGER {TRIGGERS[0]} BEFORE INSERT ON {TABLE} "
        f"WHEN {_overlap('NEW', update=False)} BEGIN {raise_} END",
        f"CREATE TRIGGER {TRIGGERS[1]} BEFORE UPDATE OF person_id, role, entity_id, region_id,"
        f" start_date, end_date ON {TABLE} WHEN {_overlap('NEW', update=True)} "
        f"BEGIN {raise_} END",
    ]


def sqlite_drop() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]


class _Triggers:
    """``after_create`` of the table: the SQLite triggers (for ``metadata.create_all``)."""

    def __call__(self, target: Any, connection: Any, **kw: Any) -> None:
        if connection.dialect.name == "sqlite":
            for statement in sqlite_create():
                connection.execute(DDL(statement))


def sqlite_triggers_ddl() -> _Triggers:
    return _Triggers()
