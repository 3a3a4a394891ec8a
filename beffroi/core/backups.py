"""Online backups and their restore: the database, the uploaded media and the secret key in one dated archive.

`backup_create` writes ``beffroi-YYYYMMDD-HHMMSS.tar.gz`` and ``….tar.gz.sha256`` beside it (the format of
``sha256sum``, so ``sha256sum -c`` checks it too). Inside the archive:

- ``database.sqlite3``: a consistent copy taken with SQLite's online backup API while the server runs (the
  database is in WAL mode: copying the file alone could miss what still sits in the ``-wal`` file), or
  ``database.dump``: ``pg_dump`` in its custom format, taken in a snapshot exported by the transaction that
  counted the rows, so the counts and the dump describe the same instant;
- ``media/``: the uploaded files (photos of signalements, documents);
- ``secret_key``: the key generated into the data directory (absent when SECRET_KEY comes from the environment);
- ``manifest.json``: Beffroi's version, the engine, the applied migrations and the number of rows of each table.

`backup_restore` checks the checksum first, refuses a database or media directory that already holds data
(unless ``force``), restores, then compares every table's row count with the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message is in French, for the operator (as every
    command's messages: they are not translated)."""


@dataclass(frozen=True)
class BackupResult:
    archive: Path
    checksum: Path
    manifest: dict[str, Any]


def _engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


def _version() -> str:
    try:
        return metadata.version("beffroi")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree without install
        return "inconnue"


def _row_counts(cursor: Any, tables: list[str], quote: Any) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - names from the catalogue
        counts[table] = cursor.fetchone()[0]
    return counts


def _migrations(cursor: Any) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [name for (name,) in rows]


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_snapshot(target: Path) -> dict[str, Any]:
    """Copy the live SQLite database into `target` with the online backup API; its migrations and row counts."""
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)  # Django's sqlite3 connection: the online backup API
        cursor = copy.cursor()
        return {
            "migrations": _migrations(cursor),
            "rows": _row_counts(cursor, _sqlite_tables(copy), _sqlite_quote),
        }


