"""The published results page's content, in plain French: why each project won or lost, the money no project
received, the voters with a funded project, the comparison with a vote by most votes (the sentences are built
here from the stored count, `budgeting.results`; the page's view caches what this renders)."""

import dataclasses
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from beffroi.budgeting.models import BallotType
from beffroi.budgeting.results import (
    BudgetCount,
    Figure,
    NotFunded,
    funded_voters,
    greedy_comparison,
    money_left,
    unspent_money,
    why_not_funded,
)
from beffroi.core.charts import Bar, bar_chart
from beffroi.core.formatting import format_eur_short, format_int, join_fr

# Why each project won or lost, read in the visitor's language (the stored results keep the reason's code;
# their `reason_label` is the French sentence of the count, kept for the pabulib and CSV exports).
REASON_TEXTS = {
    "selected": gettext_lazy("il tenait dans le budget restant"),
    "selected_mes": gettext_lazy("retenu par la méthode des parts égales"),
    "selected_completion": gettext_lazy("ajouté par le complément au plus grand nombre de voix"),
    "over_budget": gettext_lazy("son coût dépassait le budget restant"),
    "after_stop": gettext_lazy("le dépouillement s'arrête au premier projet qui ne tient pas"),
    "below_threshold": gettext_lazy("moins de voix que le seuil requis"),
    "ineligible": gettext_lazy("trop peu de soutiens au regard de son coût (filtre d'éligibilité)"),
    "no_support": gettext_lazy("aucune voix"),
    "not_affordable": gettext_lazy("l'argent restant de ses soutiens ne couvrait pas son coût"),
}
LEFTOVER_TEXT = gettext_lazy("financé avec le reliquat des enveloppes : il tenait dans l'argent restant")


def _reason_text(row):
    if row.leftover and row.selected:
        return LEFTOVER_TEXT
    return REASON_TEXTS.get(row.reason, row.reason_label)


def _eur(value) -> str:
    return "" if value is None else format_eur_short(Decimal(str(round(value))))


def _has_envelopes(data: BudgetCount) -> bool:
    return any(g.name for g in data.groups)


def _quoted_titles(rows) -> str:
    """« Verger », « Fresque » et « Bancs »."""
    return join_fr((_("« %(title)s »") % {"title": r.title} for r in rows), last=_("et"))


def _outcome_sentence(row, data: BudgetCount) -> str:
    """Why the project won or lost, in plain words with the figures that decided it (visitor's language)."""
    why = why_not_funded(row, data)
    if why is not None:
        return _not_funded_sentence(row, why, envelopes=_has_envelopes(data))
    cost, votes = _eur(row.cost), row.votes
    left = money_left(row, data)
    figures = {"cost": cost, "left": _eur(left), "votes": votes}
    reason = row.reason
    if row.leftover:
        if not _has_envelopes(data):
            return (
                _(
                    "Retenu avec l'argent resté non dépensé à la fin du calcul : il restait %(left)s, assez pour "
                    "ses %(cost)s."
                )
                % figures
            )
        return (
            _("Retenu avec le reliquat des enveloppes : il restait %(left)s, assez pour ses %(cost)s.")
            % figures
        )
    if reason == "selected_mes":
        return (
            ngettext(
                "Retenu : la personne qui l'a choisi pouvait payer ses %(cost)s avec sa part du budget.",
                "Retenu : les %(votes)s personnes qui l'ont choisi pouvaient payer ensemble ses %(cost)s avec "
                "leurs parts du budget.",
                votes,
            )
            % figures
        )
    if reason == "selected_completion":
        return (
            _(
                "Retenu en complément : une fois les parts dépensées, il restait %(left)s, assez pour ses %(cost)s."
            )
            % figures
        )
    return (
        ngettext(
            "Retenu : avec %(votes)s voix, il tenait dans les %(left)s qui restaient (coût : %(cost)s).",
            "Retenu : avec %(votes)s voix, il tenait dans les %(left)s qui restaient (coût : %(cost)s).",
            votes,
        )
        % figures
    )


