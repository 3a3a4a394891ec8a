"""`beffroi pb count FILE.pb --rule RULE [--json]`: count a pabulib file, as pure functions.

One parser (`build_parser`) for both entries: the Django management command `pb` and `python -m
beffroi.budgeting` (`main` here); `count` runs `run_count` in both.

Ties that survive lowest cost and most votes are settled by the order of the projects in the file (the draw a
city would otherwise record), and the output says so.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

from beffroi.budgeting.pabulib import PabulibError, PabulibWarning, read_pabulib
from beffroi.budgeting.rules import (
    RULES,
    BallotType,
    ElectionError,
    Outcome,
    SplitOutcome,
    TieBreaking,
    budget_rules,
    category_sub_budgets,
    count,
    count_by_sub_budget,
    get_rule,
    rule_names,
)
from beffroi.budgeting.rules.ahead import parallel_add1

FILE_ORDER_DRAW = "ordre des projets dans le fichier"


def count_file(
    path: str | Path,
    rule: str,
    as_json: bool = False,
    eligibility_factor: int | None = None,
    verify: bool = False,
    category_budgets: bool = True,
    warn: Callable[[str], object] | None = None,
    parallel: bool = False,
) -> str:
    """Count the pabulib file at `path` with `rule`; the text (French) or JSON report.

    `parallel=True` (a process that counts and exits) makes the runs of the Add1 completion two at a time, on a
    second processor core (`rules.ahead`): same report, sooner.

    What the file has that was read despite a flaw (a ballot naming a project twice) is handed to `warn`, one
    French line each (`file_warnings`), before counting; the JSON report also lists it under `warnings`.

    `verify=True` (MES rules) recounts the result with the exact reference implementation (slower). A file with
    per-category budgets (META `categories` + `budget_per_category`, Amsterdam) is counted category by category,
    then its leftover if META `leftover_budget` is present (`rules.subbudgets`), unless `category_budgets=False`.
    """
    get_rule(rule)  # an unknown rule is refused before the file is read
    if parallel:
        with parallel_add1():
            return count_file(path, rule, as_json, eligibility_factor, verify, category_budgets, warn)
    pb = read_pabulib(path)
    if warn is not None:
        for line in file_warnings(path, pb.warnings):
            warn(line)
    election = pb.election()
    tie_breaking = TieBreaking(draw=tuple(p.id for p in pb.projects), draw_label=FILE_ORDER_DRAW)
    names = {p.id: p.name for p in pb.projects}
    title = pb.meta.get("description") or Path(path).name
    subs = category_sub_budgets(election) if category_budgets else []
    if subs:
        split = count_by_sub_budget(
            election,
            rule,
            subs,
            leftover=bool(pb.meta.get("leftover_budget")),
            tie_breaking=tie_breaking,
            eligibility_factor=eligibility_factor,
            verify=verify,
        )
        if as_json:
            return json.dumps(_with_warnings(split_as_json(split), pb.warnings), ensure_ascii=False)
        return split_as_text(split, title, names, election.num_voters, election.ballot_type)
    outcome = count(
        election, rule, tie_breaking=tie_breaking, eligibility_factor=eligibility_factor, verify=verify
    )
    if as_json:
        return json.dumps(_with_warnings(outcome_as_json(outcome), pb.warnings), ensure_ascii=False)
    return outcome_as_text(outcome, title, names, election.num_voters, election.ballot_type)


# Past this many, the warnings about a file are summed up in one line (the JSON report lists them all).
SHOWN_WARNINGS = 20


def file_warnings(path: str | Path, warnings: Sequence[PabulibWarning]) -> list[str]:
    """The lines that tell the person at the terminal what the file had that was read despite a flaw."""
    lines = [f"attention : {path}, {warning}\n" for warning in warnings[:SHOWN_WARNINGS]]
    if len(warnings) > SHOWN_WARNINGS:
        lines.append(
            f"attention : {path}, {len(warnings) - SHOWN_WARNINGS} autres avertissements du même genre\n"
        )
    return lines


def _with_warnings(data: dict, warnings: Sequence[PabulibWarning]) -> dict:
    if warnings:
        data["warnings"] = [{"line": w.line, "message": w.problem} for w in warnings]
    return data


def outcome_as_json(outcome: Outcome) -> dict:
    """`{"winners": [...], "total_cost": ..., "rule": ...}` plus the per-voter endowment and per-winner figures."""
    data: dict = {
        "winners": list(outcome.winners),
        "total_cost": _json_number(outcome.total_cost),
        "rule": outcome.rule,
        "budget": _json_number(outcome.budget),
    }
    if outcome.endowment is not None:
        data["endowment"] = _json_number(outcome.endowment)
    if outcome.add1_runs is not None:
        data["add1_runs"] = outcome.add1_runs
    details = []
    for pid in outcome.winners:
        res = outcome.projects[pid]
        item = {
            "project_id": pid,
            "cost": _json_number(res.cost),
            "votes": res.votes,
            "reason": str(res.reason),
        }
        if res.effective_votes is not None:
            item["effective_votes"] = _json_number(res.effective_votes)
            item["price"] = _json_number(res.price)
        if res.budget_left is not None:
            item["budget_left"] = _json_number(res.budget_left)
        details.append(item)
    data["details"] = details
    if outcome.comparison is not None:
        c = outcome.comparison
        data["comparison"] = {
            "measure": c.measure,
            "prefer_mes": c.prefer_mes,
            "prefer_greedy": c.prefer_greedy,
            "kept": c.kept,
            "greedy_winners": list(c.greedy_winners),
        }
    if outcome.tie_breaks:
        data["tie_breaks"] = [
            {"tied": list(t.tied), "chosen": t.chosen, "criterion": t.criterion, "stage": t.stage}
            for t in outcome.tie_breaks
        ]
    return data


def split_as_json(split: SplitOutcome) -> dict:
    """Like `outcome_as_json` for the whole budget, plus each envelope's own report under `sub_budgets`."""
    data: dict = {
        "winners": list(split.winners),
        "total_cost": _json_number(split.total_cost),
        "rule": split.rule,
        "budget": _json_number(split.budget),
        "sub_budgets": [],
    }
    for part in split.parts:
        data["sub_budgets"].append(
            {"name": part.name, "amount": _json_number(part.amount), **outcome_as_json(part.outcome)}
        )
    if split.leftover is not None:
        data["leftover"] = {
            "amount": _json_number(split.leftover.amount),
            **outcome_as_json(split.leftover.outcome),
        }
    return data


