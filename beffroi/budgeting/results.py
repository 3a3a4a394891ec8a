"""The published results of a budget's count, typed: what `services.counting.count_budget` returns and what
`Budget.results` stores (as JSON, through `BudgetCount.to_json` and `BudgetCount.from_json`). No Django.

The JSON keeps the shape the results have always been stored in (the platform API and the exports read it);
`from_json` also reads results stored before a key existed, with the value the pages used to assume.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True)
class ProjectCount:
    """One project in the results: its figures and why it won or lost, in the official count and with greedy."""

    id: str
    title: str
    cost: int
    group: str  # the envelope's name, "" for the general part of the budget
    leftover: bool  # decided by the leftover completion of the envelopes
    votes: int
    score: float | None  # votes, or points for a points or ranking ballot
    selected: bool
    position: int | None  # rank of selection among the winners
    reason: str  # a `rules.Reason` value
    reason_label: str  # the French sentence of the count, kept for the CSV and pabulib exports
    effective_votes: float | None
    price: float | None
    supporters_money: float | None
    budget_left: float | None  # greedy: the budget left when it looked at the project
    money_left: float | None  # the money there was for the project when it was decided
    greedy_selected: bool
    greedy_reason_label: str

    @classmethod
    def from_json(cls, data: JSON) -> ProjectCount:
        return cls(
            id=str(data["id"]),
            title=data["title"],
            cost=data["cost"],
            group=data.get("group", ""),
            leftover=bool(data.get("leftover", False)),
            votes=data["votes"],
            score=data.get("score"),
            selected=bool(data.get("selected", False)),
            position=data.get("position"),
            reason=data.get("reason", ""),
            reason_label=data.get("reason_label", ""),
            effective_votes=data.get("effective_votes"),
            price=data.get("price"),
            supporters_money=data.get("supporters_money"),
            budget_left=data.get("budget_left"),
            money_left=data.get("money_left"),
            greedy_selected=bool(data.get("greedy_selected", False)),
            greedy_reason_label=data.get("greedy_reason_label", ""),
        )


@dataclass(frozen=True)
class GroupCount:
    """One envelope (or the general part, named "") as counted: its amount, winners and spending."""

    name: str
    amount: int
    winners: tuple[str, ...]
    total_cost: float | None
    endowment: float | None

    @property
    def money_left(self) -> float:
        """What the envelope's count did not spend."""
        return self.amount - (self.total_cost or 0)

    def to_json(self) -> JSON:
        return {
            "name": self.name,
            "amount": self.amount,
            "winners": list(self.winners),
            "total_cost": self.total_cost,
            "endowment": self.endowment,
        }

    @classmethod
    def from_json(cls, data: JSON) -> GroupCount:
        return cls(
            name=data.get("name", ""),
            amount=data["amount"],
            winners=tuple(data.get("winners", ())),
            total_cost=data.get("total_cost"),
            endowment=data.get("endowment"),
        )


@dataclass(frozen=True)
class Endowment:
    """Each voter's share of an envelope's money (Method of Equal Shares)."""

    group: str
    endowment: float | None


@dataclass(frozen=True)
class LeftoverCount:
    """The leftover completion: the money the envelopes left, and the projects it funded."""

    amount: float | None
    winners: tuple[str, ...]
    total_cost: float | None

    @property
    def money_left(self) -> float:
        """What the completion did not spend of the money the envelopes left."""
        return (self.amount or 0) - (self.total_cost or 0)

    def to_json(self) -> JSON:
        return {"amount": self.amount, "winners": list(self.winners), "total_cost": self.total_cost}

    @classmethod
    def from_json(cls, data: JSON) -> LeftoverCount:
        return cls(
            amount=data.get("amount"),
            winners=tuple(data.get("winners", ())),
            total_cost=data.get("total_cost"),
        )


