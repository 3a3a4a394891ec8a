"""The accusés a filed dossier gets (CRPA L112-11, R112-11-1 and following) and the decision letter, as one
context shared by the page, the e-mail and the PDF (print template of their own, WeasyPrint via core.pdf)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.core import dates
from beffroi.core.formatting import NBSP, format_number
from beffroi.core.links import commune_url
from beffroi.core.pdf import html_to_pdf
from beffroi.procedures import deadlines, schema, selectors
from beffroi.procedures.fields import display_value
from beffroi.procedures.forms import agent_wording
from beffroi.procedures.messages import france_communes
from beffroi.procedures.models import Dossier, Regime
from beffroi.territory.selectors import address_near_label


def service(dossier: Dossier) -> dict[str, str]:
    """The service in charge as R112-11-1 2° names it: designation, postal address, e-mail and phone (the
    démarche's own contact, else its team's, else the mairie's)."""
    demarche, commune = dossier.demarche, dossier.commune
    team = dossier.team or demarche.team
    name = team.name if team is not None else _("Secrétariat de mairie")
    return {
        "name": f"{name} — " + _("Mairie de %(name)s") % {"name": commune.name},
        "address": demarche.service_address or commune.address,
        "email": demarche.service_email
        or (team.email if team is not None and team.email else commune.contact_email),
        "phone": demarche.service_phone or commune.contact_phone,
    }


def needed_on(dossier: Dossier) -> date | None:
    """The day the request is for (a booking's event, a move), from its answers (`schema.needed_on`)."""
    return schema.needed_on(dossier.version.schema, dossier.answers)


def implicit_decision_text(dossier: Dossier) -> dict[str, str]:
    """What silence will mean, its date and the means of appeal (R112-11-1 1°, L232-3, L232-4, R421-1 CJA), with
    their heading. When the request is for a day that the implicit decision would reach too late
    (`deadlines.comes_too_late`: a party, a move), `needed` says so and what to do: the legal date stays as the
    law sets it, never moved to suit the day. Once decided, the express decision is said instead of what the
    silence would have meant (it can no longer mean anything)."""
    regime = dossier.version.regime
    deadline = dates.long_date(dossier.deadline) if dossier.deadline else ""
    if dossier.is_decided:
        decided = dates.long_date(dossier.decided_at) if dossier.decided_at else ""
        return {
            "heading": _("Décision"),
            "regime": _(
                "La mairie a rendu sa décision le %(date)s : votre demande est %(decision)s. La lettre de "
                "décision est consultable et imprimable depuis le suivi de votre dossier."
            )
            % {"date": decided, "decision": dossier.decision_label},
            "needed": "",
            "appeal": _(
                "Une décision qui vous est défavorable peut être contestée dans un délai de deux mois à compter "
                "de sa notification, par un recours gracieux auprès du maire ou par un recours contentieux "
                "devant le tribunal administratif territorialement compétent, qui peut être saisi par "
                "l'application Télérecours citoyens (www.telerecours.fr)."
            ),
        }
    heading = _("Décision implicite")
    if regime == Regime.NONE:
        return {
            "heading": heading,
            "regime": _(
                "Cette demande ne donne lieu à aucune décision implicite : le silence de la mairie ne vaut ni "
                "accord ni refus. La mairie vous répondra par écrit."
            ),
            "needed": "",
            "appeal": _(
                "Si la mairie vous répond par une décision défavorable, celle-ci indiquera les voies et délais "
                "de recours."
            ),
        }
    if dossier.state == Dossier.State.INCOMPLETE or not deadline:
        waiting = _(
            "Des pièces vous sont demandées : le délai au terme duquel votre demande serait réputée "
            "%(outcome)s ne court qu'à compter de leur réception (CRPA L114-5)."
        ) % {
            "outcome": _("acceptée") if regime == Regime.ACCEPTANCE else _("rejetée"),
        }
        return {
            "heading": heading,
            "regime": waiting,
            "needed": "",
            "appeal": _("Les voies de recours vous seront indiquées avec la décision."),
        }
    day = needed_on(dossier)
    needed = ""
    if day is not None and deadlines.comes_too_late(dossier.deadline, day):
        needed = _(
            "Votre demande porte sur le %(day)s : une décision implicite viendrait trop tard pour vous. "
            "Attendez la réponse écrite de la mairie et, sans nouvelles à l'approche du %(day)s, contactez le "
            "service en charge."
        ) % {"day": dates.long_date(day)}
    if regime == Regime.ACCEPTANCE:
        return {
            "heading": heading,
            "regime": _(
                "Cette demande peut donner lieu à une décision implicite d'acceptation : à défaut de "
                "décision expresse, elle sera réputée acceptée le %(date)s (CRPA L231-1). Vous pourrez "
                "alors demander à la mairie une attestation de cette acceptation (CRPA L232-3)."
            )
            % {"date": deadline},
            "needed": needed,
            "appeal": _(
                "Une décision expresse de refus peut être contestée dans un délai de deux mois à compter "
                "de sa notification, par un recours gracieux auprès du maire ou par un recours "
                "contentieux devant le tribunal administratif territorialement compétent, qui peut être "
                "saisi par l'application Télérecours citoyens (www.telerecours.fr)."
            ),
        }
    return {
        "heading": heading,
        "regime": _(
            "Cette demande peut donner lieu à une décision implicite de rejet : à défaut de décision "
            "expresse, elle sera réputée rejetée le %(date)s (CRPA L231-4)."
        )
        % {"date": deadline},
        "needed": needed,
        "appeal": _(
            "Vous pourrez contester ce rejet implicite dans un délai de deux mois à compter du %(date)s, "
            "par un recours gracieux auprès du maire ou par un recours contentieux devant le tribunal "
            "administratif territorialement compétent (Télérecours citoyens, www.telerecours.fr). Dans le "
            "même délai, vous pouvez demander les motifs de ce rejet implicite (CRPA L232-4)."
        )
        % {"date": deadline},
    }


def silence_meaning(dossier: Dossier, *, today: date) -> str:
    """What the mairie's silence means for this dossier, in a sentence for the applicant's pages: the date and
    what happens on it (CRPA L231-1 acceptance, L231-4 rejection), said in the past once the date has gone by
    (the implicit decision is born: `services.implicit_decision_born`), the period stopped while pieces are
    awaited (L114-5), or that the mairie answers in writing (no implicit decision). For a request for a given
    day (`needed_on`), that the silence would come too late for it (`deadlines.comes_too_late`: wait for the
    written answer), or that the day has gone by. '' once decided (the page says the decision) and for a
    draft. The legal wording with its articles is the accusé's (`implicit_decision_text`)."""
    if not dossier.is_open:
        return ""
    regime = dossier.version.regime
    if regime == Regime.NONE:
        return _(
            "Pour cette démarche, la mairie doit vous répondre par écrit : son silence ne vaut ni accord ni refus."
        )
    if dossier.state == Dossier.State.INCOMPLETE:
        return _(
            "Le délai de réponse est arrêté tant que la mairie attend les pièces demandées. Une nouvelle date "
            "vous sera indiquée ici dès leur réception."
        )
    if dossier.deadline is None:
        return ""
    day = {"date": dates.long_date(dossier.deadline)}
    accepted = regime == Regime.ACCEPTANCE
    wanted = needed_on(dossier)
    if wanted is not None:
        day["day"] = dates.long_date(wanted)
        # The day the request was for has gone by with no decision of any kind before it (the implicit one, if
        # any, was born after it or is still to come): what silence means now serves nothing.
        if wanted < today and dossier.deadline >= wanted:
            return (
                _(
                    "Le %(day)s, date sur laquelle portait votre demande, est passé sans réponse de la mairie. "
                    "Contactez-la si votre demande a encore un objet."
                )
                % day
            )
        if dossier.deadline >= today and deadlines.comes_too_late(dossier.deadline, wanted):
            if accepted:
                return (
                    _(
                        "Sans réponse de la mairie, votre demande ne serait considérée comme acceptée que le "
                        "%(date)s, trop tard pour le %(day)s, date sur laquelle elle porte. Attendez sa réponse "
                        "écrite et, sans nouvelles à l'approche du %(day)s, contactez-la."
                    )
                    % day
                )
            return (
                _(
                    "Sans réponse de la mairie, votre demande serait considérée comme refusée le %(date)s, trop "
                    "tard pour le %(day)s, date sur laquelle elle porte. Attendez sa réponse écrite et, sans "
                    "nouvelles à l'approche du %(day)s, contactez-la."
                )
                % day
            )
    if dossier.deadline < today:
        if accepted:
            return (
                _(
                    "La mairie ne s'est pas prononcée à temps : depuis le %(date)s, votre demande est considérée "
                    "comme acceptée. Vous pouvez lui demander une attestation qui le confirme."
                )
                % day
            )
        return (
            _(
                "La mairie ne s'est pas prononcée à temps : depuis le %(date)s, votre demande est considérée "
                "comme refusée. Vous pouvez lui demander les raisons de ce refus."
            )
            % day
        )
    if accepted:
        return (
            _("Sans réponse de la mairie d'ici le %(date)s, votre demande sera considérée comme acceptée.")
            % day
        )
    return (
        _("Sans réponse de la mairie d'ici le %(date)s, votre demande sera considérée comme refusée.") % day
    )


def day_notice(dossier: Dossier, *, today: date) -> dict[str, Any] | None:
    """For the agents: the day an open request is for (`needed_on`: a booking's event, a move) and when to
    decide — before that day, `urgent` when the implicit decision would come too late for it
    (`deadlines.comes_too_late`) or the day has gone by. None when the form names no such day, or once decided."""
    day = needed_on(dossier)
    if day is None or not dossier.is_open:
        return None
    values = {"day": dates.long_date(day)}
    if day < today:
        return {
            "text": _("La demande portait sur le %(day)s, date aujourd'hui passée.") % values,
            "urgent": True,
        }
    if deadlines.comes_too_late(dossier.deadline, day) and dossier.deadline is not None:
        values["date"] = dates.long_date(dossier.deadline)
        text = _(
            "La demande porte sur le %(day)s : la décision implicite du %(date)s viendrait trop tard pour le "
            "demandeur. Décidez avant le %(day)s."
        )
        return {"text": text % values, "urgent": True}
    return {
        "text": _("La demande porte sur le %(day)s : décidez avant cette date.") % values,
        "urgent": False,
    }


def receipt_text(dossier: Dossier) -> str:
    """The accusé de réception as plain text, for the e-mail: the same mentions as the page and the PDF."""
    found, implicit = service(dossier), implicit_decision_text(dossier)
    missing = _("non renseigné")
    lines = [_("Accusé de réception")]
    if dossier.received_on:
        lines.append(_("Reçue le %(date)s") % {"date": dates.long_date(dossier.received_on)})
    lines += [
        _("Service en charge : %(name)s") % {"name": found["name"]},
        _("Adresse postale : %(v)s") % {"v": found["address"] or missing},
        _("Courriel : %(v)s") % {"v": found["email"] or missing},
        _("Téléphone : %(v)s") % {"v": found["phone"] or missing},
        "",
        _("%(heading)s : %(text)s") % {"heading": implicit["heading"], "text": implicit["regime"]},
        *([implicit["needed"]] if implicit["needed"] else []),
        "",
        _("Voies et délais de recours : %(text)s") % {"text": implicit["appeal"]},
    ]
    return "\n".join(lines)


def located(dossier: Dossier, value: Any) -> dict[str, str] | None:
    """Where an address answer's point lies, for the agents: in words first — a point the applicant placed on
    the map « près du 12 place du Marché », the commune's nearest address (territory's address base); a point
    found from the typed address, that it comes from the address base —, then its coordinates, a detail. None
    without a point."""
    point = value.get("point") if isinstance(value, Mapping) else None
    if not isinstance(point, Mapping) or "lat" not in point or "lon" not in point:
        return None
    try:
        latitude, longitude = float(point["lat"]), float(point["lon"])
    except (TypeError, ValueError):
        return None
    if point.get("source") == "carte":
        near = address_near_label(commune=dossier.commune, latitude=latitude, longitude=longitude)
        where = (
            _("Point placé sur la carte par le demandeur, près du %(address)s") % {"address": near}
            if near
            else _("Point placé sur la carte par le demandeur, loin des adresses connues de la commune")
        )
    else:
        where = _("Point trouvé à cette adresse dans la base adresse de la commune")
    # French decimal commas: the two numbers are named, a comma between them would read as a third
    figures = {
        "lat": format_number(Decimal(str(latitude)), 5),
        "lon": format_number(Decimal(str(longitude)), 5),
    }
    return {"where": where, "coordinates": _("latitude %(lat)s, longitude %(lon)s") % figures}


def answers_read(
    dossier: Dossier, *, places: Mapping[str, str] | None = None, for_agents: bool = False
) -> list[dict[str, Any]]:
    """The dossier's answers as read, section by section (a block's rows listed), for pages and print: a
    choice by its label, a place by its name, a commune by its name (`places`: the commune's, read when not
    given). With `for_agents` (the agents' page): the headings and labels that speak to the resident as the
    agent reads them (« Votre réservation » → « Réservation du demandeur », `forms.agent_wording`), and where an
    address's point lies (`located`: the nearest address in words, then the coordinates); a resident reads the
    address alone, as typed."""
    communes = france_communes() or {}
    if places is None:
        places = selectors.place_names(commune=dossier.commune, forms=[dossier.version.schema])

    def read(item: Any, value: Any) -> str:
        text = display_value(item, value, places=places, communes=communes, coordinates=False)
        if item["type"] == "file" and isinstance(value, dict) and value.get("paper"):
            text = _(text)  # a piece seen on paper or to come (fields.PAPER_PIECES), in the reader's language
        return text

    def where(item: Any, value: Any) -> dict[str, str] | None:
        return located(dossier, value) if for_agents and item["type"] == "address" else None

    def label(item: Any) -> str:
        text = str(item.get("label", ""))
        return agent_wording(text) if for_agents else text

    sections = []
    for section, items in schema.visible_fields(dossier.version.schema, dossier.answers):
        rows = []
        for item in items:
            if item["type"] == "explanation":
                continue
            value = dossier.answers.get(item["key"])
            if item["type"] == "repeat":
                block = []
                for number, row in enumerate(value or [], start=1):
                    block.append(
                        {
                            "number": number,
                            "values": [
                                {
                                    "label": label(child),
                                    "text": read(child, row.get(child["key"])),
                                    "file": row.get(child["key"]) if child["type"] == "file" else None,
                                    "location": where(child, row.get(child["key"])),
                                }
                                for child in item.get("fields", [])
                                if child["type"] != "explanation"
                            ],
                        }
                    )
                rows.append({"label": label(item), "rows": block, "row_label": item.get("row_label", "")})
            else:
                rows.append(
                    {
                        "label": label(item),
                        "text": read(item, value),
                        "file": value if item["type"] == "file" else None,
                        "location": where(item, value),
                    }
                )
        title = str(section.get("title", ""))
        sections.append({"title": agent_wording(title) if for_agents else title, "items": rows})
    return sections


def identity_read(dossier: Dossier) -> list[tuple[str, str]]:
    """The identification as read (label, value) in the form's order."""
    out = []
    for item in schema.IDENTITY_FIELDS[dossier.applicant_kind]:
        value = dossier.identity.get(item["key"])
        if value not in (None, "", {}):
            out.append((_(item["label"]), display_value(item, value)))
    return out


def addressee(dossier: Dossier) -> list[str]:
    """The postal block of the accusé and of the decision letter, line by line, as a window envelope shows it
    (NF Z10-011): a company's or association's name, then the person's « Prénom Nom » on one line, then the
    postal address when one was given (street, complement, postcode and city); never a phone number or an
    e-mail in its place."""
    identity = dossier.identity or {}
    person = " ".join(str(identity.get(key) or "") for key in ("first_name", "last_name"))
    lines = [dossier.applicant_name]
    if dossier.applicant_kind != Dossier.Kind.PERSON and " ".join(person.split()) != dossier.applicant_name:
        lines.append(person)
    given = identity.get("address")
    if isinstance(given, Mapping):
        town = f"{given.get('postcode') or ''} {given.get('city') or ''}"
        lines += [str(given.get("street") or ""), str(given.get("complement") or ""), town]
    return [" ".join(line.split()) for line in lines if line and line.strip()]


def context(dossier: Dossier, *, for_agents: bool = False) -> dict[str, Any]:
    """Everything the accusés name, for the page, the e-mail and the PDF (`for_agents`: the agents' page,
    which reads an address's located point too)."""
    filed_at = timezone.localtime(dossier.filed_at) if dossier.filed_at else None
    found = service(dossier)
    return {
        "dossier": dossier,
        # the phone typed with ordinary spaces, joined with no-break ones: never cut across two lines on the
        # page or the printed accusé
        "service": {**found, "phone": found["phone"].replace(" ", NBSP)},
        "implicit": implicit_decision_text(dossier),
        "filed_at": filed_at,
        "received_on": dossier.received_on,
        "follow_url": commune_url(
            dossier.commune, "procedures:track", kwargs={"token": dossier.access_token}
        ),
        "code_url": commune_url(dossier.commune, "procedures:track_code"),
        "identity": identity_read(dossier),
        "sections": answers_read(dossier, for_agents=for_agents),
        "addressee": addressee(dossier),
        "today": timezone.localdate(),
        "file_url": "",  # the pages that link the pieces name their view (public: by token; agents: by id)
        "token_or_pk": "",
    }


def receipt_pdf(dossier: Dossier, *, base_url: str) -> bytes | None:
    html = render_to_string("procedures/print/receipt.html", {**context(dossier), "commune": dossier.commune})
    return html_to_pdf(html, base_url=base_url)


def decision_pdf(dossier: Dossier, *, base_url: str) -> bytes | None:
    html = render_to_string(
        "procedures/print/decision.html", {**context(dossier), "commune": dossier.commune}
    )
    return html_to_pdf(html, base_url=base_url)