def _not_funded_sentence(row, why: NotFunded, *, envelopes: bool) -> str:
    """Why a project was not funded, in plain words: the cause first, then the figures that show it."""
    figures = {
        "cost": _eur(row.cost),
        "left": _eur(why.money_left),
        "votes": row.votes,
        "money": _eur(row.supporters_money),
    }
    if why.cause == "no_support":
        return _("Non retenu : personne ne l'a choisi.")
    if why.cause == "shares":
        sentences = [_("Non retenu : pas assez de soutiens pour être financé avec les parts de ses votants.")]
        if row.supporters_money is not None:
            sentences.append(
                ngettext(
                    "La personne qui l'a choisi n'avait plus que %(money)s de sa part pour un projet à %(cost)s.",
                    "Ses %(votes)s soutiens n'avaient plus, à eux tous, que %(money)s de leurs parts pour un "
                    "projet à %(cost)s.",
                    row.votes,
                )
                % figures
            )
        if why.money_short:
            sentences.append(_money_short_sentence(why, figures))
        return " ".join(sentences)
    if why.cause == "budget":
        if why.money_left is None:
            return _("Non retenu : plus assez de budget restant quand son tour est venu.")
        if _nothing_left(why):
            return _("Non retenu : il ne restait plus rien du budget quand son tour est venu.")
        if why.from_leftover and envelopes:
            return (
                _(
                    "Non retenu : plus assez d'argent, ni dans son enveloppe, ni ensuite dans l'argent resté non "
                    "dépensé par les enveloppes : quand son tour est venu, il n'en restait que %(left)s pour un "
                    "projet à %(cost)s."
                )
                % figures
            )
        return _("Non retenu : il ne restait que %(left)s pour un projet à %(cost)s.") % figures
    if why.cause == "below_threshold":
        return _("Non retenu : il n'a pas atteint le nombre minimum de voix fixé par le règlement du vote.")
    if why.cause == "ineligible":
        return _(
            "Non retenu : trop peu de soutiens au regard de son coût ; le règlement du vote écarte d'emblée un "
            "projet aussi cher choisi par si peu de votants."
        )
    if why.cause == "after_stop":
        return _(
            "Non retenu : le dépouillement s'arrête au premier projet qui ne tient pas dans le budget restant, "
            "et ce projet venait après."
        )
    return _("Non retenu : %(reason)s.") % {"reason": REASON_TEXTS.get(row.reason, row.reason_label)}


def _nothing_left(why: NotFunded) -> bool:
    """No money at all was left (less than the euro the page would show)."""
    return why.money_left is not None and why.money_left < 0.5


def _money_short_sentence(why: NotFunded, figures: dict[str, Any]) -> str:
    """With equal shares: the money left could not have paid for the project either."""
    if why.from_leftover:
        if _nothing_left(why):
            return _(
                "L'argent resté non dépensé, proposé ensuite aux projets non retenus du plus voté au moins voté, "
                "ne suffisait pas non plus : il n'en restait plus rien quand son tour est venu."
            )
        return (
            _(
                "L'argent resté non dépensé, proposé ensuite aux projets non retenus du plus voté au moins voté, "
                "ne suffisait pas non plus : quand son tour est venu, il n'en restait que %(left)s."
            )
            % figures
        )
    if _nothing_left(why):
        return _("À la fin du calcul, il ne restait d'ailleurs plus rien à dépenser.")
    return _("À la fin du calcul, il ne restait d'ailleurs que %(left)s à dépenser.") % figures


