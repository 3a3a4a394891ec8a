"""The Method of Equal Shares (MES) with cost utilities, for approval and points ballots.

Definition implemented (equalshares.net `docs/explanation.mdx` steps 1–6 and `docs/implementation/computation.mdx`,
the "cost utilities" variant; Peters, Pierczyński, Skowron, NeurIPS 2021, arXiv:2008.13276; research note §2.2):

* every voter receives the same endowment `e` (by default budget / number of voters);
* a project is affordable when its supporters' remaining money covers its cost;
* its cost is split among its supporters as equally as possible, in proportion to their points for points
  ballots: the price per point `π` solves  Σ_i min(money_i, π · points_i) = cost  (water-filling), and its
  effective vote count (EVC) is cost / π; with approval ballots points are 1, `π` is the most a supporter pays
  and the EVC counts a supporter who pays the full share as 1 and one who pays a part x of it as x/π;
* the affordable project with the highest EVC is funded (ties: `TieBreaking`), each supporter pays
  min(money_i, π · points_i); repeat until no project is affordable.

Maximising EVC is minimising π / cost, pabutools' "affordability" with `Cost_Sat` (approval) and with the
additive satisfaction points × cost (points ballots), so both libraries select the same projects.

Two implementations of one run are here:

* `_reference_run`: the definition above, line by line, in `Fraction` arithmetic. Slow, obviously right.
* `_Engine`: the counting engine used by the rules. Exact, and fast enough for city-size votes (Łódź 2022:
  90,494 voters, 60 runs of the Add1 completion in well under a second). How:
  - voters whose ballots agree on every project funded so far have the same money, whatever the endowment
    (a voter's money is max(0, e − Σ price × points over the funded projects it supports)); voters are grouped in
    such classes, refined only when a project is funded for the first time, and kept across the Add1 runs;
  - the lazy scan of equalshares.net `computation.mdx` (a project's EVC never increases during a run);
  - a floating-point filter: each comparison is computed in floating point together with a rigorous bound on
    its rounding error; when the bound cannot decide it (a near-tie or an exact tie), that comparison is
    recomputed in exact `Fraction` arithmetic. Prices of funded projects are exact Fractions, computed from the
    certified partition of poor and rich supporters. Outcomes are therefore those of exact arithmetic; the test
    suite checks them against `_reference_run` on every real file and on random instances.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import accumulate
from math import lcm
from operator import itemgetter, mul

from .model import Profile, TieBreaking, TieEvent

_EPS = 2.0**-52  # unit roundoff bound used in the error analysis (twice the true one, for slack)
_INF = float("inf")
_NEVER = 1 << 62


@dataclass
class MesRun:
    """One run of MES with a fixed endowment: the winners in order and exact figures to explain them."""

    endowment: Fraction
    winners: list[int]  # project indices, selection order
    prices: list[Fraction]  # price per point (per supporter for approval) of each winner
    tie_events: list[TieEvent] = field(default_factory=list)
    supporters_money: dict[int, Fraction] = field(
        default_factory=dict
    )  # losers: their supporters' money left

    def cost(self, profile: Profile) -> Fraction:
        return sum((profile.cost[p] for p in self.winners), Fraction(0))


def mes_candidates(profile: Profile, eligible: Sequence[int] | None = None) -> tuple[list[int], list[int]]:
    """Projects MES can fund: (with a positive cost and at least one supporter, free with a supporter)."""
    pool = range(len(profile.ids)) if eligible is None else eligible
    paid = [p for p in pool if profile.votes[p] > 0 and profile.cost[p] > 0]
    free = [p for p in pool if profile.votes[p] > 0 and profile.cost[p] == 0]
    return paid, free


# --------------------------------------------------------------------------------------------------------------
# Reference implementation (exact, slow): the definition, line by line.
# --------------------------------------------------------------------------------------------------------------


def reference_run(
    profile: Profile,
    candidates: Sequence[int],
    free: Sequence[int],
    endowment: Fraction,
    tie_breaking: TieBreaking,
) -> MesRun:
    """One MES run in `Fraction` arithmetic, following equalshares.net's published Python code step by step."""
    groups = profile.groups
    money = [endowment] * len(groups)
    winners, prices, events = _free_first(profile, free, tie_breaking)
    last_evc: dict[int, Fraction] = {p: Fraction(profile.score[p]) for p in candidates}
    while True:
        best: list[int] = []
        best_evc = Fraction(0)
        best_price: dict[int, Fraction] = {}
        for p in sorted(last_evc, key=lambda p: last_evc[p], reverse=True):
            if last_evc[p] < best_evc:
                break
            cost = profile.cost[p]
            supporters = profile.supporters[p]
            if sum(money[g] * groups[g][2] for g, _ in supporters) < cost:
                del last_evc[p]
                continue
            paid = Fraction(0)
            weight_left = Fraction(profile.score[p])
            for g, w in sorted(supporters, key=lambda gw: money[gw[0]] / gw[1]):
                price = (cost - paid) / weight_left
                if price * w > money[g]:
                    paid += money[g] * groups[g][2]
                    weight_left -= w * groups[g][2]
                    continue
                evc = cost / price
                last_evc[p] = evc
                best_price[p] = price
                if evc > best_evc:
                    best_evc, best = evc, [p]
                elif evc == best_evc:
                    best.append(p)
                break
        if not best:
            break
        ranked, event = tie_breaking.order(profile, best, f"MES, tour {len(winners) + 1}")
        if event:
            events.append(event)
        chosen = ranked[0]
        price = best_price[chosen]
        winners.append(chosen)
        prices.append(price)
        del last_evc[chosen]
        for g, w in profile.supporters[chosen]:
            money[g] = max(Fraction(0), money[g] - price * w)
    run = MesRun(endowment, winners, prices, events)
    chosen_set = set(winners)
    for p in candidates:
        if p not in chosen_set:
            run.supporters_money[p] = sum(
                (money[g] * groups[g][2] for g, _ in profile.supporters[p]), Fraction(0)
            )
    return run


