"""The accusés a filed dossier gets (CRPA L112-11, R112-11-1 and following) and the decision letter, as one
context shared by the page, the e-mail and the PDF (print template of their own, WeasyPrint via core.pdf)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.core import dates
from beffroi.core.formatting import NBSP
from beffroi.core.links import commune_url
from beffroi.core.pdf import html_to_pdf
from beffroi.procedures import schema, selectors
from beffroi.procedures.fields import display_value
from beffroi.procedures.messages import france_communes
from beffroi.procedures.models import Dossier, Regime


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


def implicit_decision_text(dossier: Dossier) -> dict[str, str]:
    """What silence will mean, its date and the means of appeal (R112-11-1 1°, L232-3, L232-4, R421-1 CJA)."""
    regime = dossier.version.regime
    deadline = dates.long_date(dossier.deadline) if dossier.deadline else ""
    if regime == Regime.NONE:
        return {
            "regime": _(
                "Cette demande ne peut pas donner lieu à une décision implicite : la mairie vous répondra "
                "par une décision expresse."
            ),
            "appeal": _("La décision que vous recevrez indiquera les voies et délais de recours."),
        }
    if dossier.state == Dossier.State.INCOMPLETE or not deadline:
        waiting = _(
            "Des pièces vous sont demandées : le délai au terme duquel votre demande serait réputée "
            "%(outcome)s ne court qu'à compter de leur réception (CRPA L114-5)."
        ) % {
            "outcome": _("acceptée") if regime == Regime.ACCEPTANCE else _("rejetée"),
        }
        return {
            "regime": waiting,
            "appeal": _("Les voies de recours vous seront indiquées avec la décision."),
        }
    if regime == Regime.ACCEPTANCE:
        return {
            "regime": _(
                "Cette demande peut donner lieu à une décision implicite d'acceptation : à défaut de "
                "décision expresse, elle sera réputée acceptée le %(date)s (CRPA L231-1). Vous pourrez "
                "alors demander à la mairie une attestation de cette acceptation (CRPA L232-3)."
            )
            % {"date": deadline},
            "appeal": _(
                "Une décision expresse de refus peut être contestée dans un délai de deux mois à compter "
                "de sa notification, par un recours gracieux auprès du maire ou par un recours "
                "contentieux devant le tribunal administratif territorialement compétent, qui peut être "
                "saisi par l'application Télérecours citoyens (www.telerecours.fr)."
            ),
        }
    return {
        "regime": _(
            "Cette demande peut donner lieu à une décision implicite de rejet : à défaut de décision "
            "expresse, elle sera réputée rejetée le %(date)s (CRPA L231-4)."
        )
        % {"date": deadline},
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
    awaited (L114-5), or that the mairie answers in writing (no implicit decision). '' once decided (the page
    says the decision) and for a draft. The legal wording with its articles is the accusé's
    (`implicit_decision_text`)."""
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
        _("Décision implicite : %(text)s") % {"text": implicit["regime"]},
        "",
        _("Voies et délais de recours : %(text)s") % {"text": implicit["appeal"]},
    ]
    return "\n".join(lines)


def answers_read(
    dossier: Dossier, *, places: Mapping[str, str] | None = None, coordinates: bool = False
) -> list[dict[str, Any]]:
    """The dossier's answers as read, section by section (a block's rows listed), for pages and print: a
    choice by its label, a place by its name, a commune by its name (`places`: the commune's, read when not
    given). An address's located point (latitude, longitude) only with `coordinates` (the agents' page): a
    resident reads the address alone."""
    communes = france_communes() or {}
    if places is None:
        places = selectors.place_names(commune=dossier.commune, forms=[dossier.version.schema])

    def read(item: Any, value: Any) -> str:
        text = display_value(item, value, places=places, communes=communes, coordinates=coordinates)
        if item["type"] == "file" and isinstance(value, dict) and value.get("paper"):
            text = _(text)  # a piece seen on paper or to come (fields.PAPER_PIECES), in the reader's language
        return text

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
                                    "label": child.get("label", ""),
                                    "text": read(child, row.get(child["key"])),
                                    "file": row.get(child["key"]) if child["type"] == "file" else None,
                                }
                                for child in item.get("fields", [])
                                if child["type"] != "explanation"
                            ],
                        }
                    )
                rows.append(
                    {"label": item.get("label", ""), "rows": block, "row_label": item.get("row_label", "")}
                )
            else:
                rows.append(
                    {
                        "label": item.get("label", ""),
                        "text": read(item, value),
                        "file": value if item["type"] == "file" else None,
                    }
                )
        sections.append({"title": section.get("title", ""), "items": rows})
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
        "sections": answers_read(dossier, coordinates=for_agents),
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