def _unspent_sentences(data: BudgetCount, budget_amount: int) -> list[str]:
    """The money given to no project, and why (nothing when the whole budget went to projects)."""
    unspent = unspent_money(data, budget_amount)
    if not unspent.amount:
        return []
    amount = _eur(unspent.amount)
    sentences = [
        ngettext(
            "%(amount)s n'a pas été attribué à un projet.",
            "%(amount)s n'ont pas été attribués à des projets.",
            int(unspent.amount),
        )
        % {"amount": amount}
    ]
    if unspent.cheapest_unfunded is None:
        sentences.append(_("Tous les projets soumis au vote sont financés."))
    elif unspent.fitting:
        fitting = sorted(
            (data.projects[pid] for pid in unspent.fitting), key=lambda r: (-(r.score or 0), r.title)
        )
        if unspent.kept_in_envelopes:
            sentences.append(_("L'argent qu'une enveloppe n'a pas dépensé reste dans cette enveloppe."))
        cause = {r.id: getattr(why_not_funded(r, data), "cause", "") for r in fitting}
        shares = [r for r in fitting if cause[r.id] == "shares"]
        nobody = [r for r in fitting if cause[r.id] == "no_support"]
        others = [r for r in fitting if cause[r.id] not in ("shares", "no_support")]
        if shares:
            sentences.append(
                ngettext(
                    "%(titles)s tenait dans l'argent qui restait, mais n'avait pas assez de soutiens pour être "
                    "payé avec les parts de ses votants.",
                    "%(titles)s tenaient dans l'argent qui restait, mais n'avaient pas assez de soutiens pour être "
                    "payés avec les parts de leurs votants.",
                    len(shares),
                )
                % {"titles": _quoted_titles(shares)}
            )
        if nobody:
            sentences.append(
                ngettext(
                    "%(titles)s tenait dans l'argent qui restait, mais personne ne l'a choisi.",
                    "%(titles)s tenaient dans l'argent qui restait, mais personne ne les a choisis.",
                    len(nobody),
                )
                % {"titles": _quoted_titles(nobody)}
            )
        if others:
            sentences.append(
                ngettext(
                    "%(titles)s tenait dans l'argent qui restait, mais n'a pas été retenu : la raison en est "
                    "donnée plus bas.",
                    "%(titles)s tenaient dans l'argent qui restait, mais n'ont pas été retenus : la raison en est "
                    "donnée plus bas, projet par projet.",
                    len(others),
                )
                % {"titles": _quoted_titles(others)}
            )
    elif unspent.cheapest_unfunded > unspent.amount:
        sentences.append(
            _(
                "Aucun projet restant ne tenait dans ce montant : le moins cher des projets non retenus coûte %(cost)s."
            )
            % {"cost": _eur(unspent.cheapest_unfunded)}
        )
    else:
        sentences.append(
            _(
                "L'argent qu'une enveloppe n'a pas dépensé reste dans cette enveloppe, et aucun projet restant ne "
                "tenait dans ce qui restait à la sienne."
            )
        )
    if unspent.unassigned:
        sentences.append(
            _("%(amount)s n'étaient réservés à aucune enveloppe, et aucun projet n'était hors enveloppe.")
            % {"amount": _eur(unspent.unassigned)}
        )
    return sentences


def _funded_voters_sentence(data: BudgetCount) -> str:
    """How many voters have at least one of their projects among the winners (a number, never a rounded 100 %)."""
    if not data.num_voters:
        return ""
    funded, _greedy = funded_voters(data)
    if funded == data.num_voters:
        return _("Tous les votants ont au moins un projet retenu parmi ceux qu'ils ont choisis.")
    return ngettext(
        "%(n)s votant sur %(total)s a au moins un projet retenu parmi ceux qu'il a choisis.",
        "%(n)s votants sur %(total)s ont au moins un projet retenu parmi ceux qu'ils ont choisis.",
        funded,
    ) % {"n": format_int(funded), "total": format_int(data.num_voters)}