def _pg_env() -> dict[str, str]:
    """libpq's environment for pg_dump and pg_restore, from the Django connection's settings."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[name] = str(db[key])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} est introuvable : installez le client PostgreSQL (paquet postgresql-client)."
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} a échoué : {done.stderr.strip()[-2000:]}")


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [name for (name,) in cursor.fetchall()]


def postgresql_snapshot(target: Path) -> dict[str, Any]:
    """Dump the PostgreSQL database into `target` (pg_dump, custom format) and count its rows at the same instant.

    The counting transaction exports its snapshot (REPEATABLE READ) and pg_dump reads in it (``--snapshot``).
    """
    if connection.in_atomic_block:
        raise BackupError("La sauvegarde doit être lancée hors d'une transaction.")
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:  # autocommit: the BEGIN below is ours
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            manifest = {
                "migrations": _migrations(cursor),
                "rows": _row_counts(cursor, _pg_tables(cursor), connection.ops.quote_name),
            }
            _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"], _pg_env())
        finally:
            cursor.execute("ROLLBACK")
    return manifest


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _secret_key_file() -> Path:
    return Path(settings.DATA_DIR) / "secret_key"


def backup_create(*, output_dir: Path, now: datetime | None = None) -> BackupResult:
    """Write one dated archive of the database, the media and the secret key into `output_dir`, with its checksum.

    Safe while the server and the workers run. The archive is written under a temporary name and renamed once
    complete, readable by its owner only (it holds the secret key).
    """
    now = now or datetime.now(UTC)
    output_dir.mkdir(parents=True, exist_ok=True)
    name = f"beffroi-{now:%Y%m%d-%H%M%S}.tar.gz"
    archive = output_dir / name
    if archive.exists():
        raise BackupError(f"L'archive {archive} existe déjà.")
    engine = _engine()
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".beffroi-backup-") as work:
        database = Path(work) / (SQLITE_FILE if engine == "sqlite" else PG_FILE)
        contents = sqlite_snapshot(database) if engine == "sqlite" else postgresql_snapshot(database)
        key_file = _secret_key_file()
        key_in_archive = key_file.is_file() and not os.environ.get("SECRET_KEY")
        manifest = {
            "format": 1,
            "beffroi_version": _version(),
            "created_at": now.isoformat(),
            "engine": engine,
            "secret_key_in_archive": key_in_archive,
            **contents,
        }
        (Path(work) / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        partial = Path(work) / name
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(Path(work) / MANIFEST, arcname=MANIFEST)
            tar.add(database, arcname=database.name)
            if key_in_archive:
                tar.add(key_file, arcname="secret_key")
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                tar.add(media, arcname="media")
        partial.chmod(0o600)
        digest = sha256_of(partial)
        partial.rename(archive)
    checksum = output_dir / f"{name}.sha256"
    checksum.write_text(f"{digest}  {name}\n", encoding="ascii")
    return BackupResult(archive=archive, checksum=checksum, manifest=manifest)


def checksum_verify(archive: Path) -> None:
    """Compare the archive with the SHA-256 written beside it; a French BackupError if absent or different."""
    checksum = archive.with_name(archive.name + ".sha256")
    if not checksum.is_file():
        raise BackupError(
            f"Fichier de contrôle {checksum.name} introuvable : l'archive ne peut pas être vérifiée."
        )
    expected = checksum.read_text(encoding="ascii", errors="replace").split()[:1]
    if expected != [sha256_of(archive)]:
        raise BackupError(
            f"L'archive {archive.name} ne correspond pas à sa somme de contrôle : elle est incomplète ou abîmée. "
            "Rien n'a été restauré."
        )


def _pg_params(database: str | None = None) -> dict[str, Any]:
    db = settings.DATABASES["default"]
    params = {"dbname": database or str(db["NAME"])}
    for key in ("HOST", "PORT", "USER", "PASSWORD"):
        if db.get(key):
            params[key.lower()] = str(db[key])
    return params


def _pg_counts(database: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(**_pg_params(database)) as conn, conn.cursor() as cursor:
        return _row_counts(cursor, _pg_tables(cursor), connection.ops.quote_name)


def _sqlite_counts(database: Path) -> dict[str, int]:
    if not database.is_file() or database.stat().st_size == 0:
        return {}
    with sqlite3.connect(database) as conn:
        return _row_counts(conn.cursor(), _sqlite_tables(conn), _sqlite_quote)


def _target(database: str | None) -> str:
    """The database restored into: `database` (a SQLite file or a PostgreSQL database name) or the configured one."""
    return database or str(settings.DATABASES["default"]["NAME"])


def database_holds_data(database: str | None = None) -> bool:
    """Whether the database restored into already has tables (a restore would overwrite them)."""
    if _engine() == "sqlite":
        return bool(_sqlite_counts(Path(_target(database))))
    return bool(_pg_counts(_target(database)))


def _media_holds_files(media: Path) -> bool:
    return media.is_dir() and any(media.iterdir())


def backup_restore(*, archive: Path, force: bool = False, database: str | None = None) -> dict[str, Any]:
    """Restore `archive` into the configured database (or `database`), media directory and data directory.

    The checksum is verified before anything is read. A database with tables or a media directory with files
    is refused unless `force` (then they are replaced). Every table's row count is compared with the manifest
    afterwards; the manifest is returned. Stop the server and the workers first.
    """
    if not archive.is_file():
        raise BackupError(f"Archive introuvable : {archive}")
    checksum_verify(archive)
    media = Path(settings.MEDIA_ROOT)
    target = _target(database)
    if not force and (database_holds_data(target) or _media_holds_files(media)):
        raise BackupError(
            "La base de données ou le dossier des médias contient déjà des données : la restauration les "
            "remplacerait. Restaurez dans un dossier de données et une base vides, ou relancez avec --force "
            "pour tout remplacer (arrêtez d'abord le serveur et les workers)."
        )
    with tempfile.TemporaryDirectory(prefix=".beffroi-restore-", dir=Path(settings.DATA_DIR)) as work:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")
        manifest = json.loads((Path(work) / MANIFEST).read_text(encoding="utf-8"))
        engine = _engine()
        if manifest["engine"] != engine:
            raise BackupError(
                f"Cette archive vient d'une base {manifest['engine']} ; la base configurée ici est {engine}. "
                "Restaurez-la sur le même moteur (DATABASE_URL)."
            )
        if database is None:
            connection.close()  # nothing of this process keeps the old database open
        if engine == "sqlite":
            _sqlite_restore(Path(work) / SQLITE_FILE, Path(target))
            rows = _sqlite_counts(Path(target))
        else:
            _postgresql_restore(Path(work) / PG_FILE, target, clean=force)
            rows = _pg_counts(target)
        if (Path(work) / "media").is_dir():
            if media.exists():
                shutil.rmtree(media)
            shutil.copytree(Path(work) / "media", media)
        if (Path(work) / "secret_key").is_file():
            key_file = _secret_key_file()
            key_file.write_text((Path(work) / "secret_key").read_text())
            key_file.chmod(0o600)
    differ = sorted(t for t, n in manifest["rows"].items() if rows.get(t) != n)
    if differ:
        raise BackupError(
            f"Restauration incomplète : le nombre de lignes diffère du manifeste pour {', '.join(differ)}."
        )
    return manifest


def _sqlite_restore(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)  # page by page, through SQLite: a WAL left beside an old file stays consistent
        dst.execute("PRAGMA journal_mode=WAL")


def _postgresql_restore(dump: Path, target: str, *, clean: bool) -> None:
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if clean:
        command += ["--clean", "--if-exists"]
    env = _pg_env()
    env["PGDATABASE"] = target
    _run([*command, f"--dbname={target}", str(dump)], env)
