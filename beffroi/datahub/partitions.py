"""The observation table partitioned by month on PostgreSQL (migration 0008_partition_observations).

PostgreSQL's native range partitioning on ``observed_at``: one partition per calendar month (UTC), named
``datahub_observation_pYYYY_MM``. A month's partition is created before a measurement of that month is
inserted (``ensure_months``, called by the ingestion), and the coming months' ahead of time by the alerts pass
(``ensure_ahead``), so the insert path rarely meets a missing one; an old month is detached, written to a
compressed CSV file and dropped by ``beffroi datahub archiver --avant YYYY-MM`` (``archive_month``).

On SQLite the table is not partitioned and every function here does nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

from django.db import connection, transaction

log = logging.getLogger(__name__)

TABLE = "datahub_observation"
AHEAD_MONTHS = 3
# Months whose partition this process has seen or created (per database): the check is skipped for them. A
# partition archived by another process is found missing again by the insert, which creates it anew.
_known: set[tuple[str, date]] = set()
_partitioned: dict[str, bool] = {}


def month_of(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_p{month.year:04d}_{month.month:02d}"


def _database() -> str:
    return str(connection.settings_dict["NAME"])


def is_partitioned() -> bool:
    """Whether the observation table is partitioned here (PostgreSQL, migration applied)."""
    if connection.vendor != "postgresql":
        return False
    key = _database()
    if key not in _partitioned:
        with connection.cursor() as cursor:
            cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
            row = cursor.fetchone()
        _partitioned[key] = bool(row and row[0] == "p")
    return _partitioned[key]


def forget() -> None:
    """Forget what this process knows of the partitions (after an insert met a missing one, or a test)."""
    _known.clear()
    _partitioned.clear()


def ensure_months(months: Iterable[date]) -> list[str]:
    """Create the partitions of these months that do not exist yet; returns the names created."""
    if not is_partitioned():
        return []
    database = _database()
    wanted = sorted({month_of(m) for m in months} - {m for db, m in _known if db == database})
    created = []
    if wanted:
        with transaction.atomic(), connection.cursor() as cursor:
            # One creator at a time, until its transaction ends: two ingestions of a month without a partition
            # would both pass IF NOT EXISTS and one fail with « relation … already exists ».
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CREATION_LOCK])
            created = _create(wanted)
    for month in wanted:
        _known.add((database, month))
    if created:
        log.info("observation partitions created: %s", ", ".join(created))
    return created


# the advisory lock that serialises the creation of partitions (any fixed 64-bit number of our own)
_CREATION_LOCK = 7_215_311_0001


def _create(wanted: list[date]) -> list[str]:
    created = []
    for month in wanted:
        name = partition_name(month)
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            row = cursor.fetchone()
            if not (row and row[0]):
                start = f"'{datetime(month.year, month.month, 1, tzinfo=UTC).isoformat()}'"
                # (December 9999, the last month a Python date has, runs to the end of time)
                end = (
                    f"'{datetime.combine(next_month(month), datetime.min.time(), tzinfo=UTC).isoformat()}'"
                    if month < date(9999, 12, 1)
                    else "MAXVALUE"
                )
                # IF NOT EXISTS: another server may create the same month at the same time.
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {TABLE} FOR VALUES FROM ({start}) TO ({end})"
                )
                created.append(name)
    return created


def ensure_ahead(*, today: date | None = None, months: int = AHEAD_MONTHS) -> list[str]:
    """The partitions of this month and the next ``months`` months (the alerts pass calls it)."""
    month = month_of(today or datetime.now(UTC))
    wanted = [month]
    for _ in range(months):
        month = next_month(month)
        wanted.append(month)
    with transaction.atomic():
        return ensure_months(wanted)


def partitions(*, archived: bool = False) -> list[tuple[str, date]]:
    """The attached monthly partitions, oldest first: (table name, month). ``archived``: instead, the tables
    detached by an archiving that stopped before writing its file (taken up again by the next one)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        if archived:
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE %s ORDER BY relname",
                [f"{TABLE}_p%_archive"],
            )
        else:
            cursor.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
                [TABLE],
            )
        names = [name for (name,) in cursor.fetchall()]
    out = []
    for name in names:
        match = re.fullmatch(rf"{TABLE}_p(\d{{4}})_(\d{{2}})(_archive)?", name)
        if match:  # a partition this module did not name is left alone
            out.append((name, date(int(match[1]), int(match[2]), 1)))
    return out


def archive_month(month: date, *, directory: Path) -> list[tuple[Path, int]]:
    """Detach the month's partition, write its rows to ``directory`` as gzip CSV (with a .sha256 beside it),
    then drop it; a table of that month left detached by an archiving that stopped midway is written first.
    Returns [(file, rows)]. A file is written and synced before its table is dropped, so a failure leaves
    the rows in the database or in the file, never in neither."""
    name = partition_name(month)
    archived = f"{name}_archive"
    written = []
    if archived in {table for table, _month in partitions(archived=True)}:
        written.append(_write_and_drop(archived, month, directory))
    if name in {table for table, _month in partitions()}:
        with transaction.atomic(), connection.cursor() as cursor:
            # Once detached (and renamed, so a late measurement of that month gets a new partition), no
            # insert reaches these rows any more.
            cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
            cursor.execute(f"ALTER TABLE {name} RENAME TO {archived}")
        _known.discard((_database(), month))
        written.append(_write_and_drop(archived, month, directory))
    return written


def _write_and_drop(table: str, month: date, directory: Path) -> tuple[Path, int]:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"observations-{month:%Y-%m}.csv.gz"
    counter = 1
    while target.exists():
        counter += 1
        target = directory / f"observations-{month:%Y-%m}-{counter}.csv.gz"
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    columns = "id, entity_id, attribute, observed_at, value_num, value_text, unit_code, dataset_id"
    copy_sql = f"COPY (SELECT {columns} FROM {table} ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        rows = int(cursor.fetchone()[0])
        with partial.open("wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out, cursor.cursor.copy(copy_sql) as copy:
                for chunk in copy:
                    out.write(bytes(chunk))
            raw.flush()
            os.fsync(raw.fileno())
        with partial.open("rb") as done:
            for block in iter(lambda: done.read(1 << 20), b""):
                digest.update(block)
        partial.rename(target)
        target.with_name(target.name + ".sha256").write_text(f"{digest.hexdigest()}  {target.name}\n")
        cursor.execute(f"DROP TABLE {table}")
    return target, rows
