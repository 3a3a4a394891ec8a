"""Counting rules of `beffroi.budgeting.rules` beside pabutools, on Łódź 2022 and a generated 100,000-voter vote.

    .venv/bin/python bench/pb_rules.py                    # everything (pabutools needs ~15-25 minutes in all)
    .venv/bin/python bench/pb_rules.py --instance lodz    # Łódź 2022 only (~3 minutes)
    .venv/bin/python bench/pb_rules.py --rules mes,mes-add1
    .venv/bin/python bench/pb_rules.py --instance none    # the whole command only
    .venv/bin/python bench/pb_rules.py --instance none --all-files DIR   # and same winners on every .pb in DIR

First, the whole command as a person runs it: `beffroi pb count Poland_Lodz_2022.pb --rule mes-add1` from process
start to the last line printed (reading the file, counting, printing), `--command-runs` times after one warm-up
run (modules compiled first, as after any first run); wall-clock and CPU seconds (CPU: the command and the child
it forks for the Add1 runs), minimum and median, against the goal of 1 s. Beside it pabutools' whole command: a
`python -c` that reads the same file with pabutools' parser and runs its Method of Equal Shares with the Add1
completion (`voter_budget_increment=1`), same tie-breaking, printing the winners; and whether both print the same
winners. The machine should be otherwise idle: wall-clock time on a busy machine measures the others' work too. `--all-files DIR` also runs both whole commands (mes-add1, JSON) on every `.pb` file of DIR with
approval ballots and says whether the winners are identical.

For each rule and instance: our time, pabutools' time on the same input in the same run, the speedup and whether
the winners (in selection order) are identical. Both sides are given the same tie-breaking (lowest cost, most
votes, then file order) and cost satisfaction (equalshares.net "cost utilities"). Times exclude reading the file:
ours is the rule call on an `Election` (our exact arithmetic, explanation figures included); pabutools' is the rule
call on its multiprofile (identical ballots grouped, its faster form), in its default exact `gmpy2` arithmetic.
Composite pabutools timings are sums of the calls they are made of (e.g. Add1U = Add1 + greedy completion).

Times are CPU seconds (`time.process_time`): both libraries run single-threaded, so on an idle machine CPU time
equals wall time, and on a shared machine it does not count the time other programs take. Ours is the median of
`--repeat` runs (default 3); pabutools runs once (it takes minutes), in a child process that is stopped after
`--pabutools-timeout` seconds.

Generated instance (as in the research note §3.2, "synthetic B"): 200 projects, 100,000 voters approving 1-10
projects each with popularity ∝ 1/rank^0.7, costs uniform in 5,000-400,000, budget 20 % of the total cost,
Python `random` seed 7.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import json
import multiprocessing
import os
import platform
import queue
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pabutools
from pabutools.election import (
    ApprovalBallot,
    ApprovalProfile,
    Cardinality_Sat,
    Cost_Sat,
    Instance,
)
from pabutools.election import Project as PabutoolsProject
from pabutools.fractions import frac
from pabutools.rules import (
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    popularity_comparison,
)
from pabutools.tiebreaking import TieBreakingRule

from beffroi.budgeting.pabulib import read_pabulib
from beffroi.budgeting.rules import (
    Election,
    Project,
    TieBreaking,
    greedy,
    mes_add1,
    mes_add1_comparison,
    mes_add1_utilitarian,
)
from beffroi.budgeting.rules import (
    method_of_equal_shares as our_mes,
)

ROOT = Path(__file__).resolve().parents[1]
LODZ = ROOT / "tests" / "data" / "pabulib" / "Poland_Lodz_2022.pb"
RULES = [
    "greedy",
    "greedy-no-skip",
    "greedy-threshold",
    "mes",
    "mes-add1",
    "mes-add1-nonexhaustive",
    "mes-add1-utilitarian",
    "mes-add1-comparison",
]


def synthetic(voters: int = 100_000, projects: int = 200, seed: int = 7) -> Election:
    rng = random.Random(seed)
    ids = [f"s{i}" for i in range(projects)]
    costs = [rng.randint(5_000, 400_000) for _ in ids]
    weights = [1 / (rank + 1) ** 0.7 for rank in range(projects)]
    popularity = list(ids)
    rng.shuffle(popularity)
    ballots = []
    for _ in range(voters):
        size = rng.randint(1, 10)
        chosen: set[str] = set()
        while len(chosen) < size:
            chosen.update(rng.choices(popularity, weights=weights, k=size - len(chosen)))
        ballots.append(tuple(sorted(chosen)))
    budget = sum(costs) // 5
    return Election(
        projects=tuple(Project(p, c) for p, c in zip(ids, costs, strict=True)),
        budget=budget,
        ballots=tuple(ballots),
        label="generated",
    )


def timed(fn):
    """Run `fn`; its result and the CPU time it took (see the module docstring for why CPU time)."""
    gc.collect()
    start = time.process_time()
    result = fn()
    return result, time.process_time() - start


class Pabutools:
    """The same instance in pabutools, with our tie-breaking order."""

    def __init__(self, election: Election, tie: TieBreaking):
        projects = {
            p.id: PabutoolsProject(p.id, frac(p.cost.numerator, p.cost.denominator))
            for p in election.projects
        }
        self.by_id = projects
        self.instance = Instance(
            projects.values(), budget_limit=frac(election.budget.numerator, election.budget.denominator)
        )
        profile = ApprovalProfile(
            [ApprovalBallot([projects[p] for p in b]) for b in election.ballots], instance=self.instance
        )
        self.profile, self.to_multiprofile = timed(profile.as_multiprofile)
        ours = election.profile
        keys = {pid: (*tie.key(ours, ours.index[pid]), tie.draw_position[pid]) for pid in ours.ids}
        self.tie = TieBreakingRule(lambda inst, prof, project: keys[project.name])
        self.n = election.num_voters
        self.cache: dict[str, tuple] = {}

    def greedy(self, instance=None):
        return greedy_utilitarian_welfare(
            instance or self.instance, self.profile, sat_class=Cost_Sat, tie_breaking=self.tie
        )

    def mes(self, **kwargs):
        return method_of_equal_shares(
            self.instance, self.profile, sat_class=Cost_Sat, tie_breaking=self.tie, **kwargs
        )

    def add1_nonexhaustive(self):
        return exhaustion_by_budget_increase(
            self.instance,
            self.profile,
            method_of_equal_shares,
            {"sat_class": Cost_Sat, "tie_breaking": self.tie},
            exhaustive_stop=False,
            budget_step=self.n,
        )

    def once(self, key, fn):
        if key not in self.cache:
            self.cache[key] = timed(fn)
        return self.cache[key]

    def run(self, rule: str, threshold) -> tuple[list[str] | None, float | None]:
        if rule == "greedy":
            result, seconds = self.once("greedy", self.greedy)
        elif rule == "greedy-no-skip":
            return None, None  # pabutools has no no-skip variant
        elif rule == "greedy-threshold":
            if threshold is None:
                return None, None
            kept = Instance(
                [p for p in self.instance if self.profile.approval_score(p) >= threshold],
                budget_limit=self.instance.budget_limit,
            )
            result, seconds = timed(lambda: self.greedy(kept))
        elif rule == "mes":
            result, seconds = self.once("mes", self.mes)
        elif rule == "mes-add1":
            result, seconds = self.once("add1", lambda: self.mes(voter_budget_increment=1))
        elif rule == "mes-add1-nonexhaustive":
            result, seconds = self.once("add1-nonexhaustive", self.add1_nonexhaustive)
        elif rule == "mes-add1-utilitarian":
            add1, add1_seconds = self.once("add1", lambda: self.mes(voter_budget_increment=1))
            result, seconds = timed(
                lambda: greedy_utilitarian_welfare(
                    self.instance,
                    self.profile,
                    sat_class=Cost_Sat,
                    tie_breaking=self.tie,
                    initial_budget_allocation=add1,
                )
            )
            seconds += add1_seconds
        elif rule == "mes-add1-comparison":
            mes, mes_seconds = self.once("add1-nonexhaustive", self.add1_nonexhaustive)
            plain, greedy_seconds = self.once("greedy", self.greedy)
            popular, compare_seconds = timed(
                lambda: popularity_comparison(
                    self.instance, self.profile, Cardinality_Sat, [lambda *a, **k: mes, lambda *a, **k: plain]
                )
            )
            result = plain if len(popular) == 1 and popular[0] == plain else mes
            seconds = mes_seconds + greedy_seconds + compare_seconds
        else:
            raise ValueError(rule)
        return [p.name for p in result], seconds


# prerequisites of the composite pabutools timings: if one timed out, so would the rule built on it
NEEDS = {
    "mes-add1-utilitarian": "mes-add1",
    "mes-add1-comparison": "mes-add1-nonexhaustive",
}


def _pabutools_worker(election: Election, tie: TieBreaking, requests, results) -> None:
    reference, seconds = timed(lambda: Pabutools(election, tie))
    results.put(("ready", seconds, reference.to_multiprofile))
    while (rule := requests.get()) is not None:
        results.put((rule, *reference.run(rule, election.min_score_threshold)))


class PabutoolsProcess:
    """pabutools in a child process, so that a computation running past `timeout` seconds can be stopped."""

    def __init__(self, election: Election, tie: TieBreaking, timeout: float):
        self.election, self.tie, self.timeout = election, tie, timeout
        self.timed_out: set[str] = set()
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        self.requests, self.results = context.Queue(), context.Queue()
        self.process = context.Process(
            target=_pabutools_worker, args=(self.election, self.tie, self.requests, self.results), daemon=True
        )
        self.process.start()
        _, self.build_seconds, self.to_multiprofile = self.results.get()

    def run(self, rule: str) -> tuple[list[str] | None, float | None, bool]:
        """Winners, CPU seconds, and whether it was stopped (then the seconds are those used until then)."""
        if NEEDS.get(rule) in self.timed_out:
            self.timed_out.add(rule)
            return None, None, True
        before = _cpu_seconds(self.process.pid)
        self.requests.put(rule)
        try:
            _, names, seconds = self.results.get(timeout=self.timeout)
        except queue.Empty:
            used = _cpu_seconds(self.process.pid) - before
            self.process.kill()
            self.process.join()
            self.timed_out.add(rule)
            self._start()
            return None, used, True
        return names, seconds, False

    def close(self) -> None:
        self.requests.put(None)
        self.process.join(timeout=10)


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by process `pid`, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ours(election: Election, rule: str, tie: TieBreaking):
    if rule == "greedy":
        return greedy(election, threshold=0, tie_breaking=tie)
    if rule == "greedy-no-skip":
        return greedy(election, threshold=0, stop_at_first_misfit=True, tie_breaking=tie)
    if rule == "greedy-threshold":
        return greedy(election, tie_breaking=tie) if election.min_score_threshold is not None else None
    if rule == "mes":
        return our_mes(election, tie_breaking=tie)
    if rule == "mes-add1":
        return mes_add1(election, tie_breaking=tie)
    if rule == "mes-add1-nonexhaustive":
        return mes_add1(election, exhaustive_stop=False, tie_breaking=tie)
    if rule == "mes-add1-utilitarian":
        return mes_add1_utilitarian(election, tie_breaking=tie)
    if rule == "mes-add1-comparison":
        return mes_add1_comparison(election, tie_breaking=tie)
    raise ValueError(rule)


# pabutools' whole command: its parser, its MES with the Add1 completion, our tie-breaking order (lowest cost, most
# votes, then file order), the winners printed one per line in the order of selection.
PABUTOOLS_COMMAND = """
import sys
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule

