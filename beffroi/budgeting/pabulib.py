"""Reader of the pabulib `.pb` format (pabulib.org/format; research note §1); the writer is `pabulib_writer`.

A file has three sections in this order, each a title line (`META`, `PROJECTS`, `VOTES`), a header line of
`;`-separated column names and data lines, with standard CSV quoting (`"…;…"`, `""` for a quote). List cells
(`vote`, `points`, `category`) are `,`-separated. The reader keeps every cell as written, so that a file read and
written back is unchanged (apart from quoting that was not needed), and derives typed values from them: costs
and budgets as exact `Fraction`s (a decimal comma is accepted, as pabutools does), points as integers.

A malformed file raises `PabulibError`, whose message names the line and the problem in French
("ligne 12 : coût manquant pour le projet 7").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import compress
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import TYPE_CHECKING, cast, overload

if TYPE_CHECKING:
    from _csv import Reader

from beffroi.budgeting.rules.model import (
    Ballot,
    BallotType,
    Election,
    ElectionError,
    Project,
)

SECTIONS = ("meta", "projects", "votes")
VOTE_TYPES = {
    "approval": BallotType.APPROVAL,
    "choose-1": BallotType.APPROVAL,
    "cumulative": BallotType.CUMULATIVE,
    "scoring": BallotType.CUMULATIVE,
    "ordinal": BallotType.ORDINAL,
}
_MISSING = ("", "none")


class PabulibWarning:
    """Something odd that the reader read anyway (a ballot naming a project twice): `line` and `problem`, in
    French, like `PabulibError`."""

    __slots__ = ("line", "problem")

    def __init__(self, problem: str, line: int | None = None):
        self.problem = problem
        self.line = line

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.problem}" if self.line else self.problem

    def __repr__(self) -> str:
        return f"PabulibWarning({self.problem!r}, {self.line!r})"


class PabulibError(ValueError):
    """A `.pb` file that cannot be read: `line` (1-based, None if the whole file) and `problem`, in French."""

    def __init__(self, problem: str, line: int | None = None):
        self.problem = problem
        self.line = line
        super().__init__(f"ligne {line} : {problem}" if line else problem)


@dataclass(slots=True)
class PbProject:
    """One row of PROJECTS: every cell as written, plus the parsed id and cost."""

    id: str
    cost: Fraction
    cells: dict[str, str]
    line: int = 0

    def get(self, column: str) -> str | None:
        value = self.cells.get(column)
        if value is None or value.strip().lower() in _MISSING:
            return None
        return value.strip()

    @property
    def name(self) -> str:
        return self.get("name") or ""

    @property
    def categories(self) -> tuple[str, ...]:
        raw = self.get("category") or self.get("categories")
        return tuple(c.strip() for c in raw.split(",") if c.strip()) if raw else ()

    @property
    def selected(self) -> int | None:
        raw = self.get("selected")
        return int(raw) if raw is not None else None


@dataclass(slots=True)
class PbVoter:
    """One row of VOTES: the cells as written, the ballot (project ids) and its points if any."""

    id: str
    vote: tuple[str, ...]
    points: tuple[int | Fraction, ...] | None
    cells: list[str]
    line: int = 0


class VoterTable(Sequence[PbVoter]):
    """The VOTES rows as columns (voter ids, ballots, points, cells, lines): a sequence of `PbVoter`s made on
    demand, so that reading a city's vote does not build 90,000 objects that counting never looks at. Identical
    ballots share one tuple."""

    __slots__ = ("ids", "votes", "points", "rows", "lines")

    def __init__(
        self,
        ids: list[str],
        votes: list[tuple[str, ...]],
        points: list[tuple[int | Fraction, ...]] | None,
        rows: list[list[str]],
        lines: list[int],
    ):
        self.ids = ids
        self.votes = votes
        self.points = points
        self.rows = rows
        self.lines = lines

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> PbVoter: ...

    @overload
    def __getitem__(self, index: slice) -> list[PbVoter]: ...

    def __getitem__(self, index: int | slice) -> PbVoter | list[PbVoter]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self.ids)))]
        points = self.points[index] if self.points is not None else None
        return PbVoter(self.ids[index], self.votes[index], points, self.rows[index], self.lines[index])

    def __iter__(self) -> Iterator[PbVoter]:
        points = self.points if self.points is not None else [None] * len(self.ids)
        return map(PbVoter, self.ids, self.votes, points, self.rows, self.lines)


@dataclass
class PabulibFile:
    """A pabulib instance: META as an ordered mapping, PROJECTS and VOTES rows with their column order, and the
    warnings of the reader (what it read despite a flaw, with its line)."""

    meta: dict[str, str]
    project_columns: list[str]
    projects: list[PbProject]
    vote_columns: list[str]
    voters: Sequence[PbVoter]
    newline: str = "\n"
    meta_lines: dict[str, int] = field(default_factory=dict)
    warnings: list[PabulibWarning] = field(default_factory=list)

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "").strip().lower()

    @property
    def budget(self) -> Fraction:
        return _money(self.meta.get("budget"), "budget", self.meta_lines.get("budget"), "budget manquant")

    @property
    def rule(self) -> str:
        return self.meta.get("rule", "").strip()

    def selected_ids(self) -> list[str] | None:
        """Projects whose `selected` cell is 1 (file order), or None without a `selected` column."""
        if "selected" not in self.project_columns:
            return None
        return [p.id for p in self.projects if p.selected == 1]

    def election(self) -> Election:
        """The instance the counting rules take (`beffroi.budgeting.rules.Election`)."""
        kind = VOTE_TYPES.get(self.vote_type)
        if kind is None:
            raise PabulibError(
                f"type de vote « {self.vote_type} » non pris en charge (attendu : {', '.join(VOTE_TYPES)})",
                self.meta_lines.get("vote_type"),
            )
        ballots: tuple[Ballot, ...]
        voters = self.voters
        if kind is BallotType.CUMULATIVE:
            ballots = tuple(
                tuple(zip(v.vote, v.points, strict=True)) if v.points is not None else () for v in voters
            )
        elif isinstance(voters, VoterTable):
            ballots = tuple(voters.votes)
        else:
            ballots = tuple(v.vote for v in voters)
        threshold = self.meta.get("min_project_score_threshold")
        ordinal_length = self.meta.get("max_length") if kind is BallotType.ORDINAL else None
        try:
            return Election(
                projects=tuple(Project(p.id, p.cost, p.name, p.categories) for p in self.projects),
                budget=self.budget,
                ballots=ballots,
                ballot_type=kind,
                min_score_threshold=_number(threshold, "min_project_score_threshold", self.meta_lines)
                if threshold not in (None, "")
                else None,
                ordinal_length=int(_number(ordinal_length, "max_length", self.meta_lines))
                if ordinal_length
                else None,
                category_budgets=self.category_budgets(),
                label=self.meta.get("description", ""),
            )
        except ElectionError as exc:
            raise PabulibError(str(exc)) from None

    def category_budgets(self) -> dict[str, Fraction] | None:
        """Amsterdam's `budget_per_category`, aligned with `categories` (None when absent)."""
        raw = self.meta.get("budget_per_category")
        names = self.meta.get("categories")
        if not raw or not names:
            return None
        amounts = raw.split(",")
        labels = [c.strip() for c in names.split(",")]
        line = self.meta_lines.get("budget_per_category")
        if len(amounts) != len(labels):
            raise PabulibError(
                f"budget_per_category a {len(amounts)} montants pour {len(labels)} catégories", line
            )
        return {
            label: _money(a, "budget de catégorie", line) for label, a in zip(labels, amounts, strict=True)
        }