@dataclass(frozen=True)
class TieBreakRecord:
    """A tie the count met and how it was decided (`criterion`: "cost", "votes" or "draw")."""

    count: str  # "main" (the official result) or "greedy" (the comparison)
    group: str
    stage: str
    tied: tuple[str, ...]
    chosen: str
    criterion: str

    def to_json(self) -> JSON:
        return {
            "count": self.count,
            "group": self.group,
            "stage": self.stage,
            "tied": list(self.tied),
            "chosen": self.chosen,
            "criterion": self.criterion,
        }

    @classmethod
    def from_json(cls, data: JSON) -> TieBreakRecord:
        return cls(
            count=data.get("count", "main"),
            group=data.get("group", ""),
            stage=data.get("stage", ""),
            tied=tuple(data.get("tied", ())),
            chosen=data["chosen"],
            criterion=data["criterion"],
        )


@dataclass(frozen=True)
class PaperSetAside:
    """Paper ballots left out of the count on purpose (entered once, or entered differently), and why."""

    count: int
    single: tuple[int, ...]
    mismatch: tuple[int, ...]
    reason: str

    def to_json(self) -> JSON:
        return {
            "count": self.count,
            "single": list(self.single),
            "mismatch": list(self.mismatch),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: JSON) -> PaperSetAside:
        return cls(
            count=data["count"],
            single=tuple(data.get("single", ())),
            mismatch=tuple(data.get("mismatch", ())),
            reason=data.get("reason", ""),
        )


@dataclass(frozen=True)
class BudgetCount:
    """The results of a budget's count, with the greedy comparison, the draw and every tie it decided."""

    rule: str
    num_voters: int  # ballots counted: online, and valid paper ones
    num_online: int
    num_paper: int
    num_paper_blank: int
    num_paper_void: int
    winners: tuple[str, ...]  # project ids in the order of selection
    total_cost: int
    greedy_winners: tuple[str, ...]
    greedy_total_cost: int
    share_with_funded: float  # share of voters with at least one of their projects funded (4 decimals)
    greedy_share_with_funded: float
    projects: dict[str, ProjectCount]
    groups: tuple[GroupCount, ...] = ()
    endowments: tuple[Endowment, ...] = ()
    leftover: LeftoverCount | None = None
    draw: tuple[str, ...] = ()  # the recorded lot: project ids by increasing SHA-256 of "<seed>:<id>"
    draw_seed: str | None = None
    draw_method: str | None = None
    draw_at: str | None = None  # ISO 8601
    tie_breaks: tuple[TieBreakRecord, ...] = ()
    paper_set_aside: PaperSetAside | None = None
    extra: JSON = field(default_factory=dict)  # keys of stored results this version does not know, kept as is

    def to_json(self) -> JSON:
        """The results as `Budget.results` stores them (the shape the API and the exports read)."""
        return {
            "rule": self.rule,
            "num_voters": self.num_voters,
            "num_online": self.num_online,
            "num_paper": self.num_paper,
            "num_paper_blank": self.num_paper_blank,
            "num_paper_void": self.num_paper_void,
            "paper_set_aside": self.paper_set_aside.to_json() if self.paper_set_aside is not None else None,
            "winners": list(self.winners),
            "total_cost": self.total_cost,
            "greedy_winners": list(self.greedy_winners),
            "greedy_total_cost": self.greedy_total_cost,
            "share_with_funded": self.share_with_funded,
            "greedy_share_with_funded": self.greedy_share_with_funded,
            "endowments": [asdict(e) for e in self.endowments],
            "draw": list(self.draw),
            "draw_seed": self.draw_seed,
            "draw_method": self.draw_method,
            "draw_at": self.draw_at,
            "tie_breaks": [t.to_json() for t in self.tie_breaks],
            "projects": {pid: asdict(p) for pid, p in self.projects.items()},
            "groups": [g.to_json() for g in self.groups],
            "leftover": self.leftover.to_json() if self.leftover is not None else None,
            **self.extra,
        }

    @classmethod
    def from_json(cls, data: JSON) -> BudgetCount:
        """Read stored results (those of an older version too: a missing key takes its neutral value)."""
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        set_aside = data.get("paper_set_aside")
        leftover = data.get("leftover")
        return cls(
            rule=data["rule"],
            num_voters=data["num_voters"],
            num_online=data["num_online"] if "num_online" in data else data["num_voters"],
            num_paper=data.get("num_paper", 0),
            num_paper_blank=data.get("num_paper_blank", 0),
            num_paper_void=data.get("num_paper_void", 0),
            winners=tuple(data["winners"]),
            total_cost=data["total_cost"],
            greedy_winners=tuple(data.get("greedy_winners", ())),
            greedy_total_cost=data.get("greedy_total_cost", 0),
            share_with_funded=data.get("share_with_funded", 0.0),
            greedy_share_with_funded=data.get("greedy_share_with_funded", 0.0),
            projects={str(pid): ProjectCount.from_json(p) for pid, p in data.get("projects", {}).items()},
            groups=tuple(GroupCount.from_json(g) for g in data.get("groups") or ()),
            endowments=tuple(
                Endowment(group=e.get("group", ""), endowment=e.get("endowment"))
                for e in data.get("endowments") or ()
            ),
            leftover=LeftoverCount.from_json(leftover) if leftover else None,
            draw=tuple(data.get("draw") or ()),
            draw_seed=data.get("draw_seed"),
            draw_method=data.get("draw_method"),
            draw_at=data.get("draw_at"),
            tie_breaks=tuple(TieBreakRecord.from_json(t) for t in data.get("tie_breaks") or ()),
            paper_set_aside=PaperSetAside.from_json(set_aside) if set_aside else None,
            extra={key: value for key, value in data.items() if key not in known},
        )

    def project_rows(self, ids: tuple[str, ...] | list[str]) -> list[ProjectCount]:
        """The projects named by `ids` (winners of the count or of an envelope), in that order."""
        return [self.projects[pid] for pid in ids if pid in self.projects]