def split_as_text(
    split: SplitOutcome, title: str, names: dict[str, str], num_voters: int, ballot_type: BallotType
) -> str:
    lines = [
        f"Budget participatif : {title}",
        f"Budget : {money(split.budget)} réparti en {len(split.parts)} enveloppes (budget_per_category), "
        "chacune dépouillée séparément",
        "",
    ]
    for part in split.all_parts:
        if part is split.leftover:
            heading = "Reliquat : projets restants par voix décroissantes (leftover_budget)"
        else:
            heading = f"Enveloppe « {part.name or 'hors enveloppe'} »"
        lines.append(f"=== {heading} : {money(part.amount)} ===")
        text = outcome_as_text(part.outcome, title, names, num_voters, ballot_type).split("\n", 1)[1]
        if part is split.leftover:
            text = text.replace("Règle : leftover — ", "Règle : glouton sur le reliquat", 1)
        lines.append(text)
    lines.append(
        f"Total général : {len(split.winners)} projets, {money(split.total_cost)} (reste {money(split.budget_left)})"
    )
    return "\n".join(lines) + "\n"


def outcome_as_text(
    outcome: Outcome, title: str, names: dict[str, str], num_voters: int, ballot_type: BallotType
) -> str:
    lines = [
        f"Budget participatif : {title}",
        f"Règle : {outcome.rule} — {RULES[outcome.rule].description if outcome.rule in RULES else ''}",
        f"Budget : {money(outcome.budget)} ; {number(num_voters)} votants ; {len(outcome.projects)} projets",
    ]
    if outcome.endowment is not None:
        runs = f" (après {outcome.add1_runs} calculs du complément Add1)" if outcome.add1_runs else ""
        lines.append(f"Dotation par votant : {money(outcome.endowment, 2)}{runs}")
    if outcome.comparison is not None:
        c = outcome.comparison
        kept = "résultat des parts égales conservé" if c.kept == "mes" else "résultat glouton retenu"
        lines.append(
            f"Comparaison avec le glouton : {number(c.prefer_mes)} votants préfèrent les parts égales, "
            f"{number(c.prefer_greedy)} le glouton → {kept}"
        )
    mes_columns = any(outcome.projects[p].effective_votes is not None for p in outcome.winners)
    per = "point" if ballot_type is not BallotType.APPROVAL else "soutien"
    header = ["Rang", "Projet", "Coût", "Voix"]
    header += ["Voix effectives", f"Prix par {per}"] if mes_columns else ["Budget restant avant"]
    header.append("Nom")
    rows = [header]
    for rank, pid in enumerate(outcome.winners, start=1):
        res = outcome.projects[pid]
        row = [str(rank), pid, money(res.cost), number(res.score)]
        if mes_columns:
            if res.effective_votes is not None:
                row += [money(res.effective_votes, 2), money(res.price, 2)]
            else:
                row += ["(complément)", ""]
        else:
            row.append(money(res.budget_left) if res.budget_left is not None else "")
        row.append(_shorten(names.get(pid, "")))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    lines.append("")
    for r in rows:
        cells = [r[i].rjust(widths[i]) if i != 1 else r[i].ljust(widths[i]) for i in range(len(widths))]
        lines.append("  ".join(cells + [r[-1]]).rstrip())
    lines.append("")
    lines.append(
        f"Total : {len(outcome.winners)} projets, {money(outcome.total_cost)} "
        f"(reste {money(outcome.budget_left)})"
    )
    for tie in outcome.tie_breaks:
        how = {
            "cost": "le moins cher",
            "votes": "le plus de voix",
            "draw": f"tirage ({FILE_ORDER_DRAW})",
        }[tie.criterion]
        lines.append(f"Égalité {tie.stage} entre {', '.join(tie.tied)} : {tie.chosen} retenu ({how})")
    return "\n".join(lines) + "\n"


