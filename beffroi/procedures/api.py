"""Platform API of the démarches: the démarches and their form (JSON schema) and the dossiers of the API key's
commune (a read key); instruction steps and messages to the applicant (a write key). Refusals are problem+json
in French (a DossierError becomes a Django ValidationError, field by field). Dossiers are returned with their
answers and the applicant's name and kind, never the applicant's address, e-mail or phone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from beffroi.core.api_auth import ApiKeyAuth
from beffroi.core.models import ApiKey
from beffroi.procedures import selectors, services
from beffroi.procedures.models import Demarche, Dossier

router = Router(tags=["démarches"])


class DemarcheOut(Schema):
    id: int
    slug: str
    title: str
    status: str
    version: int | None = Field(None, description="Numéro de la version publiée.")
    regime: str = Field(description="sva (silence vaut acceptation), svr (silence vaut rejet) ou none.")


class DossierOut(Schema):
    id: int
    tracking_code: str
    demarche: str = Field(description="Identifiant (slug) de la démarche.")
    version: int = Field(description="Version du formulaire sous laquelle le dossier a été déposé.")
    state: str
    state_label: str
    channel: str
    applicant_kind: str
    applicant_name: str
    received_on: date | None
    deadline: date | None = Field(
        None,
        description="Date de décision implicite ; null tant que des pièces sont attendues, ou sans objet.",
    )
    filed_at: datetime | None
    decided_at: datetime | None
    answers: dict[str, Any] = Field(description="Réponses, par clé de champ (voir le schéma de la version).")

    @staticmethod
    def resolve_tracking_code(obj: Dossier) -> str:
        return obj.display_code

    @staticmethod
    def resolve_demarche(obj: Dossier) -> str:
        return obj.demarche.slug

    @staticmethod
    def resolve_version(obj: Dossier) -> int:
        return obj.version.number

    @staticmethod
    def resolve_state_label(obj: Dossier) -> str:
        return str(obj.get_state_display())


class StateIn(Schema):
    action: Literal["prendre", "pieces", "decider"] = Field(
        description="prendre (en instruction), pieces (dossier incomplet : pièces demandées), decider."
    )
    pieces: str = Field("", description="Pièces demandées (action pieces).")
    outcome: Literal["", "accepte", "refuse", "sans_suite"] = Field(
        "", description="Décision (action decider)."
    )
    text: str = Field("", description="Texte de la lettre de décision (action decider).")
    signatory: str = ""


class DossierIn(Schema):
    applicant_kind: Literal["particulier", "entreprise", "association"] = "particulier"
    identity: dict[str, Any] = Field(
        description="last_name, first_name, email, phone, address {street, complement, postcode, city}; "
        "company_name et siret (entreprise) ; association_name et rna (association)."
    )
    answers: dict[str, Any] = Field(description="Réponses par clé de champ (voir le schéma de la démarche).")


class MessageIn(Schema):
    body: str = Field(min_length=1, max_length=5000)


class MessageOut(Schema):
    id: int
    body: str
    from_applicant: bool
    created_at: datetime


def _key(request: HttpRequest) -> ApiKey:
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by ninja after authentication
    return key


def _demarche_out(item: Demarche) -> dict[str, Any]:
    version = item.current_version
    return {
        "id": item.pk,
        "slug": item.slug,
        "title": item.title,
        "status": item.status,
        "version": version.number if version is not None else None,
        "regime": version.regime
        if version is not None
        else str(item.draft_schema.get("regime", {}).get("kind", "")),
    }


@router.get("/demarches", response=list[DemarcheOut], auth=ApiKeyAuth())
def demarche_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The démarches of the key's commune, published or not."""
    return [
        _demarche_out(d) for d in selectors.demarche_list(commune=_key(request).commune, published_only=False)
    ]


@router.get("/demarches/{slug}/schema", response=dict[str, Any], auth=ApiKeyAuth())
def demarche_schema(request: HttpRequest, slug: str) -> dict[str, Any]:
    """The démarche's form in the documented JSON format (format beffroi.demarche, docs/procedures.md)."""
    item = selectors.demarche_get(commune=_key(request).commune, slug=slug, published_only=False)
    if item is None:
        raise Http404
    return services.demarche_export(demarche=item)


