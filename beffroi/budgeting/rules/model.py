"""The instance model shared by every counting rule: projects, ballots, tie-breaking and outcomes.

Pure Python, no Django. Money is exact: costs, budgets, endowments and prices are `fractions.Fraction`.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from numbers import Rational
from typing import TypeAlias, cast

Number = int | Fraction


class BallotType(enum.StrEnum):
    """How a voter expresses a ballot (pabulib `vote_type`, format.html "VOTES" table)."""

    APPROVAL = "approval"  # a set of projects; pabulib "approval" and "choose-1"
    CUMULATIVE = "cumulative"  # points given to projects; pabulib "cumulative" and "scoring"
    ORDINAL = "ordinal"  # projects ranked, most preferred first


class ElectionError(ValueError):
    """An instance that no rule can count (unknown project in a ballot, negative cost…). French message."""


class VerificationError(ElectionError):
    """The exact reference implementation (`mes_reference.reference_run`) does not confirm the counting engine's result."""


class UnresolvedTie(ElectionError):
    """Projects remain tied after lowest cost and most votes, and no recorded draw orders them."""

    def __init__(self, project_ids: Sequence[str], stage: str):
        self.project_ids = tuple(project_ids)
        self.stage = stage
        listed = ", ".join(self.project_ids)
        super().__init__(
            f"égalité non résolue entre les projets {listed} ({stage}) : même coût et même nombre de voix ; "
            "un tirage au sort doit être enregistré pour les départager"
        )