# What the results page explains in words: why a project was not funded, where the unspent money went, what the
# simple rule (greedy: most votes first while the money lasts) would have changed. Read from the stored results
# alone; nothing here counts again or changes who won.


def funded_voters(data: BudgetCount) -> tuple[int, int]:
    """Voters with at least one of their projects funded: (official count, greedy), in numbers of voters.

    The results keep the shares to four decimals: the numbers are exact up to 9 999 voters (the rounding error
    stays below half a voter), far more than a commune's participatory budget gathers.
    """
    return (
        round(data.share_with_funded * data.num_voters),
        round(data.greedy_share_with_funded * data.num_voters),
    )


@dataclass(frozen=True)
class Figure:
    """One figure of the comparison with greedy: its value in the official count and with greedy."""

    name: str  # "voters_with_funded", "total_cost" or "num_winners"
    official: int
    greedy: int

    @property
    def same(self) -> bool:
        return self.official == self.greedy


@dataclass(frozen=True)
class GreedyComparison:
    """What greedy would have changed: the figures, and the projects only one of the two counts funds."""

    figures: tuple[Figure, ...]
    only_official: tuple[str, ...]  # project ids, in the official order of selection
    only_greedy: tuple[str, ...]  # project ids, in greedy's order of selection

    @property
    def same_winners(self) -> bool:
        return not self.only_official and not self.only_greedy

    @property
    def different(self) -> tuple[Figure, ...]:
        """The figures worth comparing side by side (a figure equal in both counts says nothing of the rules)."""
        return tuple(f for f in self.figures if not f.same)

    @property
    def equal(self) -> tuple[Figure, ...]:
        return tuple(f for f in self.figures if f.same)


def greedy_comparison(data: BudgetCount) -> GreedyComparison:
    """The official count beside greedy's, from the stored results: voters with at least one funded project,
    money given to projects, number of projects, and the projects that differ."""
    official_voters, greedy_voters = funded_voters(data)
    greedy_set = set(data.greedy_winners)
    official_set = set(data.winners)
    return GreedyComparison(
        figures=(
            Figure("voters_with_funded", official_voters, greedy_voters),
            Figure("total_cost", data.total_cost, data.greedy_total_cost),
            Figure("num_winners", len(data.winners), len(data.greedy_winners)),
        ),
        only_official=tuple(pid for pid in data.winners if pid not in greedy_set),
        only_greedy=tuple(pid for pid in data.greedy_winners if pid not in official_set),
    )