# --------------------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------------------


def read_pabulib(path: str | Path) -> PabulibFile:
    """Read a `.pb` file (UTF-8, with or without a byte-order mark)."""
    data = Path(path).read_bytes()
    return parse_pabulib_bytes(data)


def parse_pabulib_bytes(data: bytes) -> PabulibFile:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PabulibError("le fichier n'est pas en UTF-8 (octet invalide)", line) from None
    return parse_pabulib(text)


def parse_pabulib(text: str) -> PabulibFile:
    """Parse the text of a `.pb` file; raise `PabulibError` naming the line of the first problem.

    What can be read despite a flaw is read, and the flaw listed in `PabulibFile.warnings` (a ballot that names
    a project twice counts it once, as pabutools does).
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    newline = "\r\n" if "\r\n" in text[:4096] else "\n"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    project_columns: list[str] = []
    vote_columns: list[str] = []
    projects: list[PbProject] = []
    voters: Sequence[PbVoter] = ()
    warnings: list[PabulibWarning] = []
    section = None
    seen_sections: list[str] = []
    header: list[str] | None = None
    header_line = 0
    project_ids: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            title = row[0].strip().lower()
            if title in SECTIONS and all(not cell.strip() for cell in row[1:]):
                expected = SECTIONS[len(seen_sections)] if len(seen_sections) < 3 else None
                if title != expected:
                    if title in seen_sections:
                        raise PabulibError(f"section {title.upper()} en double", line)
                    raise PabulibError(
                        f"section {title.upper()} inattendue ici : la section {expected.upper()} doit venir avant"
                        if expected
                        else f"section {title.upper()} inattendue",
                        line,
                    )
                seen_sections.append(title)
                section = title
                header = None
                continue
            if section is None:
                raise PabulibError("le fichier doit commencer par la ligne META", line)
            if header is None:
                header = [cell.strip() for cell in row]
                header_line = line
                if section == "meta":
                    if len(header) < 2:
                        raise PabulibError("l'en-tête de la section META doit être « key;value »", line)
                elif section == "projects":
                    project_columns = header
                    _require_columns(header, ("project_id", "cost"), "PROJECTS", line)
                    _no_duplicate_columns(header, "PROJECTS", line)
                else:
                    vote_columns = header
                    _require_columns(header, ("voter_id", "vote"), "VOTES", line)
                    _no_duplicate_columns(header, "VOTES", line)
                    # the rest of the file is VOTES, the bulk of it: read in a loop of its own
                    voters = _read_votes(reader, meta, meta_lines, header, project_ids, warnings)
                    break
                continue
            if section == "meta":
                key = row[0].strip()
                if len(row) < 2:
                    raise PabulibError(f"la clé META « {key} » n'a pas de valeur", line)
                if key in meta:
                    raise PabulibError(f"clé META « {key} » en double (déjà ligne {meta_lines[key]})", line)
                # an unquoted ";" inside a value: keep the text rather than lose its end
                meta[key] = ";".join(row[1:]).strip()
                meta_lines[key] = line
            else:
                projects.append(_project_row(row, header, line, project_ids))
    except csv.Error as exc:
        raise PabulibError(f"ligne CSV mal formée ({exc})", reader.line_num) from None
    if len(seen_sections) < 3:
        missing = SECTIONS[len(seen_sections)].upper()
        raise PabulibError(f"section {missing} absente")
    if header is None:
        raise PabulibError("l'en-tête de la section VOTES manque", header_line or None)
    result = PabulibFile(meta, project_columns, projects, vote_columns, voters, newline, meta_lines, warnings)
    _check_meta(result)
    return result


def _require_columns(header: list[str], required: Iterable[str], section: str, line: int) -> None:
    for column in required:
        if column not in header:
            raise PabulibError(f"la colonne « {column} » manque dans l'en-tête de la section {section}", line)


def _no_duplicate_columns(header: list[str], section: str, line: int) -> None:
    seen = set()
    for column in header:
        if column in seen:
            raise PabulibError(f"colonne « {column} » en double dans l'en-tête de la section {section}", line)
        seen.add(column)


def _fit_row(row: list[str], header: list[str], line: int, what: str) -> list[str]:
    if len(row) > len(header):
        if all(not cell.strip() for cell in row[len(header) :]):
            return row[: len(header)]
        raise PabulibError(
            f"{what} : {len(row)} champs pour {len(header)} colonnes (un « ; » non protégé par des guillemets ?)",
            line,
        )
    if len(row) < len(header):
        return row + [""] * (len(header) - len(row))
    return row


def _project_row(row: list[str], header: list[str], line: int, project_ids: dict[str, int]) -> PbProject:
    row = _fit_row(row, header, line, "projet")
    cells = dict(zip(header, row, strict=True))
    pid = cells["project_id"].strip()
    if not pid or pid.lower() == "none":
        raise PabulibError("identifiant de projet manquant", line)
    if "," in pid:
        raise PabulibError(f"l'identifiant de projet « {pid} » contient une virgule", line)
    if pid in project_ids:
        raise PabulibError(f"le projet {pid} apparaît deux fois (déjà ligne {project_ids[pid]})", line)
    cost = _money(cells["cost"], f"coût du projet {pid}", line, f"coût manquant pour le projet {pid}")
    if cost < 0:
        raise PabulibError(f"coût négatif pour le projet {pid}", line)
    project_ids[pid] = line
    return PbProject(pid, cost, cells, line)


# First characters of a VOTES row's first cell that send the row to the careful path: a blank cell, leading
# blanks, or possibly a section title (META, PROJECTS, VOTES in any case) that has no business there.
_CAREFUL_START = frozenset(("", " ", "\t", "m", "M", "p", "P", "v", "V"))
_TITLE_STARTS = (" ", "\t", "m", "M", "p", "P", "v", "V")


def _read_votes(
    reader: Reader,
    meta: dict[str, str],
    meta_lines: dict[str, int],
    header: list[str],
    project_ids: dict[str, int],
    warnings: list[PabulibWarning],
) -> VoterTable:
    """The VOTES rows left in `reader`, as columns.

    Ballots are parsed and checked once per distinct cell text (a city's 90,000 ballots have a few thousand
    distinct texts); the rows that need a closer look (blank, short or long, maybe a section title) take the
    careful path. Errors and warnings name the line, as for the other sections.
    """
    vote_type = meta.get("vote_type", "").strip().lower()
    if not vote_type:
        raise PabulibError("la clé META « vote_type » manque")
    if vote_type not in VOTE_TYPES:
        raise PabulibError(
            f"type de vote « {vote_type} » non pris en charge (attendu : {', '.join(VOTE_TYPES)})",
            meta_lines.get("vote_type"),
        )
    with_points = vote_type in ("cumulative", "scoring")
    id_col = header.index("voter_id")
    vote_col = header.index("vote")
    points_col = header.index("points") if "points" in header else -1
    if with_points and points_col < 0:
        raise PabulibError(f"un vote « {vote_type} » demande une colonne « points » dans la section VOTES")
    width = len(header)
    choose_one = vote_type == "choose-1"
    ids: list[str] = []
    votes: list[tuple[str, ...]] = []
    points: list[tuple[int | Fraction, ...]] | None = [] if with_points else None
    rows: list[list[str]] = []
    lines: list[int] = []
    seen: set[str] = set()
    # cell text (vote, or vote and points) -> the parsed ballot and the projects it repeats
    ballots: dict[object, tuple[tuple[str, ...], tuple[int | Fraction, ...] | None, str | None]] = {}
    read: list[list[str]] = []
    read_lines: list[int] = []
    keep_row, keep_line = read.append, read_lines.append
    for row in reader:
        keep_row(row)
        keep_line(reader.line_num)
    if not with_points:
        at_once = _votes_at_once(read, read_lines, header, project_ids, choose_one, warnings)
        if at_once is not None:
            return at_once
    careful = _CAREFUL_START.__contains__
    for row, line in zip(read, read_lines, strict=True):
        if len(row) != width or careful(row[0][:1]):
            if not row or all(not cell.strip() for cell in row):
                continue
            title = row[0].strip().lower()
            if title in SECTIONS and all(not cell.strip() for cell in row[1:]):
                raise PabulibError(f"section {title.upper()} en double", line)
            row = _fit_row(row, header, line, "bulletin")
        voter_id = row[id_col].strip()
        if not voter_id:
            raise PabulibError("identifiant d'électeur manquant", line)
        if voter_id in seen:
            raise PabulibError(f"l'électeur {voter_id} a deux bulletins", line)
        seen.add(voter_id)
        key: object = (row[vote_col], row[points_col]) if with_points else row[vote_col]
        parsed = ballots.get(key)
        if parsed is None:
            parsed = ballots[key] = _parse_ballot(
                row[vote_col], row[points_col] if with_points else None, voter_id, line, project_ids
            )
        vote, ballot_points, repeated = parsed
        if repeated is not None:
            warnings.append(PabulibWarning(f"le bulletin de l'électeur {voter_id} {repeated}", line))
        if choose_one and len(vote) > 1:
            raise PabulibError(
                f"vote « choose-1 » : l'électeur {voter_id} a choisi {len(vote)} projets", line
            )
        ids.append(voter_id)
        votes.append(vote)
        if points is not None:
            points.append(cast(tuple[int | Fraction, ...], ballot_points))
        rows.append(row)
        lines.append(line)
    return VoterTable(ids, votes, points, rows, lines)


def _votes_at_once(
    read: list[list[str]],
    lines: list[int],
    header: list[str],
    project_ids: dict[str, int],
    choose_one: bool,
    warnings: list[PabulibWarning],
) -> VoterTable | None:
    """The VOTES rows of a ballot file without points, checked column by column rather than row by row; None when
    something is wrong or unusual (a blank, short or long row, an error), for the row-by-row loop of `_read_votes`
    to read them and name the first problem's line."""
    width = len(header)
    if not read:
        return VoterTable([], [], None, [], [])
    if set(map(len, read)) != {width}:
        return None
    # a section title where a voter id should be (the first cell, possibly blank-led or in lower case)
    firsts = list(map(itemgetter(0), read))
    if any(
        first.strip().lower() in SECTIONS
        for first in compress(firsts, map(methodcaller("startswith", _TITLE_STARTS), firsts))
    ):
        return None
    ids = list(map(str.strip, map(itemgetter(header.index("voter_id")), read)))
    if "" in ids or len(set(ids)) != len(ids):
        return None
    cells = list(map(itemgetter(header.index("vote")), read))
    parsed: dict[str, tuple[str, ...]] = {}
    repeated: dict[str, str] = {}
    try:
        for cell in dict.fromkeys(cells):
            vote, _, said = _parse_ballot(cell, None, "", 0, project_ids)
            if choose_one and len(vote) > 1:
                return None
            parsed[cell] = vote
            if said is not None:
                repeated[cell] = said
    except PabulibError:
        return None
    if repeated:
        for voter_id, cell, line in zip(ids, cells, lines, strict=True):
            if cell in repeated:
                warnings.append(
                    PabulibWarning(f"le bulletin de l'électeur {voter_id} {repeated[cell]}", line)
                )
    return VoterTable(ids, list(map(parsed.__getitem__, cells)), None, read, lines)


