"""`beffroi backup` and `beffroi restore`: a round trip restores every table's rows, the media and the secret key.

The database is backed up while this process holds it open (SQLite's online backup API; pg_dump on
PostgreSQL), restored into an empty database, then compared table by table: row counts, and the first and
last rows of each table by primary key.
"""

import os
import tarfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from beffroi.budgeting.pabulib import read_pabulib
from beffroi.budgeting.services import budget_import_pabulib
from beffroi.core import backups
from beffroi.datahub import services as datahub
from tests.factories import CommuneFactory, member

PB = Path(__file__).resolve().parents[1] / "data" / "pabulib" / "Poland_Warszawa_2017_Aleksandrow.pb"
SAMPLE = 3  # rows compared at each end of every table


@pytest.fixture
def data_dir(tmp_path, settings):
    directory = tmp_path / "data"
    (directory / "media" / "signalements").mkdir(parents=True)
    (directory / "media" / "signalements" / "photo.jpg").write_bytes(b"\xff\xd8 une photo \xff\xd9")
    (directory / "secret_key").write_text("la-cle-secrete-de-cette-instance")
    settings.DATA_DIR = directory
    settings.MEDIA_ROOT = directory / "media"
    return directory


def _fill():
    """Rows in many tables, written through the services: a commune, members, a counted budget, measurements."""
    commune = CommuneFactory(slug="sauvegarde", name="Sauvegarde")
    admin = member(commune, "admin")
    member(commune, "habitant")
    budget_import_pabulib(commune=commune, actor=admin, pb=read_pabulib(PB), slug="warszawa")
    entity = datahub.entity_create(
        commune=commune,
        entity={"id": "urn:ngsi-ld:AirQualityObserved:1", "type": "AirQualityObserved"},
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    datahub.observation_ingest_batch(
        commune=commune,
        measurements=[
            (
                entity.entity_id,
                "https://smartdatamodels.org/dataModel.Environment/no2",
                start + timedelta(minutes=i),
                i,
                "",
            )
            for i in range(200)
        ],
    )


def _sample(cursor, table, quote):
    """Every table's row count, and its first and last rows in primary-key order (all columns, as text)."""
    cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
    count = cursor.fetchone()[0]
    cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY 1 LIMIT {SAMPLE}")  # noqa: S608
    first = [tuple(map(str, row)) for row in cursor.fetchall()]
    cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY 1 DESC LIMIT {SAMPLE}")  # noqa: S608
    last = [tuple(map(str, row)) for row in cursor.fetchall()]
    return count, first, last


def _live_tables():
    """The database the tests run on, read through a connection of its own as the restored copy is (Django's
    own SQLite connection converts booleans, dates and decimals)."""
    return _restored_tables(str(connection.settings_dict["NAME"]))


def _restored_tables(target):
    if connection.vendor == "sqlite":
        import sqlite3

        with sqlite3.connect(target, uri=target.startswith("file:")) as conn:
            names = [
                n
                for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                if not n.startswith("sqlite_")
            ]
            return {t: _sample(conn.cursor(), t, connection.ops.quote_name) for t in names}
    import psycopg

    with psycopg.connect(**backups._pg_params(target)) as conn, conn.cursor() as cursor:
        names = backups._pg_tables(cursor)
        return {t: _sample(cursor, t, connection.ops.quote_name) for t in names}


@pytest.fixture
def empty_database(tmp_path):
    """An empty database to restore into: a new SQLite file, or a new database on the PostgreSQL server."""
    if connection.vendor == "sqlite":
        yield str(tmp_path / "restored" / "beffroi.sqlite3")
        return
    import psycopg

    name = f"restored_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**backups._pg_params(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(**backups._pg_params(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_row_media_and_secret_key(data_dir, tmp_path, empty_database, settings):
    _fill()
    call_command("backup", output=tmp_path / "backups", stdout=open(os.devnull, "w"))  # noqa: SIM115
    (archive,) = (tmp_path / "backups").glob("beffroi-*.tar.gz")
    assert archive.with_name(archive.name + ".sha256").read_text().startswith(backups.sha256_of(archive))
    with tarfile.open(archive) as tar:
        manifest = backups.json.load(tar.extractfile("manifest.json"))
    live = _live_tables()
    assert manifest["rows"] == {t: count for t, (count, _f, _l) in live.items()}
    assert manifest["migrations"]["budgeting"] and manifest["engine"] in ("sqlite", "postgresql")
    assert manifest["rows"]["budgeting_ballot"] > 100 and manifest["rows"]["datahub_observation"] == 200

    # A new machine: an empty data directory (with the key its settings generated) and an empty database.
    new = tmp_path / "new"
    new.mkdir()
    (new / "secret_key").write_text("une-autre-cle-generee-au-demarrage")
    settings.DATA_DIR = new
    settings.MEDIA_ROOT = new / "media"
    backups.backup_restore(archive=archive, database=empty_database)

    assert _restored_tables(empty_database) == live
    assert (new / "media" / "signalements" / "photo.jpg").read_bytes() == b"\xff\xd8 une photo \xff\xd9"
    assert (new / "secret_key").read_text() == "la-cle-secrete-de-cette-instance"

    # Restoring again over what is now there is refused, in French, and changes nothing.
    with pytest.raises(backups.BackupError, match="contient déjà des données"):
        backups.backup_restore(archive=archive, database=empty_database)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_damaged_archive_before_touching_anything(data_dir, tmp_path, empty_database):
    CommuneFactory(slug="abimee")
    result = backups.backup_create(output_dir=tmp_path / "backups")
    with result.archive.open("r+b") as stream:  # one byte changed in the middle of the archive
        stream.seek(result.archive.stat().st_size // 2)
        byte = stream.read(1)
        stream.seek(-1, 1)
        stream.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(backups.BackupError, match="ne correspond pas à sa somme de contrôle"):
        backups.backup_restore(archive=result.archive, database=empty_database)
    result.checksum.unlink()
    with pytest.raises(backups.BackupError, match="introuvable"):
        backups.backup_restore(archive=result.archive, database=empty_database)
    assert not backups.database_holds_data(empty_database)


@pytest.mark.django_db(transaction=True)
def test_secret_key_from_the_environment_is_left_out(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "fournie-par-l-environnement")
    with override_settings(SECRET_KEY="fournie-par-l-environnement"):
        result = backups.backup_create(output_dir=tmp_path / "backups")
    with tarfile.open(result.archive) as tar:
        names = tar.getnames()
    assert "secret_key" not in names and "media/signalements/photo.jpg" in names
    assert result.manifest["secret_key_in_archive"] is False