def _comparison(data: BudgetCount) -> dict[str, Any]:
    """The official count beside a vote by most votes (greedy): the projects that differ, the figures that differ
    side by side, and the figures that do not in a sentence each (« 100 % contre 100 % » tells nothing)."""
    comparison = greedy_comparison(data)
    total = data.num_voters

    def shown(figure: Figure, value: int) -> str:
        if figure.name == "voters_with_funded":
            return _("%(n)s sur %(total)s") % {"n": format_int(value), "total": format_int(total)}
        if figure.name == "total_cost":
            return _eur(value)
        return format_int(value)

    labels = {
        "voters_with_funded": _("Votants ayant au moins un de leurs projets retenus"),
        "total_cost": _("Montant attribué à des projets"),
        "num_winners": _("Projets retenus"),
    }
    same = []
    for figure in comparison.equal:
        n = figure.official
        if figure.name == "voters_with_funded":
            if n == total:
                same.append(
                    _("Dans les deux cas, tous les votants ont au moins un de leurs projets retenus.")
                )
            else:
                same.append(
                    ngettext(
                        "Dans les deux cas, %(n)s votant sur %(total)s a au moins un de ses projets retenus.",
                        "Dans les deux cas, %(n)s votants sur %(total)s ont au moins un de leurs projets retenus.",
                        n,
                    )
                    % {"n": format_int(n), "total": format_int(total)}
                )
        elif figure.name == "total_cost":
            same.append(
                _("Dans les deux cas, %(amount)s sont attribués à des projets.") % {"amount": _eur(n)}
            )
        else:
            same.append(
                ngettext(
                    "Dans les deux cas, %(n)s projet est retenu.",
                    "Dans les deux cas, %(n)s projets sont retenus.",
                    n,
                )
                % {"n": format_int(n)}
            )
    return {
        "same_winners": comparison.same_winners,
        "only_greedy": data.project_rows(comparison.only_greedy),
        "only_official": data.project_rows(comparison.only_official),
        "rows": [
            {"label": labels[f.name], "official": shown(f, f.official), "greedy": shown(f, f.greedy)}
            for f in comparison.different
        ],
        "same": same,
    }


def _results_chart(rows, is_points: bool):
    """Votes (or points) per project, largest first, through the shared bar chart with its table."""
    bars = [
        Bar(_("%(title)s (lauréat)") % {"title": r.title} if r.selected else r.title, r.score or 0)
        for r in rows
    ]
    return bar_chart(
        bars,
        chart_id="graphique-resultats",
        title=_("Points par projet") if is_points else _("Voix par projet"),
        description=_("Barres horizontales, une par projet, de la plus longue à la plus courte."),
        label_heading=_("Projet"),
        value_heading=_("Points") if is_points else _("Voix"),
        empty_text=_("Aucun projet soumis au vote."),
    )


def _envelopes(data: BudgetCount):
    """Per sub-budget: name, amount and winners (None when the budget was counted in one piece)."""
    if len(data.groups) < 2 and not any(g.name for g in data.groups):
        return None
    return [{**dataclasses.asdict(g), "winner_rows": data.project_rows(g.winners)} for g in data.groups]


def _leftover(data: BudgetCount):
    if not data.leftover:
        return None
    return {**dataclasses.asdict(data.leftover), "winner_rows": data.project_rows(data.leftover.winners)}


def results_body(budget, data: BudgetCount, commune_slug: str) -> str:
    """The results page's content: the winners and the money left, why each project won or lost, the method in
    plain words, the comparison with a vote by most votes, then what is needed to check the count."""
    projects = sorted(data.projects.values(), key=lambda r: (-(r.score or 0), r.title))
    rows = [
        {**dataclasses.asdict(r), "reason_text": _reason_text(r), "sentence": _outcome_sentence(r, data)}
        for r in projects
    ]
    is_points = budget.ballot_type in (BallotType.CUMULATIVE, BallotType.RANKING)
    is_mes = data.rule.startswith("mes")
    context = {
        "budget": budget,
        "data": data,
        "rows": rows,
        "winners": data.project_rows(data.winners),
        "unspent": _unspent_sentences(data, budget.total_amount),
        "funded_voters_sentence": _funded_voters_sentence(data),
        "comparison": _comparison(data) if is_mes else None,
        "chart": _results_chart(projects, is_points),
        "is_mes": is_mes,
        "completion": is_mes and "add1" in data.rule,
        "is_points": is_points,
        "envelopes": _envelopes(data),
        "leftover": _leftover(data),
        "num_blank": data.num_paper_blank,
        "num_void": data.num_paper_void,
        "turnout": data.num_voters + data.num_paper_blank + data.num_paper_void,
        "set_aside": data.paper_set_aside,
        "drawn_tie": any(t.count == "main" and t.criterion == "draw" for t in data.tie_breaks),
        "pb_file_name": f"{commune_slug}_{budget.slug}.pb",  # as views.exports.results_pb names the download
    }
    return render_to_string("budgeting/_results_body.html", context)