def _parse_ballot(
    raw: str, raw_points: str | None, voter_id: str, line: int, known: Mapping[str, int]
) -> tuple[tuple[str, ...], tuple[int | Fraction, ...] | None, str | None]:
    """One ballot's projects (and points), each project once, and what it repeated (a French phrase) if anything."""
    raw = raw.strip()
    vote = [v.strip() for v in raw.split(",")] if raw and raw.lower() != "none" else []
    for pid in vote:
        if pid not in known:
            if not pid:
                raise PabulibError(f"le bulletin de l'électeur {voter_id} contient un projet vide", line)
            raise PabulibError(f"le bulletin de l'électeur {voter_id} cite un projet inconnu « {pid} »", line)
    values: list[int | Fraction] | None = None
    if raw_points is not None:
        raw_points = raw_points.strip()
        items = (
            [x.strip() for x in raw_points.split(",")] if raw_points and raw_points.lower() != "none" else []
        )
        if len(items) != len(vote):
            raise PabulibError(
                f"l'électeur {voter_id} a {len(vote)} projets mais {len(items)} valeurs de points", line
            )
        values = [_points(item, voter_id, line) for item in items]
    if len(set(vote)) == len(vote):
        return tuple(vote), tuple(values) if values is not None else None, None
    # A project named twice counts once, as pabutools reads it: at its first place, with the points of its last
    # mention (a points ballot is a mapping project -> points there).
    counted: dict[str, int | Fraction | None] = {}
    times: dict[str, int] = {}
    for i, pid in enumerate(vote):
        counted[pid] = values[i] if values is not None else None
        times[pid] = times.get(pid, 0) + 1
    repeated = [(pid, n) for pid, n in times.items() if n > 1]
    said = " ; ".join(
        f"{'deux' if n == 2 else n} fois le projet {pid}"
        + (
            f" (compté une fois, avec les points de sa dernière mention : {_amount_text(counted[pid])})"
            if values is not None and len({values[i] for i, v in enumerate(vote) if v == pid}) > 1
            else " (compté une fois)"
        )
        for pid, n in repeated
    )
    kept_points = tuple(cast(int | Fraction, p) for p in counted.values()) if values is not None else None
    return tuple(counted), kept_points, f"cite {said}"