def _free_first(
    profile: Profile, free: Sequence[int], tie_breaking: TieBreaking
) -> tuple[list[int], list[Fraction], list[TieEvent]]:
    """Free projects with supporters are funded first (pabutools does the same); they cost nobody anything."""
    ordered = sorted(free, key=lambda p: (tie_breaking.key(profile, p), profile.ids[p]))
    return ordered, [Fraction(0)] * len(ordered), []


# --------------------------------------------------------------------------------------------------------------
# Counting engine (exact results, floating-point filter).
# --------------------------------------------------------------------------------------------------------------


class _Evaluation:
    """A project's price in the current round: float value, error bound, and how to get the exact value."""

    __slots__ = ("project", "pi", "err", "exact", "poor", "rich_weight", "budget_err")

    def __init__(
        self, project: int, pi: float, err: float, exact: Fraction | None, poor=None, rich_weight=None
    ):
        self.project = project
        self.pi = pi  # price per point, float
        self.err = err  # |pi - exact price| <= err
        self.exact = exact  # exact price when already known
        self.poor = poor  # certified poor supporters: (their positions, money, classes, voters)
        self.rich_weight = rich_weight  # exact total weight of the rich supporters
        self.budget_err = 0.0


class _RunState:
    """The state of one run: floating-point money per voter class and what recovers the exact values."""

    def __init__(self, engine: _Engine, endowment: Fraction):
        self.e = endowment
        self.e_f = float(endowment)
        self.money = [self.e_f] * len(engine.pattern)  # float money of a voter of each class (≥ 0)
        self.winners: list[int] = []
        self.round_of: dict[int, int] = {}
        self.evaluations: list[_Evaluation] = []  # evaluation of each round's winner
        self.prices: list[Fraction | None] = []  # exact prices, filled lazily
        self.money_err = 4 * _EPS * self.e_f  # bound on |money float − money exact| for every class
        self.broke_at = [_NEVER] * len(engine.pattern)  # round after which a class's money is surely 0
        self.events: list[TieEvent] = []


