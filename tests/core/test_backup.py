"""Backups and restores (core/backup/, `make backup` and `make restore`).

The checks before a restore and the manifest are engine-independent, so they are tested with
SQLite files the tests make themselves: they run, unskipped, on SQLite and on PostgreSQL alike.
The round trip with real product data (triggers included) needs PostgreSQL and pg_restore.
"""

import dataclasses
import hashlib
import json
import shutil
import sqlite3
import subprocess
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from psycopg import sql

from accounts.models import Role
from core import backup
from core.backup import BackupError, Database, backup_create, backup_restore, backup_verify
from core.models import AuditEvent, StoredFile
from core.services import audit_record
from core.uploads import upload_accept
from inspections.models import ReportVersion
from reports.models import Document
from reports.services import document_file_name
from tests.core import sample_files
from tests.core.test_uploads import as_file
from tests.factories import person
from tests.inspections.factories import make_inspection
from tests.inspections.reading_factories import make_reading, make_reading_setup

# --- A small SQLite installation made by the test ---------------------------------------------

SCHEMA = """
CREATE TABLE core_storedfile (id INTEGER PRIMARY KEY, file TEXT NOT NULL);
CREATE TABLE core_auditevent (id INTEGER PRIMARY KEY, action TEXT NOT NULL);
CREATE TABLE "odd ""quoted"" name" (id INTEGER PRIMARY KEY);
CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE ON core_auditevent
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
FILES = {
    "uploads/evidence/0a1b2c": b"%PDF-1.7 evidence",
    "documents/inspection_report/7.pdf": b"%PDF-1.7 report \x00\xff",
    "top-level.txt": "Café £50".encode(),
}


def sqlite_installation(root: Path, *, files: dict[str, bytes] = FILES) -> tuple[Database, Path]:
    database = Database(engine="sqlite", name=str(root / "db.sqlite3"))
    media = root / "media"
    root.mkdir(parents=True)
    connection = sqlite3.connect(database.name)
    connection.executescript(SCHEMA)
    connection.executemany(
        "INSERT INTO core_storedfile (file) VALUES (?)", [(name,) for name in files if "/" in name]
    )
    connection.executemany(
        "INSERT INTO core_auditevent (action) VALUES (?)", [("file_uploaded",)] * 5
    )
    connection.execute('INSERT INTO "odd ""quoted"" name" DEFAULT VALUES')
    connection.commit()
    connection.close()
    for name, data in files.items():
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(data)
    return database, media


def sqlite_counts(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: connection.execute(
                'SELECT count(*) FROM "{}"'.format(table.replace('"', '""'))
            ).fetchone()[0]
            for table in tables
        }
    finally:
        connection.close()


def hashes(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def made(tmp_path):
    """A SQLite installation, its backup, and an empty place to restore it to."""
    database, media = sqlite_installation(tmp_path / "source")
    result = backup_create(backup_dir=tmp_path / "backups", database=database, media_root=media)
    target = Database(engine="sqlite", name=str(tmp_path / "target.sqlite3"))
    return database, media, result, target, tmp_path / "restored-media"


def test_a_backup_holds_the_database_the_files_and_a_manifest(made):
    database, media, result, _, _ = made
    folder = result.folder
    assert folder.parent.name == "backups" and folder.name.endswith("Z")
    assert sorted(path.name for path in folder.iterdir()) == [
        "database.sqlite3",
        "files",
        "manifest.json",
    ]
    assert hashes(folder / "files") == hashes(media)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format_version"] == backup.FORMAT_VERSION
    assert manifest["database"]["engine"] == "sqlite"
    assert manifest["database"]["tables"] == {
        "core_auditevent": 5,
        "core_storedfile": 2,
        'odd "quoted" name': 1,
    }
    assert (
        manifest["database"]["sha256"]
        == hashlib.sha256((folder / "database.sqlite3").read_bytes()).hexdigest()
    )
    assert manifest["files"] == {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in FILES.items()
    }
    assert manifest["missing_files"] == []
    assert manifest["created_at"].endswith("Z")
    assert (result.tables, result.rows, result.files) == (3, 8, 3)
    # Backups hold criminal-offence data: private to the service account.
    assert folder.stat().st_mode & 0o077 == 0
    assert (folder / "database.sqlite3").stat().st_mode & 0o077 == 0
    assert not list(folder.parent.glob("*.partial"))


def test_sqlite_round_trip_restores_every_row_file_and_trigger(made):
    database, media, result, target, restored_media = made
    restored = backup_restore(folder=result.folder, database=target, media_root=restored_media)

    assert sqlite_counts(Path(target.name)) == sqlite_counts(Path(database.name))
    assert hashes(restored_media) == hashes(media)
    assert restored.summary == (
        "Restored 3 tables, 8 rows, 3 files; every count and hash matches the manifest."
    )
    with (
        sqlite3.connect(target.name) as restored_db,
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
    ):
        restored_db.execute("UPDATE core_auditevent SET action = 'rewritten'")


def test_a_file_the_database_names_but_storage_lacks_is_listed(tmp_path):
    database, media = sqlite_installation(tmp_path / "source")
    (media / "uploads/evidence/0a1b2c").unlink()
    result = backup_create(backup_dir=tmp_path / "backups", database=database, media_root=media)
    assert result.missing_files == ["uploads/evidence/0a1b2c"]
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["missing_files"] == ["uploads/evidence/0a1b2c"]


def assert_nothing_restored(target: Database, restored_media: Path) -> None:
    assert not Path(target.name).exists()
    assert not restored_media.exists()


@pytest.mark.parametrize(
    "damaged",
    ["files/documents/inspection_report/7.pdf", "database.sqlite3"],
)
def test_restore_refuses_a_tampered_file_naming_it_and_writes_nothing(made, damaged):
    _, _, result, target, restored_media = made
    path = result.folder / damaged
    data = bytearray(path.read_bytes())
    data[-1] ^= 1  # one bit, same size
    path.write_bytes(bytes(data))

    with pytest.raises(BackupError) as refused:
        backup_restore(folder=result.folder, database=target, media_root=restored_media)
    assert refused.value.message == backup.FILE_CHANGED.format(path=damaged)
    assert damaged in refused.value.message
    assert_nothing_restored(target, restored_media)


def test_restore_refuses_a_missing_or_added_file(made):
    _, _, result, target, restored_media = made
    extra = result.folder / "files" / "uploads" / "evidence" / "planted"
    extra.write_bytes(b"not in the manifest")
    with pytest.raises(BackupError) as refused:
        backup_restore(folder=result.folder, database=target, media_root=restored_media)
    assert refused.value.message == backup.FILE_UNEXPECTED.format(
        path="files/uploads/evidence/planted"
    )

    extra.unlink()
    (result.folder / "files" / "top-level.txt").unlink()
    with pytest.raises(BackupError) as refused:
        backup_restore(folder=result.folder, database=target, media_root=restored_media)
    assert refused.value.message == backup.FILE_MISSING.format(path="files/top-level.txt")
    assert_nothing_restored(target, restored_media)


def test_restore_refuses_a_manifest_naming_a_path_outside_the_backup(made):
    _, _, result, target, restored_media = made
    manifest_path = result.folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["../../escaped"] = manifest["files"].pop("top-level.txt")
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(BackupError) as refused:
        backup_restore(folder=result.folder, database=target, media_root=restored_media)
    assert refused.value.message == backup.UNSAFE_PATH.format(path="files/../../escaped")
    assert_nothing_restored(target, restored_media)


def test_restore_refuses_a_database_that_has_tables(made):
    _, _, result, target, restored_media = made
    with sqlite3.connect(target.name) as existing:
        existing.execute("CREATE TABLE accounts_user (id INTEGER PRIMARY KEY)")
    with pytest.raises(BackupError) as refused:
        backup_restore(folder=result.folder, database=target, media_root=restored_media)
    assert refused.value.message == backup.DATABASE_NOT_EMPTY.format(
        name=target.name, count=1, example="accounts_user"
    )
    assert sqlite_counts(Path(target.name)) == {"accounts_user": 0}
    assert not restored_media.exists()


def test_restore_refuses_a_media_root_that_has_files(made):
    _, _, result, target, restored_media = made
    (restored_media / "uploads").mkdir(parents=True)
    (restored_media / "uploads" / "someone-elses").write_bytes(b"keep me")
    with pytest.raises(BackupError) as refused:
        backup_restore(folder=result.folder, database=target, media_root=restored_media)
    assert refused.value.message == backup.MEDIA_NOT_EMPTY.format(path=restored_media)
    assert not Path(target.name).exists()
    assert hashes(restored_media) == {
        "uploads/someone-elses": hashlib.sha256(b"keep me").hexdigest()
    }


def test_restore_into_an_empty_existing_media_root(made):
    _, media, result, target, restored_media = made
    restored_media.mkdir()
    backup_restore(folder=result.folder, database=target, media_root=restored_media)
    assert hashes(restored_media) == hashes(media)


def test_restore_refuses_a_backup_of_another_engine(made):
    _, _, result, _, restored_media = made
    postgres = Database(engine="postgresql", name="justice_h_backup_never_touched")
    with pytest.raises(BackupError) as refused:
        backup_restore(folder=result.folder, database=postgres, media_root=restored_media)
    assert refused.value.message == (
        "The backup holds a sqlite database but this installation uses postgresql. Restore it "
        "into a sqlite database."
    )
    assert not restored_media.exists()


def test_restore_refuses_a_folder_that_is_not_a_backup(made, tmp_path):
    _, _, result, _, _ = made
    with pytest.raises(BackupError) as refused:
        backup_verify(folder=tmp_path / "nowhere")
    assert refused.value.message == backup.NO_SUCH_FOLDER.format(folder=tmp_path / "nowhere")

    half = tmp_path / "half"
    half.mkdir()
    with pytest.raises(BackupError) as refused:
        backup_verify(folder=half)
    assert refused.value.message == backup.NO_MANIFEST.format(folder=half)

    manifest_path = result.folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 2
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(BackupError) as refused:
        backup_verify(folder=result.folder)
    assert refused.value.message == backup.WRONG_FORMAT.format(
        folder=result.folder, found=2, expected=1
    )

    manifest_path.write_text("{not json")
    with pytest.raises(BackupError, match="cannot be read"):
        backup_verify(folder=result.folder)


def test_a_second_backup_in_the_same_second_is_refused(tmp_path):
    database, media = sqlite_installation(tmp_path / "source")
    now = timezone.now()
    first = backup_create(backup_dir=tmp_path / "b", database=database, media_root=media, now=now)
    with pytest.raises(BackupError) as refused:
        backup_create(backup_dir=tmp_path / "b", database=database, media_root=media, now=now)
    assert refused.value.message == backup.FOLDER_EXISTS.format(folder=first.folder)


def test_backup_refuses_when_files_are_not_in_media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    database, _ = sqlite_installation(tmp_path / "source")
    with pytest.raises(BackupError) as refused:
        backup_create(backup_dir=tmp_path / "backups", database=database)
    assert refused.value.message == backup.STORAGE_NOT_FILES.format(
        backend="storages.backends.s3.S3Storage"
    )
    assert not (tmp_path / "backups").exists()


def test_backup_refuses_a_backup_dir_inside_media_root(tmp_path):
    database, media = sqlite_installation(tmp_path / "source")
    with pytest.raises(BackupError) as refused:
        backup_create(backup_dir=media / "backups", database=database, media_root=media)
    assert refused.value.message == backup.BACKUP_DIR_IN_MEDIA.format(
        backup_dir=media / "backups", media_root=media
    )
    assert not (media / "backups").exists()


def test_a_file_deleted_while_the_files_are_copied_is_left_out(tmp_path, monkeypatch):
    database, media = sqlite_installation(tmp_path / "source")
    walk = backup._walk_files

    def walk_then_delete(root):
        for path in walk(root):
            if path.name == "0a1b2c":
                path.unlink()  # retention or a rejected scan, just after the listing
            yield path

    monkeypatch.setattr("core.backup.create._walk_files", walk_then_delete)
    result = backup_create(backup_dir=tmp_path / "backups", database=database, media_root=media)
    assert result.files == 2
    assert result.missing_files == ["uploads/evidence/0a1b2c"]
    assert not (result.folder / "files" / "uploads" / "evidence" / "0a1b2c").exists()
    backup_verify(folder=result.folder)


def test_the_password_reaches_pg_tools_through_the_environment_only(monkeypatch):
    database = Database.from_settings(
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "justice",
            "HOST": "db",
            "PORT": 5432,
            "USER": "justice",
            "PASSWORD": "s3cret",
            "OPTIONS": {"sslmode": "verify-full", "connect_timeout": 5},
        }
    )
    env = database.pg_env()
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"]) == ("db", "5432", "justice")
    assert (env["PGPASSWORD"], env["PGDATABASE"], env["PGSSLMODE"]) == (
        "s3cret",
        "justice",
        "verify-full",
    )
    assert "s3cret" not in repr(database)

    calls = []

    def fake_run(args, **kwargs):
        calls.append((args, kwargs["env"]))
        stderr = "pg_restore: connecting\n" * 9 + "pg_restore: error: could not connect"
        return subprocess.CompletedProcess(args, 1, "", stderr)

    monkeypatch.setattr(subprocess, "run", fake_run)
    with pytest.raises(BackupError) as refused:
        backup._restore_postgresql(database, Path("database.dump"))
    [(args, env)] = calls
    assert not any("s3cret" in arg for arg in args)
    assert env["PGPASSWORD"] == "s3cret"
    assert refused.value.message == backup.PG_RESTORE_FAILED.format(
        stderr="pg_restore: connecting\n" * 4 + "pg_restore: error: could not connect"
    )


# --- The commands -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_backup_command_prints_the_folder_it_wrote(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    default_storage.save("uploads/evidence/abc", ContentFile(b"evidence"))
    out = StringIO()
    call_command("backup", stdout=out)
    folders = list((tmp_path / "backups").iterdir())
    assert len(folders) == 1
    assert out.getvalue().startswith(f"Backup written to {folders[0]}: ")
    assert ", 1 file, " in out.getvalue()
    backup_verify(folder=folders[0])


def test_restore_command_explains_a_refusal(tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(tmp_path / "nowhere"))
    assert str(refused.value) == backup.NO_SUCH_FOLDER.format(folder=tmp_path / "nowhere")


# --- PostgreSQL: the round trip with product data -------------------------------------------------


def pg_counts(database: Database) -> dict[str, int]:
    with database.pg_connect() as pg:
        tables = pg.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        return {
            table: pg.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for (table,) in tables
        }


@pytest.fixture
def restore_database(django_db_setup):
    """A new, empty database next to the test database, dropped afterwards."""
    source = Database.default()
    target = dataclasses.replace(source, name=f"{source.name}_restore")
    with source.pg_connect(autocommit=True) as pg:
        pg.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(target.name)))
        pg.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.name)))
    yield target
    with source.pg_connect(autocommit=True) as pg:
        pg.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target.name))
        )


def populate(settings) -> dict:
    inspection = make_inspection()
    sample, records, reader = make_reading_setup(inspection, size=4, population=12)
    make_reading(records[0], reader)
    stored = upload_accept(
        file=as_file(sample_files.pdf(), "evidence.pdf"), policy="evidence", by=reader
    )
    version = ReportVersion.objects.create(
        inspection=inspection,
        number=1,
        status=ReportVersion.Status.PUBLISHED,
        content={"title": "Published report"},
        published_at=timezone.now(),
    )
    pdf = sample_files.pdf() + b"% rendered"
    document = Document.objects.create(
        kind="inspection_report", subject=version, version=1, title="Report", state="queued"
    )
    name = default_storage.save(document_file_name(document), ContentFile(pdf))
    Document.objects.filter(pk=document.pk).update(
        file=name,
        state=Document.State.READY,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        rendered_at=timezone.now(),
    )
    audit_record(action="backup_test", actor=person(Role.INSPECTOR), obj=inspection)
    return {"stored": stored, "document": document, "version": version}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_round_trip_restores_every_row_file_and_trigger(
    reference_data, settings, tmp_path, restore_database
):
    made = populate(settings)
    source = Database.default()
    result = backup_create(backup_dir=tmp_path / "backups", database=source)
    assert sorted(path.name for path in result.folder.iterdir()) == [
        "database.dump",
        "files",
        "manifest.json",
    ]
    assert result.missing_files == []

    restored_media = tmp_path / "restored-media"
    restored = backup_restore(
        folder=result.folder, database=restore_database, media_root=restored_media
    )

    before, after = pg_counts(source), pg_counts(restore_database)
    assert after == before
    for table in [
        "core_storedfile",
        "core_auditevent",
        "reports_document",
        "inspections_reading",
        "inspections_samplerecord",
        "inspections_reportversion",
    ]:
        assert after[table] > 0, table
    assert hashes(restored_media) == hashes(Path(settings.MEDIA_ROOT))
    assert len(hashes(restored_media)) == 2
    assert restored.summary == (
        f"Restored {len(before)} tables, {sum(before.values()):,} rows, 2 files; "
        "every count and hash matches the manifest."
    )

    # The restored files are the ones the restored rows name, with the hashes they recorded.
    with restore_database.pg_connect() as pg:
        for table in ["core_storedfile", "reports_document"]:
            rows = pg.execute(
                sql.SQL("SELECT file, sha256 FROM {} WHERE file <> ''").format(
                    sql.Identifier(table)
                )
            ).fetchall()
            for name, sha256 in rows:
                digest = hashlib.sha256((restored_media / name).read_bytes()).hexdigest()
                assert digest == sha256, name
        assert pg.execute(
            "SELECT content FROM inspections_reportversion WHERE id = %s", [made["version"].pk]
        ).fetchone()[0] == {"title": "Published report"}

    # The triggers came back after the data, and refuse changes from any client.
    for statement, message in [
        ("UPDATE core_auditevent SET detail = 'rewritten'", "append-only"),
        ("DELETE FROM core_auditevent", "append-only"),
        ("UPDATE inspections_reportversion SET content = '{}'", "content cannot be changed"),
    ]:
        with restore_database.pg_connect() as pg, pytest.raises(psycopg.Error, match=message):
            pg.execute(statement)
    assert AuditEvent.objects.count() == before["core_auditevent"]
    assert StoredFile.objects.get().sha256 == made["stored"].sha256


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_is_one_snapshot_and_a_late_file_is_only_an_orphan(
    reference_data, settings, tmp_path, restore_database, monkeypatch
):
    """A row committed while pg_dump starts is in neither the dump nor the manifest's counts; a
    file written meanwhile is copied as an orphan, and the restore still matches."""
    media = Path(settings.MEDIA_ROOT)
    (media / "uploads" / "evidence").mkdir(parents=True)
    wrapper = tmp_path / "pg_dump"
    wrapper.write_text(
        "#!/bin/sh\n"
        'psql -qAt -c "INSERT INTO core_publicholiday (date, name, region) VALUES '
        "('2099-01-01', 'Written during the dump', 'scotland')\" || exit 1\n"
        f"printf late > '{media}/uploads/evidence/late'\n"
        f'exec {backup.PG_DUMP} "$@"\n'
    )
    wrapper.chmod(0o700)
    monkeypatch.setattr("core.backup.postgres.PG_DUMP", str(wrapper))
    source = Database.default()
    before = pg_counts(source)["core_publicholiday"]

    result = backup_create(backup_dir=tmp_path / "backups", database=source)
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert pg_counts(source)["core_publicholiday"] == before + 1
    assert manifest["database"]["tables"]["core_publicholiday"] == before
    assert "uploads/evidence/late" in manifest["files"]

    backup_restore(
        folder=result.folder, database=restore_database, media_root=tmp_path / "restored"
    )
    assert pg_counts(restore_database)["core_publicholiday"] == before
    assert (tmp_path / "restored" / "uploads" / "evidence" / "late").read_bytes() == b"late"


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_restore_failure_shows_pg_restore_and_leaves_storage_empty(
    tmp_path, restore_database
):
    folder = tmp_path / "backup"
    (folder / "files").mkdir(parents=True)
    (folder / "database.dump").write_bytes(b"PGDMP not really a dump")
    (folder / "files" / "kept").write_bytes(b"file")
    manifest = {
        "format": backup.FORMAT,
        "format_version": backup.FORMAT_VERSION,
        "database": {
            "engine": "postgresql",
            "file": "database.dump",
            "sha256": hashlib.sha256(b"PGDMP not really a dump").hexdigest(),
            "size": 23,
            "tables": {},
        },
        "files": {"kept": {"sha256": hashlib.sha256(b"file").hexdigest(), "size": 4}},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    restored_media = tmp_path / "restored-media"

    with pytest.raises(BackupError) as refused:
        backup_restore(folder=folder, database=restore_database, media_root=restored_media)
    assert refused.value.message.startswith(
        "pg_restore could not load the database; nothing was restored. Its last words were:\n"
        "pg_restore: error:"
    )
    assert not restored_media.exists()
    assert pg_counts(restore_database) == {}


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_restore_refuses_a_database_with_tables(tmp_path, settings):
    result = backup_create(backup_dir=tmp_path / "backups")
    with pytest.raises(BackupError) as refused:
        backup_restore(folder=result.folder, media_root=tmp_path / "restored-media")
    assert refused.value.message.startswith(
        f"The database {connection.settings_dict['NAME']} is not empty: it holds "
    )
    assert not (tmp_path / "restored-media").exists()
    shutil.rmtree(result.folder)