def money(value: Fraction | int | None, decimals: int = 0) -> str:
    """French number formatting: thousands separated by a space, decimal comma; integers shown without decimals."""
    if value is None:
        return ""
    value = Fraction(value)
    if value.denominator == 1 and decimals == 0:
        return number(value.numerator)
    decimals = decimals or 2
    scaled = round(value * 10**decimals)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**decimals)
    return f"{sign}{number(whole)},{str(frac).rjust(decimals, '0')}"


def number(value: int | Fraction) -> str:
    if isinstance(value, Fraction) and value.denominator != 1:
        return money(value, 2)
    return f"{int(value):,}".replace(",", " ")


def _shorten(text: str, width: int = 50) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _json_number(value: Fraction | int | None):
    if value is None:
        return None
    value = Fraction(value)
    if value.denominator == 1:
        return value.numerator
    return float(value)


class CommandLineError(Exception):
    """A French sentence for the person at the terminal (a file that cannot be read or counted)."""


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """The options of `beffroi pb`, for both of its entries: `python -m beffroi.budgeting` (`main`) and the
    management command `pb` (which hands Django's parser in). Rule choices come from the rules' registry."""
    if parser is None:
        parser = argparse.ArgumentParser(
            prog="beffroi pb", description="Budgets participatifs au format pabulib (.pb)"
        )
    sub = parser.add_subparsers(dest="action", required=True, title="actions")
    counting = sub.add_parser(
        "count",
        help="Dépouille un fichier .pb et affiche les projets retenus dans l'ordre de sélection.",
        description="Dépouille un fichier pabulib avec la règle choisie.",
    )
    counting.add_argument("file", metavar="FICHIER.pb", help="le fichier pabulib à dépouiller")
    counting.add_argument("--rule", required=True, choices=rule_names(), help="la règle de dépouillement")
    counting.add_argument(
        "--json",
        action="store_true",
        dest="as_json",
        help='sortie JSON : {"winners": [...], "total_cost": ..., "rule": ...}',
    )
    counting.add_argument(
        "--eligibility-factor",
        type=int,
        default=None,
        help="filtre d'éligibilité (Świecie : 3) : écarte un projet si voix/votants < coût/(facteur × budget)",
    )
    counting.add_argument(
        "--ignore-category-budgets",
        action="store_true",
        help="compte le budget d'un seul tenant même si le fichier a des budgets par catégorie "
        "(par défaut, chaque catégorie de budget_per_category est dépouillée séparément)",
    )
    counting.add_argument(
        "--verify",
        action="store_true",
        help="recompte le résultat en arithmétique exacte avec l'implémentation de référence (plus lent)",
    )
    importing = sub.add_parser(
        "import",
        help="Importe un fichier .pb comme budget dépouillé d'une commune (bulletins anonymes).",
        description="Importe un fichier pabulib comme budget participatif d'une commune, puis le dépouille.",
    )
    importing.add_argument("file", metavar="FICHIER.pb", help="le fichier pabulib à importer")
    importing.add_argument("--commune", required=True, help="identifiant de la commune (ex. valbourg)")
    importing.add_argument("--slug", required=True, help="identifiant du budget créé (ex. lodz-2022)")
    importing.add_argument(
        "--rule",
        default="mes-add1",
        choices=[rule.name for rule in budget_rules()],
        help="la règle de dépouillement (une de celles qu'un budget de commune peut avoir)",
    )
    return parser