instance, profile = parse_pabulib(sys.argv[1])
votes = {p: 0 for p in instance}
for ballot in profile:
    for p in ballot:
        votes[p] += 1
order = {p: i for i, p in enumerate(instance.project_meta)}
tie = TieBreakingRule(lambda inst, prof, p: (p.cost, -votes[p], order[p]))
winners = method_of_equal_shares(
    instance, profile.as_multiprofile(), sat_class=Cost_Sat, tie_breaking=tie, voter_budget_increment=1
)
print("\\n".join(p.name for p in winners))  # in the order of selection
"""


def our_command(path: Path, rule: str = "mes-add1", as_json: bool = False, *options: str) -> list[str]:
    """`beffroi pb count PATH --rule RULE`, with the console script installed beside this Python."""
    script = Path(sys.executable).with_name("beffroi")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "beffroi.cli"]
    return [*head, "pb", "count", str(path), "--rule", rule, *(["--json"] if as_json else []), *options]


def timed_command(command: list[str], timeout: float | None = None) -> tuple[str, float, float]:
    """Run `command`: its standard output, wall-clock seconds and CPU seconds (user + system of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return done.stdout, wall, cpu


def whole_command(path: Path, runs: int, pabutools_runs: int, timeout: float) -> None:
    """The whole `beffroi pb count … --rule mes-add1` beside pabutools' whole command (see the module docstring)."""
    print(f"\nWhole command on {path.name}, mes-add1 (process start, read, count, print); goal: under 1 s")
    # compiled modules (even where PYTHONDONTWRITEBYTECODE is set) and the file in the page cache, as on any rerun
    compileall.compile_dir(ROOT / "beffroi", quiet=1)
    timed_command(our_command(path))
    ours = [timed_command(our_command(path)) for _ in range(runs)]
    walls, cpus = [w for _, w, _ in ours], [c for _, _, c in ours]
    winners = json.loads(timed_command(our_command(path, as_json=True))[0])["winners"]
    print(
        f"  ours       beffroi pb count: wall min {min(walls):.2f} s, median {statistics.median(walls):.2f} s; "
        f"CPU min {min(cpus):.2f} s, median {statistics.median(cpus):.2f} s ({runs} runs); {len(winners)} winners"
    )
    goal = "met" if statistics.median(walls) < 1 else "NOT met"
    if pabutools_runs <= 0:
        print(f"  goal (median wall < 1 s): {goal}")
        return
    theirs = []
    for _ in range(pabutools_runs):
        try:
            theirs.append(timed_command([sys.executable, "-c", PABUTOOLS_COMMAND, str(path)], timeout))
        except subprocess.TimeoutExpired:
            print(f"  pabutools  stopped after {timeout:.0f} s")
            break
    if theirs:
        walls, cpus = [w for _, w, _ in theirs], [c for _, _, c in theirs]
        their_winners = theirs[0][0].split()
        print(
            f"  pabutools  parse_pabulib + MES Add1: wall min {min(walls):.2f} s, median "
            f"{statistics.median(walls):.2f} s; CPU min {min(cpus):.2f} s, median {statistics.median(cpus):.2f} s "
            f"({len(theirs)} runs); {len(their_winners)} winners"
        )
        same = "yes" if their_winners == winners else "NO"
        print(f"  identical winners: {same}; goal (median wall < 1 s): {goal}")
    else:
        print(f"  goal (median wall < 1 s): {goal}")


def all_files(folder: Path, timeout: float) -> None:
    """Both whole commands (mes-add1) on every approval `.pb` file of `folder`: same winners?"""
    print(f"\nSame winners as pabutools (mes-add1, whole commands) on the .pb files of {folder}:")
    for path in sorted(folder.glob("*.pb")):
        pb = read_pabulib(path)
        # pabutools counts the whole budget at once: so does ours here, even with per-category budgets
        whole = ["--ignore-category-budgets"] if pb.category_budgets() else []
        report, wall, _ = timed_command(our_command(path, "mes-add1", True, *whole))
        winners = json.loads(report)["winners"]
        if pb.vote_type not in ("approval", "choose-1"):
            print(f"  {path.name}: ours {wall:.2f} s, {len(winners)} winners; pabutools — (points ballots)")
            continue
        try:
            theirs, their_wall, _ = timed_command(
                [sys.executable, "-c", PABUTOOLS_COMMAND, str(path)], timeout
            )
        except subprocess.TimeoutExpired:
            print(
                f"  {path.name}: ours {wall:.2f} s, {len(winners)} winners; pabutools stopped after {timeout:.0f} s"
            )
            continue
        same = "identical" if theirs.split() == winners else "DIFFERENT"
        print(
            f"  {path.name}: ours {wall:.2f} s, pabutools {their_wall:.2f} s, {len(winners)} winners, {same}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", choices=["lodz", "synthetic", "all", "none"], default="all")
    parser.add_argument(
        "--command-runs", type=int, default=7, help="runs of the whole `beffroi pb count` (0: skip it)"
    )
    parser.add_argument(
        "--pabutools-command-runs", type=int, default=1, help="runs of pabutools' whole command (0: skip it)"
    )
    parser.add_argument(
        "--all-files",
        type=Path,
        help="also compare both whole commands' winners on every .pb file of this folder",
    )
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--no-pabutools", action="store_true", help="time our rules only")
    parser.add_argument("--repeat", type=int, default=3, help="our time is the median of this many runs")
    parser.add_argument(
        "--pabutools-timeout",
        type=float,
        default=1800,
        help="stop a pabutools computation after this many seconds of waiting (wall clock); default 1800. "
        "A stopped one is reported with the CPU time it had used",
    )
    args = parser.parse_args()
    rules = args.rules.split(",")
    print(f"Python {platform.python_version()} on {platform.machine()}, pabutools {pabutools_version()}")
    if args.command_runs > 0:
        pabutools_runs = 0 if args.no_pabutools else args.pabutools_command_runs
        whole_command(LODZ, args.command_runs, pabutools_runs, args.pabutools_timeout)
    if args.all_files is not None:
        all_files(args.all_files, args.pabutools_timeout)
    instances = []
    if args.instance in ("lodz", "all"):
        pb, read_seconds = timed(lambda: read_pabulib(LODZ))
        election, build_seconds = timed(pb.election)
        print(f"Łódź 2022: read {read_seconds:.2f} s, ballots grouped {build_seconds:.2f} s (ours)")
        instances.append(("Łódź 2022", election, TieBreaking(draw=tuple(p.id for p in pb.projects))))
    if args.instance in ("synthetic", "all"):
        election, seconds = timed(synthetic)
        print(f"generated: built in {seconds:.2f} s")
        instances.append(
            ("generated 100k×200", election, TieBreaking(draw=tuple(p.id for p in election.projects)))
        )
    rows = []
    for label, election, tie in instances:
        print(
            f"\n{label}: {election.num_voters:,} voters, {len(election.projects)} projects, "
            f"{len(election.profile.groups):,} distinct ballots, budget {amount(election.budget)}"
        )
        reference = None
        if not args.no_pabutools:
            reference = PabutoolsProcess(election, tie, args.pabutools_timeout)
            print(
                f"pabutools: instance and profile built in {reference.build_seconds:.2f} s "
                f"(multiprofile {reference.to_multiprofile:.2f} s)"
            )
        for rule in rules:
            timings = [
                timed(lambda rule=rule, election=election, tie=tie: ours(election, rule, tie))
                for _ in range(args.repeat)
            ]
            outcome = timings[0][0]
            our_seconds = statistics.median(seconds for _, seconds in timings)
            if outcome is None:
                continue
            theirs, their_seconds, stopped = (None, None, False) if reference is None else reference.run(rule)
            same = "—" if theirs is None else ("yes" if list(outcome.winners) == theirs else "NO")
            if stopped and their_seconds is not None:
                their_text = f"> {their_seconds:.0f} (stopped)"
                speedup = f"> {their_seconds / our_seconds:,.0f}×"
            elif stopped:
                their_text, speedup = "(not run)", "—"
            elif their_seconds is None:
                their_text = speedup = "—"
            else:
                their_text = f"{their_seconds:.2f}"
                speedup = f"{their_seconds / our_seconds:,.0f}×"
            row = (
                label,
                rule,
                f"{our_seconds:.3f}",
                their_text,
                speedup,
                same,
                f"{len(outcome.winners)} / {amount(outcome.total_cost)}",
            )
            rows.append(row)
            print("  " + "  ".join(row), flush=True)
        if reference is not None:
            reference.close()
    header = (
        "instance",
        "rule",
        "ours (CPU s)",
        "pabutools (CPU s)",
        "speedup",
        "identical",
        "winners / cost",
    )
    if not rows:
        return
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print()
    for r in [header, tuple("-" * w for w in widths), *rows]:
        print(
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )


def amount(value) -> str:
    return f"{int(value):,}" if value == int(value) else f"{float(value):,.2f}"


def pabutools_version() -> str:
    try:
        from importlib.metadata import version

        return version("pabutools")
    except Exception:  # noqa: BLE001
        return getattr(pabutools, "__version__", "?")


if __name__ == "__main__":
    main()