class _Engine:
    """MES runs on one profile, sharing the voter classes across runs (see the module docstring).

    A class is a set of voters whose ballots give the same points to every project funded so far in any run
    (`pattern`: those (project, points) pairs). Each candidate project keeps its supporters as entries
    (class, points) -> number of voters.
    """

    def __init__(
        self, profile: Profile, candidates: Sequence[int], free: Sequence[int], tie_breaking: TieBreaking
    ):
        self.profile = profile
        self.candidates = list(candidates)
        self.free = list(free)
        self.tie_breaking = tie_breaking
        self.weighted = profile.weighted
        self.cost_f = [float(c) for c in profile.cost]
        self.pattern: list[tuple[tuple[int, int | Fraction], ...]] = [()]
        self.group_class = [0] * len(profile.groups)
        self.in_classes: set[int] = set()
        # classes whose voters support x (approval: class ids; points: (class, points))
        self.with_project: dict[int, list] = {}
        self.split: dict[tuple[int, object], int] = {}
        # entries[p]: approval {class: voters}; points {(class, points): voters}; None if not a candidate
        self.entries: list[dict | None] = [None] * len(profile.ids)
        self.compiled: dict[int, tuple] = {}
        self.max_weight = [float(max((w for _, w in s), default=1)) for s in profile.supporters]
        for p in self.candidates:
            if self.weighted:
                d: dict = {}
                for g, w in profile.supporters[p]:
                    key = (0, w)
                    d[key] = d.get(key, 0) + profile.groups[g][2]
            else:
                d = {0: profile.votes[p]}
            self.entries[p] = d

    # -- voter classes ------------------------------------------------------------------------------------------

    def _refine(self, x: int, state: _RunState) -> None:
        """Split the classes by the ballots' points for `x`, funded for the first time (in any run)."""
        groups = self.profile.groups
        entries = self.entries
        compiled = self.compiled
        group_class = self.group_class
        split = self.split
        pattern = self.pattern
        money = state.money
        weighted = self.weighted
        new_classes = []
        for g, wg in self.profile.supporters[x]:
            old = group_class[g]
            new = split.get((old, wg))
            if new is None:
                new = len(pattern)
                split[(old, wg)] = new
                pattern.append(pattern[old] + ((x, wg),))
                money.append(money[old])
                state.broke_at.append(state.broke_at[old])
                new_classes.append((old, new, wg))
            group_class[g] = new
            projects, weights, mult = groups[g]
            if weighted:
                for y, wy in zip(projects, weights, strict=True):
                    d = entries[y]
                    if d is None:
                        continue
                    old_key = (old, wy)
                    left = d[old_key] - mult
                    if left:
                        d[old_key] = left
                    else:
                        del d[old_key]
                    new_key = (new, wy)
                    d[new_key] = d.get(new_key, 0) + mult
                    compiled.pop(y, None)
            else:
                for y in projects:
                    d = entries[y]
                    if d is None:
                        continue
                    left = d[old] - mult
                    if left:
                        d[old] = left
                    else:
                        del d[old]
                    d[new] = d.get(new, 0) + mult
                    compiled.pop(y, None)
        split.clear()  # keys are (old class, points) for this x only
        with_project = self.with_project
        with_project[x] = []
        for old, new, wg in new_classes:
            if weighted:
                for y, wy in pattern[old]:
                    with_project[y].append((new, wy))
                with_project[x].append((new, wg))
            else:
                for y, _ in pattern[old]:
                    with_project[y].append(new)
                with_project[x].append(new)
        self.in_classes.add(x)

    def _compiled(self, p: int) -> tuple:
        """Entries of `p` as parallel lists: classes, points, voters, voters × points, smallest points, getter."""
        c = self.compiled.get(p)
        if c is None:
            d = self.entries[p]
            assert d is not None
            if self.weighted:
                ks = [k for k, _ in d]
                ws = [w for _, w in d]
                ms = list(d.values())
                mw = [m * w for m, w in zip(ms, ws, strict=True)]
                ws_f = [float(w) for w in ws]
                wmin = min(ws_f)
            else:
                ks = list(d)
                ms = list(d.values())
                ws = ws_f = None
                mw = ms
                wmin = 1.0
            getter = itemgetter(*ks) if len(ks) > 1 else _single(ks[0])
            c = (ks, ws, ms, mw, wmin, getter, ws_f)
            self.compiled[p] = c
        return c

    # -- exact values -------------------------------------------------------------------------------------------

    def _price_exact(self, state: _RunState, r: int) -> Fraction:
        """Exact price of round r's winner, from its certified evaluation (rounds before r first)."""
        price = state.prices[r]
        if price is None:
            ev = state.evaluations[r]
            price = ev.exact if ev.exact is not None else self._exact_from_partition(state, ev, r)
            state.prices[r] = price
        return price

    def _spent_exact(self, state: _RunState, k: int, before_round: int) -> Fraction:
        """Exact Σ price × points of the projects funded before `before_round` that class k supports."""
        total = Fraction(0)
        round_of = state.round_of
        for y, w in self.pattern[k]:
            r = round_of.get(y)
            if r is not None and r < before_round:
                total += self._price_exact(state, r) * w
        return total

    def _exact_from_partition(self, state: _RunState, ev: _Evaluation, r: int) -> Fraction:
        """π = (cost − money of the poor supporters) / points of the rich ones; poor and rich certified in float.

        The poor supporters' money is e − Σ price × points over what they helped fund, so it is summed as
        (voters × e) − Σ_rounds price_round × (their points on that round's project): few Fraction operations.
        """
        e = state.e
        num = Fraction(self.profile.cost[ev.project])
        db = ev.budget_err
        voters_positive = 0
        coef: dict[int, int | Fraction] = {}
        round_of = state.round_of
        pattern = self.pattern
        poor_idx, budgets, ks, ms = ev.poor
        broke_at = state.broke_at
        for i in poor_idx:
            b_f, m, k = budgets[i], ms[i], ks[i]
            if b_f > db:
                voters_positive += m
                for y, wy in pattern[k]:
                    ry = round_of.get(y)
                    if ry is not None and ry < r:
                        coef[ry] = coef.get(ry, 0) + m * wy
            elif broke_at[k] < r:
                continue
            else:
                b = e - self._spent_exact(state, k, r)
                if b > 0:
                    num -= b * m
        num -= voters_positive * e
        for ry, c in coef.items():
            num += self._price_exact(state, ry) * c
        return num / ev.rich_weight

    def _evaluate_exact(self, state: _RunState, p: int) -> _Evaluation | None:
        """Price of `p` now, all in Fractions (used when the floating-point filter cannot decide)."""
        r = len(state.winners)
        ks, ws, ms, _, _, _, _ = self._compiled(p)
        cost = self.profile.cost[p]
        e = state.e
        cache: dict[int, Fraction] = {}
        rows = []
        for i, (k, m) in enumerate(zip(ks, ms, strict=True)):
            w = ws[i] if ws is not None else 1
            b = cache.get(k)
            if b is None:
                b = max(Fraction(0), e - self._spent_exact(state, k, r))
                cache[k] = b
            rows.append((b / w, b, m, w))
        rows.sort(key=lambda row: row[0])
        if sum(b * m for _, b, m, _ in rows) < cost:
            return None
        paid = Fraction(0)
        weight_left = Fraction(sum(m * w for _, _, m, w in rows))
        for key, b, m, w in rows:
            price = (cost - paid) / weight_left
            if price > key:
                paid += b * m
                weight_left -= m * w
                continue
            return _Evaluation(p, float(price), 0.0, price)
        raise AssertionError("unreachable: an affordable project has a rich supporter")

    # -- floating-point evaluation ------------------------------------------------------------------------------

    def _evaluate(self, state: _RunState, p: int) -> _Evaluation | None:
        """Price of `p` now (None: not affordable), certified by an error bound or computed exactly.

        Water-filling on the supporters sorted by money per point: supporter j (in that order) is poor when the
        equal share of what the poorer ones leave unpaid, (cost − paid_j) / (points − points_j), exceeds its
        money per point; poverty is a prefix of the order, found by bisection on prefix sums.
        """
        ks, ws, ms, mw, wmin, getter, ws_f = self._compiled(p)
        db = state.money_err
        cost_f = self.cost_f[p]
        total_weight = self.profile.score[p]
        budgets = getter(state.money)
        if ws_f is not None:
            keys = [b / w for b, w in zip(budgets, ws_f, strict=True)]
            keys_err = db / wmin
        else:
            keys = budgets
            keys_err = db
        share = cost_f / total_weight
        if min(keys) * (1 - 4 * _EPS) - keys_err >= share * (1 + 4 * _EPS):
            # everybody can pay the equal share: price = cost / points, exactly
            return _Evaluation(p, share, 0.0, self.profile.cost[p] / total_weight)
        n = len(ks)
        total = sum(map(mul, budgets, ms))
        total_err = self.profile.votes[p] * db + 2 * _EPS * (n + 1) * total
        if total + total_err < cost_f * (1 - 2 * _EPS):
            return None
        if total - total_err <= cost_f * (1 + 2 * _EPS):
            return self._evaluate_exact(state, p)
        order = sorted(range(n), key=keys.__getitem__)
        sorted_keys = [keys[i] for i in order]
        paid_prefix = list(accumulate([budgets[i] * ms[i] for i in order], initial=0.0))
        weight_prefix = list(accumulate([mw[i] for i in order], initial=0))
        low, high = 0, n
        while low < high:
            mid = (low + high) // 2
            if cost_f - paid_prefix[mid] > sorted_keys[mid] * (total_weight - weight_prefix[mid]):
                low = mid + 1
            else:
                high = mid
        n_poor = low
        if n_poor == n:
            return self._evaluate_exact(state, p)
        paid = paid_prefix[n_poor]
        weight_left = total_weight - weight_prefix[n_poor]
        poor_idx = order[:n_poor]
        poor_voters = sum(map(ms.__getitem__, poor_idx))
        err_paid = poor_voters * db + 2 * _EPS * (n_poor + 1) * paid
        price = (cost_f - paid) / weight_left
        err = (err_paid + 2 * _EPS * (cost_f + paid)) / weight_left + 4 * _EPS * price
        last_poor = sorted_keys[n_poor - 1] if n_poor else 0.0
        first_rich = sorted_keys[n_poor]
        if (
            last_poor * (1 + 4 * _EPS) + keys_err <= price - err
            and first_rich * (1 - 4 * _EPS) - keys_err >= price + err
        ):
            ev = _Evaluation(p, price, err, None, (poor_idx, budgets, ks, ms), weight_left)
            ev.budget_err = db
            return ev
        return self._evaluate_exact(state, p)

    # -- one run ------------------------------------------------------------------------------------------------

    def run(self, endowment: Fraction) -> MesRun:
        """One MES run with per-voter `endowment`."""
        profile = self.profile
        state = _RunState(self, endowment)
        free_winners, _, _ = _free_first(profile, self.free, self.tie_breaking)
        for p in free_winners:
            state.round_of[p] = len(state.winners)
            state.winners.append(p)
            state.evaluations.append(_Evaluation(p, 0.0, 0.0, Fraction(0)))
            state.prices.append(Fraction(0))
        cost = profile.cost
        cost_f = self.cost_f
        # lower bounds on each project's price-to-cost ratio ρ = π / cost, which never decreases during a run
        rho_low = {p: (1 - 4 * _EPS) / float(profile.score[p]) for p in self.candidates}
        remaining = set(self.candidates)
        while remaining:
            best_high = _INF
            evaluations: list[tuple[float, _Evaluation]] = []
            for p in sorted(remaining, key=rho_low.__getitem__):
                if rho_low[p] > best_high:
                    break
                ev = self._evaluate(state, p)
                if ev is None:
                    remaining.discard(p)
                    continue
                rho = ev.pi / cost_f[p]
                rho_err = ev.err / cost_f[p] + 4 * _EPS * rho
                low, high = rho - rho_err, rho + rho_err
                if low > rho_low[p]:
                    rho_low[p] = low
                if high < best_high:
                    best_high = high
                evaluations.append((low, ev))
            if not evaluations:
                break
            contenders = [ev for low, ev in evaluations if low <= best_high]
            r = len(state.winners)
            if len(contenders) == 1:
                chosen = contenders[0]
            else:
                exact_rho = {}
                for ev in contenders:
                    if ev.exact is None:
                        ev.exact = self._exact_from_partition(state, ev, r)
                    exact_rho[ev.project] = ev.exact / cost[ev.project]
                lowest = min(exact_rho.values())
                tied = [p for p, v in exact_rho.items() if v == lowest]
                ranked, event = self.tie_breaking.order(profile, tied, f"MES, tour {r + 1}")
                if event:
                    state.events.append(event)
                chosen = next(ev for ev in contenders if ev.project == ranked[0])
            self._fund(state, chosen)
            remaining.discard(chosen.project)
        run = MesRun(endowment, state.winners, [], state.events)
        run._state = state  # type: ignore[attr-defined]
        run._engine = self  # type: ignore[attr-defined]
        return run

    def _fund(self, state: _RunState, ev: _Evaluation) -> None:
        """Fund the chosen project: each supporter pays min(money, price × points)."""
        x = ev.project
        if ev.exact is not None:
            price = float(ev.exact)
            err = 2 * _EPS * price
        else:
            price, err = ev.pi, ev.err
        if x not in self.in_classes:
            self._refine(x, state)
        money = state.money
        # each subtraction: the price's own error (times points) plus one rounding of a number ≤ e
        state.money_err += self.max_weight[x] * (err + 4 * _EPS * price) + 4 * _EPS * state.e_f
        surely_broke = -state.money_err
        broke_at = state.broke_at
        r = len(state.winners)
        if self.weighted:
            for k, w in self.with_project[x]:
                left = money[k] - price * w
                if left > 0:
                    money[k] = left
                else:
                    money[k] = 0.0
                    if left < surely_broke and broke_at[k] > r:
                        broke_at[k] = r
        else:
            for k in self.with_project[x]:
                left = money[k] - price
                if left > 0:
                    money[k] = left
                else:
                    money[k] = 0.0
                    if left < surely_broke and broke_at[k] > r:
                        broke_at[k] = r
        state.round_of[x] = r
        state.winners.append(x)
        state.evaluations.append(ev)
        state.prices.append(ev.exact)

    def explain(self, run: MesRun) -> None:
        """Fill the exact prices of the winners and the money left to the losers' supporters."""
        state: _RunState = run._state  # type: ignore[attr-defined]
        if run.prices:
            return
        run.prices = [self._price_exact(state, r) for r in range(len(state.winners))]
        # exact money of every class, as integers over a common denominator
        denominator = lcm(state.e.denominator, *(p.denominator for p in run.prices))
        e_num = int(state.e * denominator)
        price_num = [int(p * denominator) for p in run.prices]
        round_of = state.round_of
        winners = set(state.winners)
        money_of: dict[int, int] = {}
        for p in self.candidates:
            if p in winners:
                continue
            ks, _, ms, _, _, _, _ = self._compiled(p)
            total = 0
            for k, m in zip(ks, ms, strict=True):
                money = money_of.get(k)
                if money is None:
                    money = e_num
                    for y, w in self.pattern[k]:
                        ry = round_of.get(y)
                        if ry is not None:
                            money -= price_num[ry] * w
                    money = money_of[k] = max(money, 0)
                total += money * m
            run.supporters_money[p] = Fraction(total, denominator)


def _single(k: int):
    def get(values: Sequence[float]) -> tuple[float]:
        return (values[k],)

    return get