def run_count(
    path: str,
    rule: str,
    *,
    as_json: bool = False,
    eligibility_factor: int | None = None,
    verify: bool = False,
    category_budgets: bool = True,
    warn: Callable[[str], object] | None = None,
    parallel: bool = False,
) -> str:
    """`beffroi pb count`: the report of `count_file`, ending with a newline; `CommandLineError` (French) for a
    file that cannot be read or counted; the file's warnings to `warn`."""
    try:
        text = count_file(
            path,
            rule,
            as_json,
            eligibility_factor,
            verify,
            category_budgets=category_budgets,
            warn=warn,
            parallel=parallel,
        )
    except FileNotFoundError:
        raise CommandLineError(f"fichier introuvable : {path}") from None
    except IsADirectoryError:
        raise CommandLineError(f"{path} est un dossier, pas un fichier .pb") from None
    except PabulibError as exc:
        raise CommandLineError(f"{path}, {exc}") from None
    except ElectionError as exc:
        raise CommandLineError(f"{path} : {exc}") from None
    except OSError as exc:
        raise CommandLineError(f"impossible de lire {path} ({exc.strerror})") from None
    return text if text.endswith("\n") else text + "\n"


def main(argv: list[str] | None = None) -> int:
    """`python -m beffroi.budgeting …`: `count` runs here, without Django; `import` needs the database and runs
    the management command."""
    args = build_parser().parse_args(argv)
    if args.action == "import":
        import os

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.settings")
        import django
        from django.core.management import CommandError, call_command

        django.setup()
        try:
            call_command("pb", *(sys.argv[1:] if argv is None else argv))
        except CommandError as exc:
            sys.stderr.write(f"erreur : {exc}\n")
            return 2
        return 0
    try:
        report = run_count(
            args.file,
            args.rule,
            as_json=args.as_json,
            eligibility_factor=args.eligibility_factor,
            verify=args.verify,
            category_budgets=not args.ignore_category_budgets,
            warn=sys.stderr.write,
            parallel=True,
        )
    except CommandLineError as exc:
        sys.stderr.write(f"erreur : {exc}\n")
        return 2
    sys.stdout.write(report)
    return 0


__all__ = ["build_parser", "count_file", "main", "outcome_as_json", "outcome_as_text", "run_count"]
