"""`beffroi sortition draw VOLUNTEERS.csv QUOTAS.csv --size K [--seed S] [--json]`, as pure functions.

The management command `sortition` parses its options with `build_parser` and prints `run_draw`'s report:
LEXIMIN, its lottery of `--tickets` panels, the public draw with the seed, and the greedy baseline beside it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from beffroi.participation.sortition.files import parse_quotas, parse_volunteers
from beffroi.participation.sortition.greedy import DEFAULT_RUNS, greedy_group_probabilities
from beffroi.participation.sortition.leximin import leximin
from beffroi.participation.sortition.lottery import DEFAULT_TICKETS, draw, new_seed, round_to_lottery
from beffroi.participation.sortition.model import SortitionError
from beffroi.participation.sortition.reporting import quota_table


class CommandLineError(Exception):
    """A French message for the command line (the command exits with a non-zero status)."""


def build_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the `draw` action and its options to `parser`."""
    actions = parser.add_subparsers(dest="action", required=True)
    run = actions.add_parser("draw", help="tirer un panel au sort (LEXIMIN, loterie publique)")
    run.add_argument(
        "volunteers", help="fichier CSV des volontaires (en-tête : id puis une colonne par catégorie)"
    )
    run.add_argument("quotas", help="fichier CSV des quotas (en-tête : category,feature,min,max)")
    run.add_argument("--size", type=int, required=True, help="taille du panel")
    run.add_argument("--seed", default=None, help="graine publique du tirage (par défaut : tirée au hasard)")
    run.add_argument("--json", dest="as_json", action="store_true", help="sortie JSON")
    run.add_argument(
        "--tickets",
        type=int,
        default=DEFAULT_TICKETS,
        help=f"panels de la loterie (défaut {DEFAULT_TICKETS})",
    )
    run.add_argument(
        "--greedy-runs",
        type=int,
        default=DEFAULT_RUNS,
        help=f"simulations de la méthode gloutonne (défaut {DEFAULT_RUNS} ; 0 pour ne pas la calculer)",
    )
    return parser


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CommandLineError(f"fichier introuvable : {path}") from None
    except UnicodeDecodeError:
        raise CommandLineError(f"{path} : le fichier n'est pas en UTF-8") from None
    except OSError as exc:
        raise CommandLineError(f"{path} : lecture impossible ({exc.strerror})") from None


def _number(value: float, digits: int = 4) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def run_draw(
    volunteers_path: str,
    quotas_path: str,
    size: int,
    *,
    seed: str | None = None,
    as_json: bool = False,
    tickets: int = DEFAULT_TICKETS,
    greedy_runs: int = DEFAULT_RUNS,
) -> str:
    """Draw a panel from the two files; the French report, or the JSON object (keys `panel`, `probabilities`,
    `seed` first). Bad input raises `CommandLineError` with the file name and the French message."""
    quotas_text = _read(quotas_path)
    volunteers_text = _read(volunteers_path)
    try:
        quotas = parse_quotas(quotas_text)
    except SortitionError as exc:
        raise CommandLineError(f"{quotas_path}, {exc}") from None
    try:
        volunteers = parse_volunteers(volunteers_text, quotas)
    except SortitionError as exc:
        raise CommandLineError(f"{volunteers_path}, {exc}") from None
    if tickets <= 0:
        raise CommandLineError("--tickets doit être un entier positif")
    if greedy_runs < 0:
        raise CommandLineError("--greedy-runs doit être positif ou nul")
    try:
        distribution = leximin(volunteers, quotas, size)
    except SortitionError as exc:
        raise CommandLineError(str(exc)) from None
    seed = seed if seed else new_seed()
    lottery = round_to_lottery(distribution, tickets)
    ticket, panel = draw(lottery, seed)
    greedy: dict[str, float] | None = None
    if greedy_runs:
        by_group = greedy_group_probabilities(distribution.pool, runs=greedy_runs, seed=seed)
        greedy = {vid: by_group[g] for g, group in enumerate(distribution.pool.groups) for vid in group.ids}
    order = [v.id for v in volunteers]
    table = quota_table(panel, volunteers, quotas)
    if as_json:
        data: dict[str, object] = {
            "panel": list(panel),
            "probabilities": {vid: distribution.probabilities[vid] for vid in order},
            "seed": seed,
            "ticket": ticket,
            "tickets": lottery.m,
            "draw_method": "sha256",
            "min_probability": distribution.min_probability,
            "upper_bound": distribution.upper_bound,
            "gap": distribution.gap,
            "lottery_probabilities": {vid: lottery.probabilities[vid] for vid in order},
            "lottery_max_deviation": lottery.max_deviation,
            "lottery_bound": lottery.bound,
            "quotas": [
                {
                    "category": row.category,
                    "feature": row.feature,
                    "min": row.min,
                    "max": row.max,
                    "available": row.available,
                    "selected": row.selected,
                }
                for row in table
            ],
        }
        if greedy is not None:
            data["greedy_probabilities"] = {vid: greedy[vid] for vid in order}
            data["greedy_min_probability"] = min(greedy.values())
            data["greedy_runs"] = greedy_runs
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    lines = [
        f"Panel de {size} personnes tiré parmi {len(volunteers)} volontaires (LEXIMIN, loterie de {lottery.m} "
        "panels équiprobables)",
        f"Graine publique : {seed}",
        f"Ticket tiré : n° {ticket} sur {lottery.m} (le plus petit SHA-256 de « graine:numéro »)",
        "",
        "Panel :",
        *(f"  {vid}" for vid in panel),
        "",
        "Quotas du panel (catégorie, valeur : tirés / min–max, volontaires) :",
        *(
            f"  {row.category}, {row.feature} : {row.selected} / {row.min}–{row.max}, {row.available}"
            for row in table
        ),
        "",
        "Probabilités de sélection (LEXIMIN ; loterie" + ("; méthode gloutonne)" if greedy else ")") + " :",
    ]
    for vid in order:
        line = (
            f"  {vid} : {_number(distribution.probabilities[vid])} ; {_number(lottery.probabilities[vid], 3)}"
        )
        if greedy is not None:
            line += f" ; {_number(greedy[vid])}"
        lines.append(line)
    lines += [
        "",
        f"Probabilité minimale LEXIMIN : {_number(distribution.min_probability, 6)} "
        f"(optimale à {distribution.gap:.1e} près : borne duale {_number(distribution.upper_bound, 6)})",
    ]
    if greedy is not None:
        lines.append(
            f"Probabilité minimale de la méthode gloutonne : {_number(min(greedy.values()), 6)} "
            f"(estimée sur {greedy_runs} tirages simulés)"
        )
    lines.append(
        f"Écart maximal de la loterie à LEXIMIN : {_number(lottery.max_deviation, 6)} "
        f"(garanti inférieur à {_number(lottery.bound, 6)})"
    )
    return "\n".join(lines) + "\n"
