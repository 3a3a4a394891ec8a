"""Platform API of citizen participation (read): consultations and their published results (JSON and CSV),
proposals, public meetings of the key's commune. It gives what the public pages give: never who answered,
never a registered person, never the free texts (read by the mairie)."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from beffroi.core.api_auth import ApiKeyAuth
from beffroi.core.exports import csv_response
from beffroi.core.models import ApiKey, Commune
from beffroi.participation import selectors
from beffroi.participation.models import Consultation, Meeting, Proposal, QuestionKind

router = Router(tags=["participation citoyenne"], auth=ApiKeyAuth())


class ConsultationOptionOut(Schema):
    id: int
    label: str


class ConsultationQuestionOut(Schema):
    id: int
    position: int
    kind: str
    label: str
    required: bool
    options: list[ConsultationOptionOut]


class ConsultationOut(Schema):
    slug: str
    title: str
    description: str
    state: str
    opens_at: datetime
    closes_at: datetime
    audience: str
    anonymous: bool
    results_published: bool
    decision: str
    questions: list[ConsultationQuestionOut]


class ConsultationOptionResultOut(Schema):
    id: int
    label: str
    count: int | None = None  # choices: how many chose it
    borda_points: int | None = None  # ranking
    ranked_first: int | None = None  # ranking


class ConsultationQuestionResultOut(Schema):
    id: int
    label: str
    kind: str
    answered: int
    options: list[ConsultationOptionResultOut] = []
    scale_counts: dict[str, int] = {}
    scale_mean: float | None = None
    text_answers: int = 0


class ConsultationResultsOut(Schema):
    slug: str
    respondents: int
    online: int
    paper: int
    decision: str
    questions: list[ConsultationQuestionResultOut]


class ProposalOut(Schema):
    id: int
    title: str
    body: str
    status: str
    supports: int
    threshold: int
    created_at: datetime
    supports_close_at: datetime
    threshold_reached_at: datetime | None
    answer_due_at: datetime | None
    answer: str
    followup: str
    answered_at: datetime | None
    merged_into: int | None


class MeetingOut(Schema):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime | None
    place_name: str
    address: str
    latitude: float | None
    longitude: float | None
    agenda: str
    capacity: int | None
    seats_taken: int
    consultation: str | None
    proposal: int | None
    minutes: str


def _commune(request: HttpRequest) -> Commune:
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by ninja after authentication
    return key.commune


def _consultation_out(c: Consultation) -> dict[str, Any]:
    return {
        "slug": c.slug,
        "title": c.title,
        "description": c.description,
        "state": c.state,
        "opens_at": c.opens_at,
        "closes_at": c.closes_at,
        "audience": c.audience,
        "anonymous": c.anonymous,
        "results_published": c.results_published,
        "decision": c.decision if c.results_published else "",
        "questions": [
            {
                "id": q.pk,
                "position": q.position,
                "kind": q.kind,
                "label": q.label,
                "required": q.required,
                "options": [{"id": o.pk, "label": o.label} for o in q.options.all()],
            }
            for q in selectors.question_list(consultation=c)
        ],
    }


@router.get(
    "/consultations", response=list[ConsultationOut], summary="Published consultations of the key's commune"
)
def consultation_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_consultation_out(c) for c in selectors.consultation_list(commune=_commune(request))]


@router.get(
    "/consultations/{slug}", response=ConsultationOut, summary="One consultation and its questionnaire"
)
def consultation_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    return _consultation_out(selectors.consultation_get(commune=_commune(request), slug=slug))


def _results(consultation: Consultation) -> dict[str, Any]:
    count = selectors.respondent_count(consultation=consultation)
    questions = []
    for q, r in selectors.consultation_results(consultation=consultation):
        item: dict[str, Any] = {"id": q.pk, "label": q.label, "kind": q.kind, "answered": r.answered}
        if q.kind == QuestionKind.RANKING:
            item["options"] = [
                {"id": o.pk, "label": o.label, "borda_points": r.borda[o.pk], "ranked_first": r.first[o.pk]}
                for o in q.options.all()
            ]
        elif q.kind == QuestionKind.SCALE:
            item["scale_counts"] = {str(k): v for k, v in r.counts.items()}
            item["scale_mean"] = float(r.mean) if r.mean is not None else None
        elif q.has_options:
            item["options"] = [
                {"id": o.pk, "label": o.label, "count": r.counts[o.pk]} for o in q.options.all()
            ]
        else:
            item["text_answers"] = len(r.texts)
        questions.append(item)
    return {
        "slug": consultation.slug,
        "respondents": count["total"],
        "online": count["online"],
        "paper": count["paper"],
        "decision": consultation.decision,
        "questions": questions,
    }


@router.get(
    "/consultations/{slug}/results",
    response=ConsultationResultsOut,
    summary="Published results of a closed consultation",
)
def consultation_results(request: HttpRequest, slug: str) -> dict[str, Any]:
    return _results(selectors.published_results_get(commune=_commune(request), slug=slug))


@router.get(
    "/consultations/{slug}/results.csv",
    summary="Published results as CSV: one row per question and answer (text answers counted, not given)",
)
def consultation_results_csv(request: HttpRequest, slug: str) -> HttpResponse:
    data = _results(selectors.published_results_get(commune=_commune(request), slug=slug))
    rows: list[tuple[Any, ...]] = []
    for q in data["questions"]:
        if q.get("options"):
            rows += [
                (
                    q["id"],
                    q["label"],
                    q["kind"],
                    q["answered"],
                    o["label"],
                    o.get("count"),
                    o.get("borda_points"),
                    o.get("ranked_first"),
                )
                for o in q["options"]
            ]
        elif q["kind"] == QuestionKind.SCALE:
            rows += [
                (q["id"], q["label"], q["kind"], q["answered"], mark, count, None, None)
                for mark, count in q["scale_counts"].items()
            ]
        else:
            rows.append((q["id"], q["label"], q["kind"], q["answered"], "", q["text_answers"], None, None))
    return csv_response(
        filename=f"{slug}-resultats.csv",
        header=[
            "question_id",
            "question",
            "type",
            "reponses_a_la_question",
            "reponse",
            "nombre",
            "points_borda",
            "classee_premiere",
        ],
        rows=rows,
    )


def _proposal_out(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "body": p.body,
        "status": p.status,
        "supports": getattr(p, "support_count", 0),
        "threshold": p.threshold,
        "created_at": p.created_at,
        "supports_close_at": p.supports_close_at,
        "threshold_reached_at": p.threshold_reached_at,
        "answer_due_at": p.answer_due_at,
        "answer": p.answer,
        "followup": p.followup,
        "answered_at": p.answered_at,
        "merged_into": p.merged_into_id,
    }


@router.get(
    "/proposals", response=list[ProposalOut], summary="Residents' proposals with their supports and answers"
)
def proposal_list(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    return [
        _proposal_out(p) for p in selectors.proposal_list(commune=_commune(request), status=status)[:1000]
    ]


@router.get("/proposals/{pk}", response=ProposalOut, summary="One proposal")
def proposal_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _proposal_out(selectors.proposal_get(commune=_commune(request), pk=pk))


def _meeting_out(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "title": m.title,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "place_name": m.place_name,
        "address": m.address,
        "latitude": float(m.latitude) if m.latitude is not None else None,
        "longitude": float(m.longitude) if m.longitude is not None else None,
        "agenda": m.agenda,
        "capacity": m.capacity,
        "seats_taken": selectors.seats_taken(meeting=m),
        "consultation": m.consultation.slug if m.consultation else None,
        "proposal": m.proposal_id,
        "minutes": m.minutes if m.minutes_published_at else "",
    }


@router.get("/meetings", response=list[MeetingOut], summary="Public meetings, newest first")
def meeting_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        _meeting_out(m)
        for m in selectors.meeting_list(commune=_commune(request)).select_related("consultation")
    ]


@router.get("/meetings/{pk}", response=MeetingOut, summary="One public meeting")
def meeting_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _meeting_out(selectors.meeting_get(commune=_commune(request), pk=pk))