def as_fraction(value: Number | str | float, what: str = "montant") -> Fraction:
    """Convert an amount to an exact Fraction; floats are taken at their decimal text value (0.1 -> 1/10)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise ElectionError(f"{what} invalide : {value!r}")
    if isinstance(value, int | Rational):
        return Fraction(value)
    try:
        result = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise ElectionError(f"{what} invalide : {value!r}") from None
    return result


@dataclass(frozen=True)
class Project:
    """A project put to the vote: its identifier, its (exact) cost, optionally a name and categories."""

    id: str
    cost: Fraction
    name: str = ""
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "cost", as_fraction(self.cost, f"coût du projet {self.id}"))
        if self.cost < 0:
            raise ElectionError(f"le coût du projet {self.id} est négatif ({self.cost})")


# A ballot is, by ballot type:
#   approval:   a tuple of project ids (order irrelevant)
#   cumulative: a tuple of (project id, points) pairs, points > 0
#   ordinal:    a tuple of project ids, most preferred first
IdsBallot: TypeAlias = tuple[str, ...]
PointsBallot: TypeAlias = tuple[tuple[str, Number], ...]
Ballot: TypeAlias = IdsBallot | PointsBallot


@dataclass(frozen=True, eq=False)
class Election:
    """One participatory-budget vote: projects, budget limit, ballots of one type.

    `ballots` may repeat; `ordinal_length` is the ranking length that positional points count down from
    (position 1 gets `ordinal_length` points; Kraków 2019: 3/2/1, research note §2.1); it defaults to the longest
    ballot. `min_score_threshold` is pabulib's `min_project_score_threshold` (minimum votes, or points, for a
    project to be fundable by the greedy rules). `category_budgets` is kept for information (Amsterdam).
    """

    projects: tuple[Project, ...]
    budget: Fraction
    ballots: tuple[Ballot, ...]
    ballot_type: BallotType = BallotType.APPROVAL
    min_score_threshold: Fraction | None = None
    ordinal_length: int | None = None
    category_budgets: Mapping[str, Fraction] | None = None
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "projects", tuple(self.projects))
        ballots = self.ballots
        if not isinstance(ballots, tuple) or not set(map(type, ballots)) <= {tuple}:
            object.__setattr__(self, "ballots", tuple(_as_ballot(b) for b in ballots))
        object.__setattr__(self, "budget", as_fraction(self.budget, "budget"))
        object.__setattr__(self, "ballot_type", BallotType(self.ballot_type))
        if self.min_score_threshold is not None:
            object.__setattr__(self, "min_score_threshold", as_fraction(self.min_score_threshold, "seuil"))
        if self.budget < 0:
            raise ElectionError(f"le budget est négatif ({self.budget})")
        seen: set[str] = set()
        for project in self.projects:
            if project.id in seen:
                raise ElectionError(f"le projet {project.id} apparaît deux fois")
            seen.add(project.id)
        self.profile  # noqa: B018 - validates every ballot now rather than at counting time

    @property
    def num_voters(self) -> int:
        return len(self.ballots)

    @cached_property
    def by_id(self) -> dict[str, Project]:
        return {p.id: p for p in self.projects}

    @cached_property
    def profile(self) -> Profile:
        return Profile.build(self)


@dataclass(eq=False)
class Profile:
    """Integer-indexed form of an election, identical ballots grouped with their multiplicity.

    Every ballot becomes a tuple of (project index, weight): weight 1 for approval, the points for cumulative
    ballots, the positional points for ordinal ballots. Grouping identical ballots is what makes counting fast:
    voters with the same ballot are treated alike by every rule here.
    """

    ids: list[str]
    index: dict[str, int]
    cost: list[Fraction]
    n: int  # voters, including empty ballots
    weighted: bool  # False: every weight is 1 (approval)
    groups: list[tuple[tuple[int, ...], tuple[Number, ...], int]]  # (projects, weights, multiplicity)
    votes: list[int]  # supporters per project
    score: list[Number]  # votes (approval) or points per project
    ordinal_length: int | None
    supporters: list[list[tuple[int, Number]]] = field(default_factory=list)  # project -> (group, weight)

    @cached_property
    def supporter_groups(self) -> list[list[int]]:
        """Per project, the groups of its supporters (same order as `supporters`)."""
        return [[g for g, _ in s] for s in self.supporters]

    @cached_property
    def supporter_voters(self) -> list[list[int]]:
        """Per project, the number of voters in each of its supporting groups."""
        mult = [m for _, _, m in self.groups]
        return [[mult[g] for g, _ in s] for s in self.supporters]

    @cached_property
    def supporter_points(self) -> list[list[Number]]:
        """Per project, the points each of its supporting groups gives it."""
        return [[w for _, w in s] for s in self.supporters]

    @cached_property
    def group_items(self) -> list[tuple[tuple[int, Number], ...]]:
        """Per group, its ballot as (project, weight) pairs."""
        return [tuple(zip(projects, weights, strict=True)) for projects, weights, _ in self.groups]

    @classmethod
    def build(cls, election: Election) -> Profile:
        ids = [p.id for p in election.projects]
        index = {pid: i for i, pid in enumerate(ids)}
        kind = election.ballot_type
        counted: Counter[Ballot] = Counter(election.ballots)
        ordinal_length: int | None = None
        top = 0  # positional points of the first choice (ordinal ballots)
        if kind is BallotType.ORDINAL:
            longest = max((len(b) for b in counted), default=0)
            ordinal_length = top = election.ordinal_length or longest
            if longest > ordinal_length:
                raise ElectionError(
                    f"un classement compte {longest} projets, plus que la longueur prévue ({ordinal_length})"
                )
        m = len(ids)
        if kind is BallotType.APPROVAL:
            return cls._build_approval(election, ids, index, counted)
        merged: dict[tuple[tuple[int, Number], ...], int] = {}
        for ballot, mult in counted.items():
            if not isinstance(ballot, tuple):
                raise ElectionError(f"bulletin mal formé : {ballot!r}")
            if kind is BallotType.CUMULATIVE:
                items: list[tuple[int, Number]] = []
                # cumulative ballots are (id, points) pairs; a malformed entry is refused just below
                for entry in cast(PointsBallot, ballot):
                    try:
                        pid, points = entry
                    except (TypeError, ValueError):
                        raise ElectionError(f"bulletin à points mal formé : {ballot!r}") from None
                    points = as_fraction(points, "points")
                    if points < 0:
                        raise ElectionError(f"points négatifs pour le projet {pid} : {points}")
                    if points == 0:
                        continue
                    if points.denominator == 1:
                        points = int(points)
                    items.append((_project_index(index, pid), points))
            elif kind is BallotType.ORDINAL:
                items = [(_project_index(index, pid), top - pos) for pos, pid in enumerate(ballot)]
            else:  # pragma: no cover - approval ballots take `_build_approval`
                items = [(_project_index(index, pid), 1) for pid in ballot]
            items.sort()
            for j in range(1, len(items)):
                if items[j][0] == items[j - 1][0]:
                    raise ElectionError(f"le projet {ids[items[j][0]]} figure deux fois sur un même bulletin")
            key = tuple(items)
            merged[key] = merged.get(key, 0) + mult
        groups: list[tuple[tuple[int, ...], tuple[Number, ...], int]] = []
        votes = [0] * m
        score: list[Number] = [0] * m
        supporters: list[list[tuple[int, Number]]] = [[] for _ in range(m)]
        for key, mult in merged.items():
            if not key:
                continue
            projects = tuple(p for p, _ in key)
            weights = tuple(w for _, w in key)
            g = len(groups)
            groups.append((projects, weights, mult))
            for p, w in key:
                votes[p] += mult
                score[p] += w * mult
                supporters[p].append((g, w))
        return cls(
            ids=ids,
            index=index,
            cost=[p.cost for p in election.projects],
            n=election.num_voters,
            weighted=True,
            groups=groups,
            votes=votes,
            score=score,
            ordinal_length=ordinal_length,
            supporters=supporters,
        )

    @classmethod
    def _build_approval(
        cls, election: Election, ids: list[str], index: dict[str, int], counted: Counter[Ballot]
    ) -> Profile:
        """`build` for approval ballots: the same profile, with less work per ballot (every weight is 1)."""
        m = len(ids)
        position = index.__getitem__
        merged: dict[tuple[int, ...], int] = {}
        for ballot, mult in counted.items():
            if not isinstance(ballot, tuple):
                raise ElectionError(f"bulletin mal formé : {ballot!r}")
            try:
                key = tuple(sorted(map(position, cast(IdsBallot, ballot))))
            except (KeyError, TypeError):
                for pid in ballot:
                    _project_index(index, pid)  # raises, naming the unknown project
                raise
            if len(set(key)) != len(key):
                repeated = next(p for j, p in enumerate(key[1:]) if p == key[j])
                raise ElectionError(f"le projet {ids[repeated]} figure deux fois sur un même bulletin")
            merged[key] = merged.get(key, 0) + mult
        groups: list[tuple[tuple[int, ...], tuple[Number, ...], int]] = []
        votes = [0] * m
        supporters: list[list[tuple[int, Number]]] = [[] for _ in range(m)]
        ones: dict[int, tuple[int, ...]] = {}
        for key, mult in merged.items():
            if not key:
                continue
            g = len(groups)
            size = len(key)
            weights = ones.get(size)
            if weights is None:
                weights = ones[size] = (1,) * size
            groups.append((key, weights, mult))
            entry = (g, 1)
            for p in key:
                votes[p] += mult
                supporters[p].append(entry)
        return cls(
            ids=ids,
            index=index,
            cost=[p.cost for p in election.projects],
            n=election.num_voters,
            weighted=False,
            groups=groups,
            votes=votes,
            score=list(votes),
            ordinal_length=None,
            supporters=supporters,
        )


def _as_ballot(ballot: object) -> Ballot:
    """A ballot as a tuple: sets and lists of ids, or a mapping id -> points for cumulative ballots."""
    if isinstance(ballot, tuple):
        return ballot
    if isinstance(ballot, Mapping):
        return tuple(ballot.items())
    if isinstance(ballot, str):
        raise ElectionError(f"bulletin mal formé : {ballot!r} (une liste de projets est attendue)")
    try:
        return tuple(ballot)  # type: ignore[arg-type]
    except TypeError:
        raise ElectionError(f"bulletin mal formé : {ballot!r}") from None


def _project_index(index: dict[str, int], pid: object) -> int:
    try:
        return index[pid]  # type: ignore[index]
    except (KeyError, TypeError):
        raise ElectionError(f"un bulletin cite un projet inconnu : {pid!r}") from None


@dataclass(frozen=True)
class TieBreaking:
    """Explicit tie-breaking: lowest cost, then most votes, then a recorded draw.

    equalshares.net `docs/implementation/tie-breaking.mdx` recommends exactly this order ("minCost, maxVotes",
    then by lot, drawn once and used for every run of the Add1 completion). "Most votes" is the project's score
    (approvals, or points for cumulative/ordinal ballots), then its number of supporters. `draw` is the recorded
    outcome of the lot: project ids, the earlier the preferred. A tie that reaches the lot with a project missing
    from `draw` raises `UnresolvedTie`, so that nobody is elected by an accident of memory order.
    """

    draw: tuple[str, ...] = ()
    draw_label: str = "tirage au sort enregistré"

    @cached_property
    def draw_position(self) -> dict[str, int]:
        return {pid: i for i, pid in enumerate(self.draw)}

    def key(self, profile: Profile, p: int) -> tuple[Fraction, Number, int]:
        """Sort key among tied projects: smaller is preferred (draw position not included)."""
        return (profile.cost[p], -profile.score[p], -profile.votes[p])

    def order(self, profile: Profile, tied: Sequence[int], stage: str) -> tuple[list[int], TieEvent | None]:
        """Order tied projects, most preferred first, and describe the decision (None if nothing was tied)."""
        if len(tied) <= 1:
            return list(tied), None
        tied = sorted(tied)
        ranked = self.rank(profile, sorted(tied, key=lambda p: self.key(profile, p)), stage)
        first, others = ranked[0], ranked[1:]
        if all(profile.cost[o] > profile.cost[first] for o in others):
            criterion = "cost"
        elif all(self.key(profile, o) != self.key(profile, first) for o in others):
            criterion = "votes"
        else:
            criterion = "draw"
        return ranked, TieEvent(stage, tuple(profile.ids[p] for p in tied), profile.ids[first], criterion)

    def rank(self, profile: Profile, keyed: list[int], stage: str) -> list[int]:
        positions = self.draw_position
        result: list[int] = []
        i = 0
        while i < len(keyed):
            j = i + 1
            k = self.key(profile, keyed[i])
            while j < len(keyed) and self.key(profile, keyed[j]) == k:
                j += 1
            block = keyed[i:j]
            if len(block) > 1:
                missing = [profile.ids[p] for p in block if profile.ids[p] not in positions]
                if missing:
                    raise UnresolvedTie([profile.ids[p] for p in block], stage)
                block.sort(key=lambda p: positions[profile.ids[p]])
            result.extend(block)
            i = j
        return result


@dataclass(frozen=True)
class TieEvent:
    """A tie that the tie-breaking rule decided: who was tied, who won, and on which criterion."""

    stage: str
    tied: tuple[str, ...]
    chosen: str
    criterion: str  # "cost", "votes" or "draw"


class Reason(enum.StrEnum):
    """Why a project won or lost (machine code; French wording in `REASON_LABELS`)."""

    SELECTED = "selected"  # greedy: fitted in the budget left
    SELECTED_MES = "selected_mes"  # MES: highest effective vote count in its round
    SELECTED_COMPLETION = "selected_completion"  # added by the utilitarian completion after MES
    OVER_BUDGET = "over_budget"  # greedy: cost above the budget left when considered
    AFTER_STOP = "after_stop"  # greedy-no-skip: came after the first project that did not fit
    BELOW_THRESHOLD = "below_threshold"  # fewer votes than the minimum required
    INELIGIBLE = "ineligible"  # removed by the eligibility pre-filter (Świecie rule)
    NO_SUPPORT = "no_support"  # nobody voted for it
    NOT_AFFORDABLE = "not_affordable"  # MES: its supporters' remaining money did not cover the cost


REASON_LABELS = {
    Reason.SELECTED: "retenu : il tenait dans le budget restant",
    Reason.SELECTED_MES: "retenu par la méthode des parts égales",
    Reason.SELECTED_COMPLETION: "retenu par le complément au plus grand nombre de voix",
    Reason.OVER_BUDGET: "non retenu : son coût dépassait le budget restant",
    Reason.AFTER_STOP: "non retenu : le dépouillement s'arrête au premier projet qui ne tient pas",
    Reason.BELOW_THRESHOLD: "non retenu : moins de voix que le seuil requis",
    Reason.INELIGIBLE: "non retenu : trop peu de soutiens au regard de son coût (filtre d'éligibilité)",
    Reason.NO_SUPPORT: "non retenu : aucune voix",
    Reason.NOT_AFFORDABLE: "non retenu : l'argent restant de ses soutiens ne couvrait pas son coût",
}


@dataclass(frozen=True)
class ProjectResult:
    """What happened to one project, with the figures that explain it.

    greedy: `budget_left` is the budget left when the project was considered.
    MES: `effective_votes` is the effective vote count (winners: when selected; losers: the last one computed),
    `price` the most a supporter pays for it (per point for cumulative ballots: a supporter giving k points pays
    at most k × price), and `supporters_money` what its supporters had left when it was found unaffordable.
    """

    project_id: str
    cost: Fraction
    votes: int
    score: Number
    selected: bool
    position: int | None
    reason: Reason
    budget_left: Fraction | None = None
    effective_votes: Fraction | None = None
    price: Fraction | None = None
    supporters_money: Fraction | None = None


@dataclass(frozen=True)
class Outcome:
    """The result of a counting rule: winners in selection order and an explanation for every project."""

    rule: str
    winners: tuple[str, ...]
    total_cost: Fraction
    budget: Fraction
    projects: dict[str, ProjectResult]
    endowment: Fraction | None = None  # MES: the money each voter received (final run for Add1)
    add1_runs: int | None = None  # MES runs made by the Add1 completion
    tie_breaks: tuple[TieEvent, ...] = ()
    comparison: Comparison | None = None

    @property
    def budget_left(self) -> Fraction:
        return self.budget - self.total_cost


@dataclass(frozen=True)
class Comparison:
    """The comparison step ("-comparison" rules): how many voters prefer each outcome."""

    measure: str  # "satisfaction" or "exclusion"
    prefer_mes: int
    prefer_greedy: int
    kept: str  # "mes" or "greedy"
    greedy_winners: tuple[str, ...]