def money_left(project: ProjectCount, data: BudgetCount) -> float | None:
    """The money there was for the project when it was decided.

    Stored by the count since it kept it (`ProjectCount.money_left`); for older results, what greedy had left when
    it looked at the project, else what the leftover completion, the project's envelope or the whole budget had
    left at the end.
    """
    if project.money_left is not None:
        return project.money_left
    if data.rule == "greedy" and project.budget_left is not None:
        return project.budget_left
    if data.leftover:
        return data.leftover.money_left
    group = next((g for g in data.groups if g.name == project.group), None)
    return group.money_left if group else None


# Why a project was not funded, in words a resident reads (the results page words each cause):
NOT_FUNDED_CAUSES = (
    "no_support",  # nobody chose it
    "shares",  # equal shares: its supporters' shares, all together, did not cover its cost
    "budget",  # greedy: the money left when its turn came did not cover its cost
    "below_threshold",  # fewer votes than the minimum set
    "ineligible",  # removed beforehand: too few supporters for its cost (eligibility filter)
    "after_stop",  # greedy without skipping: the count stopped at an earlier project that did not fit
    "other",  # a reason this version does not know: the count's own sentence (`reason_label`)
)
_CAUSE_OF_REASON = {
    "not_affordable": "shares",
    "over_budget": "budget",
    "below_threshold": "below_threshold",
    "ineligible": "ineligible",
    "after_stop": "after_stop",
    "no_support": "no_support",
}


@dataclass(frozen=True)
class NotFunded:
    """Why a project was not funded: the cause (one of `NOT_FUNDED_CAUSES`) and the money that was left.

    `money_left` is the money there was when it was decided; `money_short` says that it was less than the
    project's cost (the money left could not have paid for it either); `from_leftover` says that this money is
    what the envelopes left unspent, which the leftover completion offered to the projects still unfunded.
    """

    cause: str
    money_left: float | None
    money_short: bool
    from_leftover: bool


def why_not_funded(project: ProjectCount, data: BudgetCount) -> NotFunded | None:
    """Why `project` was not funded, from its stored reason and figures; None for a funded project."""
    if project.selected:
        return None
    cause = "no_support" if not project.votes else _CAUSE_OF_REASON.get(project.reason, "other")
    left = money_left(project, data)
    return NotFunded(
        cause=cause,
        money_left=left,
        money_short=left is not None and left < project.cost,
        from_leftover=data.leftover is not None,
    )


@dataclass(frozen=True)
class Unspent:
    """The part of the budget given to no project, and why.

    `cheapest_unfunded` is the cost of the cheapest project not funded (None: every project was funded);
    `fitting` the projects not funded although their cost fitted in what their envelope (or the budget, or the
    leftover completion) had left at the end — with equal shares, projects whose supporters could not pay for
    them; `kept_in_envelopes` says that each envelope kept its unspent money (envelopes, no leftover completion);
    `unassigned` the part of the budget given to no envelope while no project stood outside them.
    """

    amount: float
    cheapest_unfunded: int | None
    fitting: tuple[str, ...]
    kept_in_envelopes: bool
    unassigned: float


def unspent_money(data: BudgetCount, budget_amount: int) -> Unspent:
    """The money of `budget_amount` that the count gave to no project, and what kept it from being spent."""
    amount = max(budget_amount - data.total_cost, 0)
    unfunded = [p for p in data.projects.values() if not p.selected]
    cheapest = min((p.cost for p in unfunded), default=None)
    pots: list[tuple[float, list[ProjectCount]]]
    kept = False
    unassigned: float = 0
    if data.leftover is not None:
        pots = [(data.leftover.money_left, unfunded)]
    elif data.groups:
        pots = [(g.money_left, [p for p in unfunded if p.group == g.name]) for g in data.groups]
        kept = len(data.groups) > 1 or any(g.name for g in data.groups)
        unassigned = max(budget_amount - sum(g.amount for g in data.groups), 0)
    else:
        pots = [(amount, unfunded)]
    fitting = tuple(p.id for left, projects in pots for p in projects if p.cost <= left)
    return Unspent(
        amount=amount,
        cheapest_unfunded=cheapest,
        fitting=fitting if amount else (),
        kept_in_envelopes=kept,
        unassigned=unassigned,
    )