@router.get("/dossiers", response=list[DossierOut], auth=ApiKeyAuth())
@paginate
def dossier_list(request: HttpRequest, demarche: str = "", state: str = "tous") -> QuerySet[Dossier]:
    """Filed dossiers, the nearest implicit-decision date first; `state` a state code, `ouverts` or `tous`."""
    commune = _key(request).commune
    item = selectors.demarche_get(commune=commune, slug=demarche, published_only=False) if demarche else None
    if demarche and item is None:
        raise Http404
    rows = selectors.queue(commune=commune, today=timezone.localdate(), demarche=item, state=state)
    return rows.select_related("version")  # paged in the database


@router.post("/demarches/{slug}/dossiers", response={201: DossierOut}, auth=ApiKeyAuth(write=True))
def dossier_create(request: HttpRequest, slug: str, payload: DossierIn) -> tuple[int, Dossier]:
    """File a dossier (write key; channel « application »), in one call. Every refusal is listed field by
    field (`identity.<clé>`, `answers.<clé>`): an invalid SIRET or date, a required answer missing, a value for a
    field the conditions hide or that the form does not have. Nothing is kept unless everything is accepted."""
    commune = _key(request).commune
    item = selectors.demarche_get(commune=commune, slug=slug)
    if item is None:
        raise Http404
    try:
        dossier = services.dossier_file_api(
            commune=commune,
            demarche=item,
            applicant_kind=payload.applicant_kind,
            identity=payload.identity,
            answers=payload.answers,
        )
    except services.DossierError as exc:
        raise ValidationError(
            {name or "__all__": [message] for name, message in exc.errors.items()}
        ) from None
    found = selectors.dossier_get(commune=commune, pk=dossier.pk)
    if found is None:  # pragma: no cover — just filed
        raise Http404
    return 201, found


def _dossier(request: HttpRequest, code: str) -> Dossier:
    item = selectors.dossier_by_code(commune=_key(request).commune, code=code)
    if item is None:
        raise Http404
    found = selectors.dossier_get(commune=_key(request).commune, pk=item.pk)
    if found is None:
        raise Http404
    return found


@router.get("/dossiers/{code}", response=DossierOut, auth=ApiKeyAuth())
def dossier_detail(request: HttpRequest, code: str) -> Dossier:
    """One dossier by its tracking code (K7QH-3MZP or K7QH3MZP)."""
    return _dossier(request, code)


@router.post("/dossiers/{code}/etat", response=DossierOut, auth=ApiKeyAuth(write=True))
def dossier_state(request: HttpRequest, code: str, payload: StateIn) -> Dossier:
    """An instruction step (write key): take in hand, ask for pieces (the deadline stops), decide."""
    item = _dossier(request, code)
    try:
        if payload.action == "prendre":
            services.dossier_take(dossier=item, actor=None)
        elif payload.action == "pieces":
            services.dossier_request_pieces(dossier=item, actor=None, pieces=payload.pieces)
        else:
            services.dossier_decide(
                dossier=item,
                actor=None,
                outcome=payload.outcome,
                text=payload.text,
                signatory=payload.signatory,
            )
    except services.DossierError as exc:
        raise ValidationError(
            {name or "__all__": [message] for name, message in exc.errors.items()}
        ) from None
    return _dossier(request, code)


@router.post("/dossiers/{code}/messages", response={201: MessageOut}, auth=ApiKeyAuth(write=True))
def dossier_message(request: HttpRequest, code: str, payload: MessageIn) -> tuple[int, Any]:
    """A message to the applicant (write key); the applicant is told by e-mail."""
    item = _dossier(request, code)
    try:
        message = services.message_send(dossier=item, actor=None, body=payload.body)
    except services.DossierError as exc:
        raise ValidationError(
            {name or "__all__": [message] for name, message in exc.errors.items()}
        ) from None
    return 201, message
