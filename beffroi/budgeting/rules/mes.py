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

* `mes_reference.reference_run`: the definition above, line by line, in `Fraction` arithmetic. Slow, obviously right.
* `Engine`: the counting engine used by the rules. Exact, and fast enough for city-size votes (Łódź 2022:
  90,494 voters, the 60 runs of its Add1 completion in about half a second of CPU). How:
  - identical ballots are counted once, with their number of voters; after the first run, voters whose
    ballots agree on every project funded so far are merged into one class when that shrinks the work (their
    money is the same in every run: max(0, e − Σ price × points over the funded projects they support)), and
    classes are split when a project is funded for the first time; classes are kept across the Add1 runs;
  - the lazy scan of equalshares.net `computation.mdx` (a project's EVC never increases during a run), with
    cheap lower bounds on a project's price that often show it cannot win a round without computing it;
  - the water-filling sorts only the supporters who can be poor, and finds the poor ones by bisection;
  - a floating-point filter: money and prices are floats carried with rigorous bounds on their rounding
    errors; a comparison the bound cannot decide (a near-tie or an exact tie, a voter left with almost nothing)
    is recomputed in exact `Fraction` arithmetic. Prices of funded projects are exact Fractions, computed from
    the certified partition of poor and rich supporters. Outcomes are therefore those of exact arithmetic; the
    tests compare every run with `reference_run` on the real files and on random instances, and
    `verify=True` on the rules recounts an official result with `reference_run`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from fractions import Fraction
from itertools import accumulate, compress
from math import lcm
from operator import itemgetter, mul
from typing import Any, TypeAlias, cast

from beffroi.budgeting.rules.mes_reference import MesRun, free_first
from beffroi.budgeting.rules.model import Number, Profile, TieBreaking, TieEvent

_EPS = 2.0**-52  # unit roundoff bound used in the error analysis (twice the true one, for slack)
_INF = float("inf")

# The values of a sequence at fixed positions, as a tuple (see `_gatherer`).
_Gather: TypeAlias = Callable[[Sequence[Any]], tuple[Any, ...]]
# A candidate's supporter entries (see `Engine._compiled`): classes, points (None for approval), voters,
# voters × points, smallest points, getter of the classes' values, points as floats (None for approval).
_Compiled: TypeAlias = tuple[
    list[int], list[Number] | None, list[int], Sequence[Number], float, _Gather, list[float] | None
]
# Certified poor supporters of an evaluation: their positions among the entries, the entries' float money,
# the entries' classes and voters.
_Poor: TypeAlias = tuple[list[int], tuple[float, ...], list[int], list[int]]


# --------------------------------------------------------------------------------------------------------------
# Counting engine (exact results, floating-point filter).
# --------------------------------------------------------------------------------------------------------------


class _Evaluation:
    """A project's price in the current round: float value, error bound, and how to get the exact value."""

    __slots__ = ("project", "pi", "err", "exact", "poor", "rich_weight")

    def __init__(
        self,
        project: int,
        pi: float,
        err: float,
        exact: Fraction | None,
        poor: _Poor | None = None,
        rich_weight: Number | None = None,
    ):
        self.project = project
        self.pi = pi  # price per point, float
        self.err = err  # |pi - exact price| <= err
        self.exact = exact  # exact price when already known
        self.poor = poor  # certified poor supporters: (their positions, money, classes, voters)
        self.rich_weight = rich_weight  # exact total weight of the rich supporters


class _RunState:
    """The state of one run: floating-point money per voter class and what recovers the exact values."""

    group_class: list[int]  # class of each ballot group at the end of the run (set by `Engine.run`)

    def __init__(self, engine: Engine, endowment: Fraction):
        self.e = endowment
        self.e_f = float(endowment)
        self.pattern = (
            engine.pattern
        )  # the classes of this run (a switch to coarser classes makes a new list)
        # float money of a voter of each class; 0.0 exactly when (and only when) the exact money is 0
        self.money = [self.e_f] * len(engine.pattern)
        # bound on |float money − exact money| of each class, and the largest of them
        self.err = [2 * _EPS * self.e_f] * len(engine.pattern)
        self.max_err = 2 * _EPS * self.e_f
        self.winners: list[int] = []
        self.round_of: dict[int, int] = {}
        self.evaluations: list[_Evaluation] = []  # evaluation of each round's winner
        self.prices: list[Fraction | None] = []  # exact prices, filled lazily
        self.events: list[TieEvent] = []
        self.funded_rounds: dict[int, list[tuple[int, int | Fraction]]] | None = None  # set when the run ends


class Engine:
    """MES runs on one profile, sharing the voter classes across runs (see the module docstring).

    A class is a set of voters whose money is the same in every run: voters whose ballots give the same points
    to every project in `funded_ever` (the projects funded in some run so far); its `pattern` lists those
    (project, points) pairs. The first run uses one class per distinct ballot. After it, when grouping the
    ballots by the projects funded so far leaves few classes (Łódź 2022: 3,400 classes for 23,571 distinct
    ballots), the engine switches to those classes and splits them further each time a project is funded for the
    first time; otherwise (long ballots, many funded projects) it keeps one class per ballot.
    Each candidate project keeps its supporters as entries: class (and points) -> number of voters.
    """

    # switch to coarser classes only if they are at most this fraction of the distinct ballots
    COARSE_CLASSES = 0.3
    # below this many entries, sort them all; above, first look for the few that can be poor
    SORT_ALL_BELOW = 256

    first_funded: set[int]  # projects funded by the first run (set by `run`)

    def __init__(
        self,
        profile: Profile,
        candidates: Sequence[int],
        free: Sequence[int],
        tie_breaking: TieBreaking,
    ):
        self.profile = profile
        self.candidates = list(candidates)
        self.free = list(free)
        self.tie_breaking = tie_breaking
        self.weighted = profile.weighted
        self.cost_f = [float(c) for c in profile.cost]
        self.runs = 0
        if self.weighted:
            self.max_weight = [float(max(map(itemgetter(1), s), default=1)) for s in profile.supporters]
        else:
            self.max_weight = [1.0] * len(profile.supporters)
        self.compiled: dict[int, _Compiled] = {}
        self.supporter_groups = profile.supporter_groups
        self.emptied = False
        groups = profile.groups
        # one class per distinct ballot; `refining` stays False: classes never need splitting
        self.refining = False
        self.funded_ever: set[int] = set(range(len(profile.ids)))
        self.pattern: list[tuple[tuple[int, Number], ...]] = profile.group_items
        self.group_class = list(range(len(groups)))
        self.population = [1] * len(groups)
        # filled when coarser classes are used: (class, points) -> voters (weighted), class -> voters (approval)
        self.entries: list[dict[Any, int] | None] = [None] * len(profile.ids)
        # project -> its supporting classes: (class, points) pairs (weighted) or classes (approval)
        self.with_project: dict[int, list[Any]] = {}
        for x, supporters in enumerate(profile.supporters):
            # shared with the profile: lists are replaced, never modified, in this mode
            self.with_project[x] = supporters if self.weighted else profile.supporter_groups[x]

    # -- voter classes ------------------------------------------------------------------------------------------

    def _consider_coarse_classes(self, funded: set[int]) -> None:
        """After the first run: group the ballots by their points for the projects funded so far, if that pays."""
        profile = self.profile
        groups = profile.groups
        # key of a class: its (project, points) pairs (weighted) or its projects (approval)
        index: dict[tuple[Any, ...], int] = {}
        is_funded = funded.__contains__
        keys: list[tuple[Any, ...]]
        if self.weighted:
            keys = [
                tuple(compress(items, map(is_funded, g[0])))
                for items, g in zip(self.pattern, groups, strict=True)
            ]
        else:
            # approval: the funded projects of the ballot identify its class (weights are all 1)
            keys = [tuple(filter(is_funded, g[0])) for g in groups]
        setdefault = index.setdefault
        group_class = [setdefault(key, len(index)) for key in keys]
        if len(index) > self.COARSE_CLASSES * len(groups):
            return
        self.refining = True
        self.funded_ever = set(funded)
        self.pattern = list(index) if self.weighted else [tuple((x, 1) for x in key) for key in index]
        self.group_class = group_class
        self.population = [0] * len(index)
        for k in group_class:
            self.population[k] += 1
        self.with_project = {x: [] for x in funded}
        for k, pattern in enumerate(self.pattern):
            for x, w in pattern:
                self.with_project[x].append((k, w) if self.weighted else k)
        for p in self.candidates:
            d: dict[Any, int] = defaultdict(int)
            if self.weighted:
                for g, w, m in zip(
                    profile.supporter_groups[p],
                    profile.supporter_points[p],
                    profile.supporter_voters[p],
                    strict=True,
                ):
                    d[(group_class[g], w)] += m
            else:
                for k, m in zip(
                    map(group_class.__getitem__, profile.supporter_groups[p]),
                    profile.supporter_voters[p],
                    strict=True,
                ):
                    d[k] += m
            self.entries[p] = d
        self.compiled.clear()

    def _refine(self, x: int, state: _RunState) -> None:
        """Split the classes by the ballots' points for `x`, funded for the first time (in any run)."""
        groups = self.profile.groups
        entries = self.entries
        # a new list: finished runs keep the class of each group as it was at their end (see `explain`)
        group_class = self.group_class = list(self.group_class)
        split: dict[tuple[int, object], int] = {}
        pattern = self.pattern
        population = self.population
        money = state.money
        err = state.err
        weighted = self.weighted
        new_classes = []
        touched: set[int] = set()
        for g, wg in self.profile.supporters[x]:
            old = group_class[g]
            new = split.get((old, wg))
            if new is None:
                new = len(pattern)
                split[(old, wg)] = new
                pattern.append(pattern[old] + ((x, wg),))
                money.append(money[old])
                err.append(err[old])
                population.append(0)
                new_classes.append((old, new, wg))
            group_class[g] = new
            population[old] -= 1
            population[new] += 1
            projects, weights, mult = groups[g]
            if weighted:
                for y, wy in zip(projects, weights, strict=True):
                    d = entries[y]
                    if d is not None:
                        d[(old, wy)] -= mult
                        d[(new, wy)] = d.get((new, wy), 0) + mult
            else:
                for y in projects:
                    d = entries[y]
                    if d is not None:
                        d[old] -= mult
                        d[new] = d.get(new, 0) + mult
            touched.update(projects)  # zero counts left behind are dropped at the next compilation
        compiled = self.compiled
        for y in touched:
            compiled.pop(y, None)
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
            if not population[old]:
                self.emptied = True
        self.funded_ever.add(x)

    def _compiled(self, p: int) -> _Compiled:
        """Entries of `p` as parallel lists: classes, points, voters, voters × points, smallest points, getter."""
        ws: list[Number] | None
        ws_f: list[float] | None
        mw: Sequence[Number]
        c = self.compiled.get(p)
        if c is None and not self.refining:
            # one class per ballot group: the entries are the supporting groups themselves
            supporters = self.profile.supporters[p]
            ks = self.profile.supporter_groups[p]
            ms = self.profile.supporter_voters[p]
            if self.weighted:
                ws = [w for _, w in supporters]
                mw = [m * w for m, w in zip(ms, ws, strict=True)]
                ws_f = [float(w) for w in ws]
                wmin = min(ws_f)
            else:
                ws = ws_f = None
                mw = ms
                wmin = 1.0
            c = (ks, ws, ms, mw, wmin, _gatherer(ks), ws_f)
            self.compiled[p] = c
        elif c is None:
            d = self.entries[p]
            assert d is not None
            if 0 in d.values():
                for key in [key for key, m in d.items() if not m]:
                    del d[key]
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
            getter = _gatherer(ks)
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
        for y, w in state.pattern[k]:
            r = round_of.get(y)
            if r is not None and r < before_round:
                total += self._price_exact(state, r) * w
        return total

    def _exact_from_partition(self, state: _RunState, ev: _Evaluation, r: int) -> Fraction:
        """π = (cost − money of the poor supporters) / points of the rich ones; poor and rich certified in float.

        The poor supporters' money is e − Σ price × points over what they helped fund, so it is summed as
        (voters × e) − Σ_rounds price_round × (their points on that round's project): few Fraction operations.
        """
        num = Fraction(self.profile.cost[ev.project])
        voters_positive = 0
        coef: dict[int, int | Fraction] = {}
        round_of = state.round_of
        pattern = state.pattern
        poor_idx, budgets, ks, ms = cast(_Poor, ev.poor)  # set on every evaluation without an exact price
        rounds_of = (
            state.funded_rounds
        )  # class -> its (round, points) of funded projects, once the run is over
        for i in poor_idx:
            if budgets[i] > 0:  # float money is 0.0 exactly when the exact money is 0
                m = ms[i]
                voters_positive += m
                if rounds_of is None:
                    for y, wy in pattern[ks[i]]:
                        ry = round_of.get(y)
                        if ry is not None and ry < r:
                            coef[ry] = coef.get(ry, 0) + m * wy
                    continue
                k = ks[i]
                funded = rounds_of.get(k)
                if funded is None:
                    funded = rounds_of[k] = sorted((round_of[y], wy) for y, wy in pattern[k] if y in round_of)
                for ry, wy in funded:
                    if ry >= r:
                        break
                    coef[ry] = coef.get(ry, 0) + m * wy
        num -= voters_positive * state.e
        for ry, c in coef.items():
            num += self._price_exact(state, ry) * c
        return num / cast(Number, ev.rich_weight)  # set with `poor`

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

    def _evaluate(self, state: _RunState, p: int, best_high: float = _INF) -> _Evaluation | float | None:
        """Price of `p` now (None: not affordable), certified by an error bound or computed exactly.

        Water-filling on the supporters sorted by money per point: supporter j (in that order) is poor when the
        equal share of what the poorer ones leave unpaid, (cost − paid_j) / (points − points_j), exceeds its
        money per point; poverty is a prefix of the order, found by bisection on prefix sums.

        Before sorting, a cheaper lower bound: any set S of supporters surely poor gives
        π ≥ (cost − money of S) / (points − points of S); when that already shows `p` cannot beat the best ratio
        π / cost of this round (`best_high`), the bound is returned (a float) instead of the price.
        """
        ks, ws, ms, mw, wmin, getter, ws_f = self._compiled(p)
        db = state.max_err
        cost_f = self.cost_f[p]
        total_weight = self.profile.score[p]
        budgets = getter(state.money)
        keys: Sequence[float]  # money per point of each entry
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
        if n == 1:
            return self._evaluate_exact(state, p)  # one class, affordable but not all rich: only rounding
        money_of = list(map(mul, budgets, ms))
        price_low: float = share
        if best_high < _INF:
            slack = self.profile.votes[p] * db
            for _ in range(3):
                surely_poor = list(map((price_low * (1 - 4 * _EPS) - keys_err).__gt__, keys))
                weight_poor = sum(compress(mw, surely_poor))
                if weight_poor >= total_weight:
                    break
                paid_poor = sum(compress(money_of, surely_poor))
                bound = (cost_f - paid_poor - slack - 2 * _EPS * n * paid_poor) / (total_weight - weight_poor)
                bound *= 1 - 4 * _EPS
                if bound <= price_low:
                    break
                price_low = bound
                if price_low / cost_f * (1 - 4 * _EPS) > best_high:
                    return price_low / cost_f * (1 - 4 * _EPS)
        # Only supporters whose money per point is below an upper bound on the price can be poor: find such a
        # bound (a price at which the supporters would pay at least the cost) and sort only those below it.
        candidates: Sequence[int] = range(n)
        above = None
        if n > self.SORT_ALL_BELOW:
            trial = price_low * 1.5
            for _ in range(4):
                below = list(map(trial.__gt__, keys))
                paying = sum(compress(money_of, below)) + trial * (total_weight - sum(compress(mw, below)))
                if paying >= cost_f:
                    candidates = list(compress(range(n), below))
                    above = trial
                    break
                trial *= 2
        order = sorted(candidates, key=keys.__getitem__)
        count = len(order)
        if count == 0:
            return self._evaluate_exact(state, p)
        gather = _gatherer(order)
        sorted_keys = gather(keys)
        paid_prefix = list(accumulate(gather(money_of), initial=0.0))
        weight_prefix = list(accumulate(gather(mw), initial=0))
        low, high = 0, count
        while low < high:
            mid = (low + high) // 2
            if cost_f - paid_prefix[mid] > sorted_keys[mid] * (total_weight - weight_prefix[mid]):
                low = mid + 1
            else:
                high = mid
        n_poor = low
        if n_poor == count:
            if above is None:
                return self._evaluate_exact(state, p)
            # every sorted supporter is poor: the first rich one is the poorest of those left out
            first_rich = min(compress(keys, map(above.__le__, keys)))
        else:
            first_rich = sorted_keys[n_poor]
        paid = paid_prefix[n_poor]
        weight_left = total_weight - weight_prefix[n_poor]
        poor_idx = order[:n_poor]
        if n_poor:
            poor_gather = _gatherer(poor_idx)
            err_paid = sum(map(mul, poor_gather(ms), poor_gather(getter(state.err))))
        else:
            err_paid = 0.0
        err_paid += 2 * _EPS * (n_poor + 1) * paid
        price = (cost_f - paid) / weight_left
        err = (err_paid + 2 * _EPS * (cost_f + paid)) / weight_left + 4 * _EPS * price
        last_poor = sorted_keys[n_poor - 1] if n_poor else 0.0
        if (
            last_poor * (1 + 4 * _EPS) + keys_err <= price - err
            and first_rich * (1 - 4 * _EPS) - keys_err >= price + err
        ):
            return _Evaluation(p, price, err, None, (poor_idx, budgets, ks, ms), weight_left)
        return self._evaluate_exact(state, p)

    # -- one run ------------------------------------------------------------------------------------------------

    def run(self, endowment: Fraction) -> MesRun:
        """One MES run with per-voter `endowment`."""
        profile = self.profile
        if self.runs == 1 and not self.refining:
            self._consider_coarse_classes(self.first_funded)
        state = _RunState(self, endowment)
        free_winners, _, _ = free_first(profile, self.free, self.tie_breaking)
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
                ev = self._evaluate(state, p, best_high)
                if ev is None:
                    remaining.discard(p)
                    continue
                if ev.__class__ is float:  # a lower bound showing it cannot win this round
                    if ev > rho_low[p]:
                        rho_low[p] = ev
                    continue
                ev = cast(_Evaluation, ev)  # not a float: checked just above
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
        state.group_class = self.group_class
        state.funded_rounds = {}
        if self.runs == 0:
            self.first_funded = set(state.winners) - set(self.free)
        self.runs += 1
        run = MesRun(endowment, state.winners, [], state.events)
        run._state = state  # type: ignore[attr-defined]
        run._engine = self  # type: ignore[attr-defined]
        return run

    def _fund(self, state: _RunState, ev: _Evaluation) -> None:
        """Fund the chosen project: each supporter pays min(money, price × points).

        Error bounds: a class's new money carries its old error, the price's error times its points and one
        rounding. When the float result is too close to zero to tell whether the voters are broke, their exact
        money is computed, so that float money 0.0 always means exact money 0.
        """
        x = ev.project
        if ev.exact is not None:
            price = float(ev.exact)
            price_err = 2 * _EPS * price
        else:
            price, price_err = ev.pi, ev.err
        if x not in self.funded_ever:
            self._refine(x, state)
        r = len(state.winners)
        state.round_of[x] = r
        state.winners.append(x)
        state.evaluations.append(ev)
        state.prices.append(ev.exact)
        money = state.money
        err = state.err
        rounding = 4 * _EPS * state.e_f
        price_err += 4 * _EPS * price
        max_err = state.max_err
        unclear = []
        classes = self.with_project[x]
        if self.emptied:
            # drop the classes that refinements have emptied (their voters all moved to finer classes)
            population = self.population
            for y, listed in self.with_project.items():
                if self.weighted:
                    self.with_project[y] = [kw for kw in listed if population[kw[0]]]
                else:
                    self.with_project[y] = [k for k in listed if population[k]]
            self.emptied = False
            classes = self.with_project[x]
        if self.weighted:
            for k, w in classes:
                before = money[k]
                if not before:
                    continue  # broke voters pay nothing
                left = before - price * w
                bound = err[k] + w * price_err + rounding
                if left > bound:
                    money[k] = left
                    err[k] = bound
                    if bound > max_err:
                        max_err = bound
                elif left < -bound:
                    money[k] = 0.0
                    err[k] = 0.0
                else:
                    unclear.append(k)
        else:
            step = price_err + rounding
            for k in classes:
                before = money[k]
                if not before:
                    continue
                left = before - price
                bound = err[k] + step
                if left > bound:
                    money[k] = left
                    err[k] = bound
                    if bound > max_err:
                        max_err = bound
                elif left < -bound:
                    money[k] = 0.0
                    err[k] = 0.0
                else:
                    unclear.append(k)
        state.max_err = max_err
        for k in unclear:
            exact = state.e - self._spent_exact(state, k, r + 1)
            if exact > 0:
                money[k] = float(exact)
                err[k] = 2 * _EPS * money[k]
            else:
                money[k] = 0.0
                err[k] = 0.0

    def explain(self, run: MesRun) -> None:
        """Fill the exact prices of the winners and the money left to the losers' supporters."""
        state: _RunState = run._state  # type: ignore[attr-defined]
        if run.prices:
            return
        run.prices = [self._price_exact(state, r) for r in range(len(state.winners))]
        # exact money of every ballot group, as integers over a common denominator
        denominator = lcm(state.e.denominator, *(p.denominator for p in run.prices))
        e_num = int(state.e * denominator)
        price_of: dict[int, int | Fraction] = {
            x: int(run.prices[r] * denominator) for x, r in state.round_of.items()
        }
        is_funded = price_of.__contains__
        groups = self.profile.groups
        items_of = self.profile.group_items
        money: list[Number] = []
        float_money = state.money
        # voters whose ballots agree on the funded projects have the same money: compute it once per such set
        # (key: the funded (project, points) pairs of the ballot when weighted, its funded projects otherwise)
        money_of: dict[tuple[Any, ...], Number] = {}
        key: tuple[Any, ...]
        for g, ((projects, _, _), k) in enumerate(zip(groups, state.group_class, strict=True)):
            if not float_money[k]:
                money.append(0)  # float money 0.0 means exact money 0
                continue
            if self.weighted:
                key = tuple(compress(items_of[g], map(is_funded, projects)))
            else:
                key = tuple(filter(is_funded, projects))
            left = money_of.get(key)
            if left is None:
                left = e_num
                if self.weighted:
                    for y, w in key:
                        left -= price_of[y] * w
                else:
                    for y in key:
                        left -= price_of[y]
                left = money_of[key] = left if left > 0 else 0
            money.append(left)
        paid_by_group = list(map(mul, money, (m for _, _, m in groups)))
        winners = set(state.winners)
        for p in self.candidates:
            if p not in winners:
                total = sum(map(paid_by_group.__getitem__, self.supporter_groups[p]))
                run.supporters_money[p] = Fraction(total, denominator)


def _gatherer(keys: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """The values at `keys`, always as a tuple (itemgetter alone returns a bare value for a single key)."""
    if len(keys) > 1:
        # Called through Any: the type checker cannot infer itemgetter's overloads with an unpacked argument.
        gather: _Gather = cast(Any, itemgetter)(*keys)
        return gather
    k = keys[0]

    def get(values: Sequence[Any]) -> tuple[Any, ...]:
        return (values[k],)

    return get