def _points(item: str, voter_id: str, line: int) -> int | Fraction:
    if item.isascii() and item.isdigit():
        return int(item)
    try:
        value = Fraction(item.replace(",", "."))
    except (ValueError, ZeroDivisionError):
        raise PabulibError(f"points invalides « {item} » pour l'électeur {voter_id}", line) from None
    return int(value) if value.denominator == 1 else value


def _amount_text(value: int | Fraction | None) -> str:
    """A cell's text for a number: amounts as exact decimals (format_money), integers as written."""
    return format_money(value) if isinstance(value, Fraction) else str(value)


def _money(raw: str | None, what: str, line: int | None, missing: str | None = None) -> Fraction:
    if raw is None or raw.strip().lower() in _MISSING:
        raise PabulibError(missing or f"{what} manquant", line)
    text = raw.strip().replace(",", ".").replace(" ", "")
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise PabulibError(f"{what} invalide : « {raw.strip()} »", line) from None


def _number(raw: str | None, key: str, meta_lines: Mapping[str, int]) -> Fraction:
    return _money(raw, key, meta_lines.get(key))


def _check_meta(pb: PabulibFile) -> None:
    meta, lines = pb.meta, pb.meta_lines
    pb.budget  # noqa: B018 - raises PabulibError when missing or invalid
    if pb.budget < 0:
        raise PabulibError("budget négatif", lines.get("budget"))
    for key, actual, what in (
        ("num_projects", len(pb.projects), "projets"),
        ("num_votes", len(pb.voters), "bulletins"),
    ):
        if key in meta:
            try:
                declared = int(meta[key].strip())
            except ValueError:
                raise PabulibError(f"{key} invalide : « {meta[key]} »", lines.get(key)) from None
            if declared != actual:
                raise PabulibError(
                    f"{key} annonce {declared} {what} mais le fichier en contient {actual} (fichier tronqué ?)",
                    lines.get(key),
                )


def format_money(value: Fraction | int) -> str:
    """An exact decimal text for an amount ("75000", "12.5"); amounts with no finite decimal form are refused."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        raise PabulibError(f"le montant {value} n'a pas d'écriture décimale exacte")
    digits = max(twos, fives)
    scaled = value * 10**digits
    sign = "-" if scaled < 0 else ""
    whole = str(abs(scaled.numerator))
    whole = whole.rjust(digits + 1, "0")
    return f"{sign}{whole[:-digits]}.{whole[-digits:]}"
