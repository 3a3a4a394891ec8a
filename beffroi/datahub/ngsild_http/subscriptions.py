"""NGSI-LD subscriptions (CIM 009 §5.8): create, list, read, change and delete; reading needs a key of the
commune."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from beffroi.datahub import selectors, services
from beffroi.datahub.documents import subscription_document
from beffroi.datahub.models import Subscription
from beffroi.datahub.ngsild import context as ldctx
from beffroi.datahub.ngsild.errors import AccessDenied, ResourceNotFound
from beffroi.datahub.ngsild_http.call import BASE, Call, endpoint, page_links, page_params


def _sub_context(body: Any, context: Any) -> Any:
    if context is not None:
        return context
    if isinstance(body, dict) and body.get("@context") is not None:
        return body["@context"]
    return None


def subscriptions_post(call: Call) -> HttpResponse:
    body, context = call.body()
    row = services.subscription_create(commune=call.commune, body=body, context=_sub_context(body, context))
    response = HttpResponse(status=201)
    response["Location"] = f"{BASE}/subscriptions/{row.subscription_id}"
    return response


def subscriptions_get(call: Call) -> HttpResponse:
    if not call.see_all:
        raise AccessDenied("listing subscriptions needs an API key of the commune")
    limit, offset, count = page_params(call)
    rows, total = selectors.subscription_list(commune=call.commune, limit=limit, offset=offset)
    body = [_document(call, s) for s in rows]
    response = call.respond(body, headers={"NGSILD-Results-Count": str(total)} if count else {})
    page_links(call, response, limit, offset, total)
    return response


def _subscription_or_404(call: Call, sub_id: str) -> Subscription:
    if not call.see_all:
        raise AccessDenied("reading subscriptions needs an API key of the commune")
    row = selectors.subscription_get(commune=call.commune, sub_id=sub_id)
    if row is None:
        raise ResourceNotFound(f"subscription {sub_id} was not found")
    return row


def _document(call: Call, row: Subscription) -> dict[str, Any]:
    body = subscription_document(row)
    if call.ld:  # (application/ld+json: the subscription's own @context, §6.3.6)
        body["@context"] = row.body.get("@context") or [call.link_context or ldctx.CORE_CONTEXT_URL]
    return body


def subscription_get(call: Call, sub_id: str) -> HttpResponse:
    return call.respond(_document(call, _subscription_or_404(call, sub_id)))


def subscription_patch(call: Call, sub_id: str) -> HttpResponse:
    body, context = call.body(merge=True)
    services.subscription_update(
        commune=call.commune, sub_id=sub_id, fragment=body, context=_sub_context(body, context)
    )
    return HttpResponse(status=204)


def subscription_delete(call: Call, sub_id: str) -> HttpResponse:
    services.subscription_delete(commune=call.commune, sub_id=sub_id)
    return HttpResponse(status=204)


subscriptions_view = endpoint(get=subscriptions_get, post=subscriptions_post)
subscription_view = endpoint(get=subscription_get, patch=subscription_patch, delete=subscription_delete)
