"""Backups: the rotation rule, the daily pass, and restores across schema revisions.

The database tests run on SQLite, and on PostgreSQL when ``IPBOT_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.config import Settings
from bot.services import backup as backups
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.store import migrate
from bot.store.db import make_engine
from bot.store.models import Person
from tests.conftest import TOKEN, TZ
from tests.helpers import insert_rows, load_sample_rosters

# --- the rotation rule -------------------------------------------------------------------


def names(*days: str, suffix: str = ".sqlite3") -> list[str]:
    return [f"ipbot-{day}{suffix}" for day in days]


def test_rotation_keeps_the_newest_days_and_deletes_the_oldest_first():
    files = names("2026-03-01", "2026-02-27", "2026-03-02", "2026-02-28")
    assert backups.expired(files, keep=2) == names("2026-02-27", "2026-02-28")
    assert backups.expired(files, keep=4) == []
    assert backups.expired(files, keep=9) == []
    assert backups.expired(files, keep=1) == names("2026-02-27", "2026-02-28", "2026-03-01")


def test_rotation_orders_by_the_date_in_the_name_across_years():
    files = names("2027-01-02", "2026-12-31", "2027-01-01")
    assert backups.expired(files, keep=2) == names("2026-12-31")


def test_rotation_leaves_other_files_alone():
    files = [*names("2026-03-01", "2026-03-02"), *names("2026-01-01", suffix=".dump"),
             "ipbot-2026-01-01.sqlite3.partial", "notes.txt", "ipbot-latest.sqlite3",
             "ipbot-2026-1-1.sqlite3", "xipbot-2025-01-01.sqlite3"]
    assert backups.expired(files, keep=2) == names("2026-01-01", suffix=".dump")


def test_rotation_needs_at_least_one_kept():
    with pytest.raises(ValueError):
        backups.expired(names("2026-03-01"), keep=0)


# --- the daily pass ----------------------------------------------------------------------


def pass_services(db_url: str, **extra: object) -> Services:
    return Services.create(Settings(token=TOKEN, database_url=db_url,  # type: ignore[call-arg]
                                    _env_file=None, **extra))


def test_the_backup_pass_is_off_by_default(db_url):
    svc = pass_services(db_url)
    try:
        assert backups.backup_pass(svc, datetime(2026, 3, 2, 3, 0, tzinfo=TZ)) == \
            backups.PassResult(enabled=False)
    finally:
        svc.close()


def test_the_backup_pass_writes_one_file_a_local_day_and_rotates(db_url, tmp_path):
    folder = tmp_path / "backups"
    svc = pass_services(db_url, backup_dir=folder, backup_keep=3)
    load_sample_rosters(svc)
    kind = backups.backend(db_url)
    suffix = backups.SUFFIX[kind]
    (folder / "keep-me.txt").parent.mkdir()
    (folder / "keep-me.txt").write_text("not a backup")
    try:
        start = datetime(2026, 3, 1, 2, 0, tzinfo=TZ)  # 2026-02-28 18:00 UTC: local date counts
        first = backups.backup_pass(svc, start)
        assert first.written == folder / f"ipbot-2026-03-01{suffix}" and first.deleted == ()
        again = backups.backup_pass(svc, start + timedelta(hours=20))
        assert again == backups.PassResult(enabled=True)  # same local day: nothing new
        for day in range(1, 5):
            done = backups.backup_pass(svc, start + timedelta(days=day))
            assert done.written is not None
        assert sorted(p.name for p in folder.iterdir()) == [
            f"ipbot-2026-03-03{suffix}", f"ipbot-2026-03-04{suffix}", f"ipbot-2026-03-05{suffix}",
            "keep-me.txt"]
        assert done.deleted == (folder / f"ipbot-2026-03-02{suffix}",)
        assert backups.read_revision(folder / f"ipbot-2026-03-05{suffix}") == \
            migrate.head_revision(db_url)
    finally:
        svc.close()


# --- restores ----------------------------------------------------------------------------


def count_people(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Person)) or 0
    finally:
        engine.dispose()


def set_revision(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        engine.dispose()


def backup_file(url: str, tmp_path: Path, name: str = "b") -> Path:
    return tmp_path / f"{name}{backups.SUFFIX[backups.backend(url)]}"


def test_a_backup_of_an_older_revision_is_upgraded_after_the_restore(empty_database, tmp_path):
    old = empty_database()
    migrate.upgrade(old, "0004")
    now = datetime(2026, 1, 1, tzinfo=TZ)
    insert_rows(old, "people", [{"name": "测试员", "unit": "u", "ip_degree": False,
                                 "experience_years": 0, "in_service": True,
                                 "created_at": now, "updated_at": now}])
    file = backup_file(old, tmp_path)
    assert backups.backup(old, file).revision == "0004"

    target = empty_database()
    done = backups.restore(target, file)
    assert (done.revision, done.head, done.upgraded) == ("0004", migrate.head_revision(target),
                                                         True)
    assert migrate.current_revision(target) == migrate.head_revision(target)
    assert count_people(target) == 1
    # rows added after the restore get new ids (sequences restored past the explicit ones)
    svc = pass_services(target)
    try:
        load_sample_rosters(svc)
    finally:
        svc.close()
    assert count_people(target) == 10


def test_a_backup_from_a_newer_program_is_refused_and_changes_nothing(db_url, empty_database,
                                                                      tmp_path):
    svc = pass_services(db_url)
    try:
        load_sample_rosters(svc)
    finally:
        svc.close()
    set_revision(db_url, "9999_from_a_newer_program")
    file = backup_file(db_url, tmp_path)
    backups.backup(db_url, file)
    target = empty_database()
    migrate.upgrade(target)
    with pytest.raises(ServiceError) as refused:
        backups.restore(target, file, force=True)
    assert refused.value.code == "backup.newer_revision"
    assert refused.value.values == {"revision": "9999_from_a_newer_program",
                                    "head": migrate.head_revision(target)}
    assert count_people(target) == 0
    assert migrate.current_revision(target) == migrate.head_revision(target)


def test_restore_refuses_a_database_holding_data_unless_forced(db_url, empty_database,
                                                               tmp_path):
    file = backup_file(db_url, tmp_path)
    backups.backup(db_url, file)  # a migrated, empty database
    svc = pass_services(db_url)
    try:
        load_sample_rosters(svc)
    finally:
        svc.close()
    with pytest.raises(ServiceError) as refused:
        backups.restore(db_url, file)
    assert refused.value.code == "backup.target_not_empty"
    assert count_people(db_url) == 9
    backups.restore(db_url, file, force=True)
    assert count_people(db_url) == 0
    # an empty migrated database is not "holding data": no --force needed
    target = empty_database()
    migrate.upgrade(target)
    backups.restore(target, file)


def test_a_backup_does_not_overwrite_a_file_unless_forced(db_url, tmp_path):
    file = backup_file(db_url, tmp_path)
    file.write_bytes(b"precious")
    with pytest.raises(ServiceError) as refused:
        backups.backup(db_url, file)
    assert refused.value.code == "backup.file_exists"
    assert file.read_bytes() == b"precious"
    assert backups.backup(db_url, file, force=True).size == file.stat().st_size
    assert backups.read_revision(file) == migrate.head_revision(db_url)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_what_is_not_a_backup_is_named_as_such(db_url, tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("SQLite? no.")
    for path, code in ((tmp_path / "missing", "backup.file_missing"),
                       (junk, "backup.bad_format"), (tmp_path, "backup.file_missing")):
        with pytest.raises(ServiceError) as refused:
            backups.restore(db_url, path)
        assert refused.value.code == code
