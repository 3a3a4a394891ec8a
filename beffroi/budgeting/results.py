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
    share_with_funded: float  # voters with at least one of their projects funded
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
