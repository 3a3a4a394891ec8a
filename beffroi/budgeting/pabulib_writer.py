"""Writer of the pabulib `.pb` format (pabulib.org/format; research note §1): a file read by `pabulib` written
back unchanged, a `PabulibFile` built from plain rows, an outcome added, a counted election exported."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Protocol, cast

from beffroi.budgeting.pabulib import (
    PabulibError,
    PabulibFile,
    PbProject,
    VoterTable,
    format_money,
    parse_pabulib,
)
from beffroi.budgeting.rules.model import (
    BallotType,
    Election,
    IdsBallot,
    Outcome,
    PointsBallot,
)

# --------------------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------------------


def write_pabulib(pb: PabulibFile) -> str:
    """The text of `pb` as a `.pb` file: minimal CSV quoting, no byte-order mark, counts in META kept true."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator=pb.newline)
    meta = dict(pb.meta)
    meta["num_projects"] = _keep_or(meta.get("num_projects"), len(pb.projects))
    meta["num_votes"] = _keep_or(meta.get("num_votes"), len(pb.voters))
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, value])
    writer.writerow(["PROJECTS"])
    writer.writerow(pb.project_columns)
    for project in pb.projects:
        writer.writerow([project.cells.get(column, "") for column in pb.project_columns])
    writer.writerow(["VOTES"])
    writer.writerow(pb.vote_columns)
    writer.writerows(pb.voters.rows if isinstance(pb.voters, VoterTable) else (v.cells for v in pb.voters))
    return out.getvalue()


def dump_pabulib(pb: PabulibFile, path: str | Path) -> None:
    Path(path).write_text(write_pabulib(pb), encoding="utf-8", newline="")


def _keep_or(declared: str | None, actual: int) -> str:
    if declared is not None and declared.strip() == str(actual):
        return declared
    return str(actual)


def build_pabulib(
    meta: Mapping[str, object],
    projects: Sequence[Mapping[str, object]],
    voters: Sequence[Mapping[str, object]],
) -> PabulibFile:
    """A `PabulibFile` from plain rows (column -> value); lists become `,`-joined cells, amounts exact decimals.

    Each project row needs `project_id` and `cost`; each voter row `voter_id` and `vote` (a sequence of project
    ids), and `points` for cumulative ballots. Column order follows the first appearance of each key.
    """

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(int(value))
        if isinstance(value, Fraction):
            return format_money(value)
        if isinstance(value, list | tuple):
            return ",".join(cell(v) for v in value)
        return str(value)

    meta_cells = {str(k): cell(v) for k, v in meta.items()}
    meta_cells["num_projects"] = str(len(projects))
    meta_cells["num_votes"] = str(len(voters))
    project_columns: list[str] = []
    for row in projects:
        for key in row:
            if key not in project_columns:
                project_columns.append(key)
    vote_columns: list[str] = []
    for row in voters:
        for key in row:
            if key not in vote_columns:
                vote_columns.append(key)
    for required in ("voter_id", "vote"):
        if required not in vote_columns:
            vote_columns.insert(0 if required == "voter_id" else 1, required)
    lines = [["META"], ["key", "value"], *([k, v] for k, v in meta_cells.items())]
    lines += [["PROJECTS"], project_columns]
    lines += [[cell(row.get(c)) for c in project_columns] for row in projects]
    lines += [["VOTES"], vote_columns]
    lines += [[cell(row.get(c)) for c in vote_columns] for row in voters]
    out = io.StringIO()
    csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerows(lines)
    # parsing what we wrote validates it (ids with commas, unknown projects in ballots…) with line numbers
    return parse_pabulib(out.getvalue())


def with_outcome(pb: PabulibFile, outcome: Outcome) -> PabulibFile:
    """A copy of `pb` whose `selected` column (added if needed) records `outcome` (1 funded, 0 not)."""
    columns = list(pb.project_columns)
    if "selected" not in columns:
        columns.append("selected")
    winners = set(outcome.winners)
    projects = [
        PbProject(p.id, p.cost, {**p.cells, "selected": "1" if p.id in winners else "0"}, p.line)
        for p in pb.projects
    ]
    meta = dict(pb.meta)
    return PabulibFile(
        meta,
        columns,
        projects,
        list(pb.vote_columns),
        pb.voters,  # never modified: shared
        pb.newline,
        dict(pb.meta_lines),
        list(pb.warnings),
    )


class Selection(Protocol):
    """What the `selected` column records: the ids of the funded projects (an `Outcome` is one)."""

    @property
    def winners(self) -> Sequence[str]: ...


def election_to_pabulib(
    election: Election,
    meta: Mapping[str, object],
    *,
    outcome: Selection | None = None,
    voter_ids: Sequence[str] | None = None,
) -> PabulibFile:
    """Export an `Election` (and optionally its outcome, as the `selected` column) to pabulib.

    `meta` should carry the obligatory keys (description, country, unit, instance, rule, date_begin, date_end);
    budget, vote_type, num_projects and num_votes are filled in from the election.
    """
    profile = election.profile
    vote_type = {
        BallotType.APPROVAL: "approval",
        BallotType.CUMULATIVE: "cumulative",
        BallotType.ORDINAL: "ordinal",
    }[election.ballot_type]
    full_meta: dict[str, object] = {
        "description": "",
        "country": "",
        "unit": "",
        "instance": "",
        "num_projects": 0,
        "num_votes": 0,
        "budget": election.budget,
        "vote_type": vote_type,
        "rule": "",
        "date_begin": "",
        "date_end": "",
    }
    full_meta.update(meta)
    full_meta["budget"] = election.budget
    full_meta["vote_type"] = vote_type
    winners = set(outcome.winners) if outcome else set()
    projects = []
    for p, project in enumerate(election.projects):
        row: dict[str, object] = {"project_id": project.id, "cost": project.cost, "votes": profile.votes[p]}
        if election.ballot_type is not BallotType.APPROVAL:
            row["score"] = profile.score[p]
        row["name"] = project.name
        if any(pr.categories for pr in election.projects):
            row["category"] = list(project.categories)
        if outcome is not None:
            row["selected"] = 1 if project.id in winners else 0
        projects.append(row)
    ids = list(voter_ids) if voter_ids is not None else [str(i + 1) for i in range(election.num_voters)]
    if len(ids) != election.num_voters:
        raise PabulibError("autant d'identifiants d'électeurs que de bulletins sont nécessaires")
    voters = []
    for voter_id, ballot in zip(ids, election.ballots, strict=True):
        if election.ballot_type is BallotType.CUMULATIVE:
            ordered = sorted(cast(PointsBallot, ballot), key=lambda item: -Fraction(item[1]))
            voters.append(
                {"voter_id": voter_id, "vote": [p for p, _ in ordered], "points": [w for _, w in ordered]}
            )
        else:
            voters.append({"voter_id": voter_id, "vote": list(cast(IdsBallot, ballot))})
    return build_pabulib(full_meta, projects, voters)
