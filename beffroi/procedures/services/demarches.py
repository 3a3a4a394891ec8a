"""Writes on démarches: create, edit the form being prepared, publish it as a new immutable version, close,
import and export between communes, install a ready template, and the decision-letter templates."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from beffroi.accounts.guards import require_capability
from beffroi.core.annotations import Actor, JSONObject, account_of
from beffroi.core.guards import NotOwned, ensure_owned
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.core.updates import model_update
from beffroi.procedures import catalogue, letters, schema
from beffroi.procedures.models import DecisionTemplate, Demarche, DemarcheVersion

if TYPE_CHECKING:
    from beffroi.territory.models import Team

RESERVED_SLUGS = frozenset({"suivi", "brouillon", "dossier", "gestion"})  # the module's own pages
DEMARCHE_FIELDS = ("title", "description", "team", "service_address", "service_email", "service_phone")


class DemarcheError(ValueError):
    """A démarche refused; `problems` are French sentences (a schema's faults, a bad setting)."""

    def __init__(self, problems: list[str], field: str = ""):
        super().__init__("; ".join(problems))
        self.problems = problems
        self.field = field


def _require_builder(actor: Actor, commune: Commune) -> None:
    require_capability(
        commune=commune,
        actor=actor,
        capability="build_procedures",
        message=_("Votre rôle ne permet pas de préparer les démarches en ligne."),
    )


def _free_slug(commune: Commune, title: str) -> str:
    base = slugify(title)[:70] or "demarche"
    slug, number = base, 2
    while slug in RESERVED_SLUGS or Demarche.objects.filter(commune=commune, slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def _owned_team(team: Team | None, commune: Commune) -> None:
    try:
        ensure_owned(team, commune)
    except NotOwned:
        raise DemarcheError([_("Ce service n'existe pas dans la commune.")], "team") from None


def _checked(data: Any) -> JSONObject:
    try:
        return schema.check(data)
    except schema.SchemaError as exc:
        raise DemarcheError(exc.problems) from None


@transaction.atomic
def demarche_create(
    *,
    commune: Commune,
    actor: Actor,
    title: str,
    form: JSONObject | None = None,
    description: str = "",
    team: Team | None = None,
    template_code: str = "",
) -> Demarche:
    """A new démarche in preparation (agents with `build_procedures`); `form` an already-checked schema, or
    none for a blank form of one section."""
    _require_builder(actor, commune)
    _owned_team(team, commune)
    title = (title or "").strip()
    if not title:
        raise DemarcheError([_("Donnez un titre à la démarche.")], "title")
    draft = (
        copy.deepcopy(form)
        if form
        else {
            "format": schema.FORMAT,
            "format_version": schema.FORMAT_VERSION,
            "title": title,
            "description": description,
            "applicant_kinds": ["particulier"],
            "regime": {"kind": "sva", "months": 2},
            "sections": [
                {"key": "demande", "title": _("Votre demande"), "help": "", "condition": None, "fields": []}
            ],
        }
    )
    draft["title"], draft["description"] = title, description or str(draft.get("description") or "")
    demarche = Demarche.objects.create(
        commune=commune,
        slug=_free_slug(commune, title),
        title=title[:200],
        description=str(draft["description"]),
        team=team,
        draft_schema=draft,
        template_code=template_code,
    )
    audit_record(
        commune=commune, actor=actor, action="procedures.demarche.create", obj=demarche, summary=title
    )
    return demarche


@transaction.atomic
def demarche_update(*, demarche: Demarche, actor: Actor, data: JSONObject) -> Demarche:
    """Change a démarche's settings (title, description, service and its contact), audited by model_update.

    Not audited: the copy of the title and description into the form in preparation (the change is)."""
    _require_builder(actor, demarche.commune)
    _owned_team(data.get("team"), demarche.commune)
    updated, _changed = model_update(
        instance=demarche,
        data=data,
        allowed=DEMARCHE_FIELDS,
        commune=demarche.commune,
        actor=actor,
        action="procedures.demarche.update",
    )
    draft = dict(updated.draft_schema)
    if draft.get("title") != updated.title or draft.get("description") != updated.description:
        draft["title"], draft["description"] = updated.title, updated.description
        Demarche.objects.filter(pk=updated.pk).update(draft_schema=draft)
        updated.draft_schema = draft
    return updated


@transaction.atomic
def demarche_form_save(
    *, demarche: Demarche, actor: Actor, form: JSONObject, check: bool = False
) -> Demarche:
    """Store the form being prepared (the builder's every step). With `check`, refuse a form that could not be
    published (the import, the JSON editor); the builder's steps keep each field valid on their own."""
    _require_builder(actor, demarche.commune)
    if check:
        form = _checked(form)
    demarche.draft_schema = form
    demarche.save(update_fields=["draft_schema", "updated_at"])
    audit_record(
        commune=demarche.commune,
        actor=actor,
        action="procedures.demarche.form",
        obj=demarche,
        summary=demarche.title,
    )
    return demarche


@transaction.atomic
def demarche_publish(*, demarche: Demarche, actor: Actor) -> DemarcheVersion:
    """Publish the form in preparation as a new version; dossiers already filed keep theirs (never altered)."""
    _require_builder(actor, demarche.commune)
    locked = Demarche.objects.select_for_update().get(pk=demarche.pk)
    form = _checked({**locked.draft_schema, "title": locked.title, "description": locked.description})
    if not any(item["type"] not in ("explanation",) for _section, item in schema.iter_fields(form)):
        raise DemarcheError([_("Ajoutez au moins une question avant de publier.")])
    number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DemarcheVersion.objects.create(
        demarche=locked, number=number, schema=form, published_by=account_of(actor)
    )
    locked.current_version = version
    locked.status = Demarche.Status.PUBLISHED
    locked.draft_schema = form
    locked.save(update_fields=["current_version", "status", "draft_schema", "updated_at"])
    demarche.current_version, demarche.status, demarche.draft_schema = version, locked.status, form
    audit_record(
        commune=locked.commune,
        actor=actor,
        action="procedures.demarche.publish",
        obj=locked,
        summary=f"{locked.title} v{number}",
    )
    return version


@transaction.atomic
def demarche_close(*, demarche: Demarche, actor: Actor, reopen: bool = False) -> Demarche:
    """Stop (or resume) taking new dossiers; those filed go on being instructed."""
    _require_builder(actor, demarche.commune)
    if reopen and demarche.current_version_id is None:
        raise DemarcheError([_("Publiez la démarche avant de l'ouvrir.")])
    demarche.status = Demarche.Status.PUBLISHED if reopen else Demarche.Status.CLOSED
    demarche.save(update_fields=["status", "updated_at"])
    audit_record(
        commune=demarche.commune,
        actor=actor,
        action="procedures.demarche.reopen" if reopen else "procedures.demarche.close",
        obj=demarche,
        summary=demarche.title,
    )
    return demarche


def demarche_export(*, demarche: Demarche) -> JSONObject:
    """The démarche's form as the documented JSON (its published version, else the one in preparation).

    Not audited: a read."""
    version = demarche.current_version
    form = dict(version.schema if version is not None else demarche.draft_schema)
    form.update(title=demarche.title, description=demarche.description)
    return form


def demarche_import(*, commune: Commune, actor: Actor, data: Any, team: Team | None = None) -> Demarche:
    """A démarche in preparation from another commune's export; a bad file is refused with each fault."""
    form = _checked(data)
    return demarche_create(
        commune=commune,
        actor=actor,
        title=form["title"],
        form=form,
        description=form.get("description", ""),
        team=team,
    )


@transaction.atomic
def template_install(
    *, commune: Commune, actor: Actor, code: str, team: Team | None = None, publish: bool = True
) -> Demarche:
    """Install one of the ready templates (`catalogue.TEMPLATES`) in one click, published unless asked not to;
    it can then be edited like any démarche. Installing it twice makes a second, separate démarche."""
    template = catalogue.TEMPLATES.get(code)
    if template is None:
        raise DemarcheError([_("Ce modèle de démarche n'existe pas.")])
    demarche = demarche_create(
        commune=commune,
        actor=actor,
        title=template["title"],
        form=_checked(template),
        description=template.get("description", ""),
        team=team,
        template_code=code,
    )
    if publish:
        demarche_publish(demarche=demarche, actor=actor)
    decision_templates_ensure(commune=commune)
    _template_letters_install(commune=commune, code=code)
    return demarche


def _template_letters_install(*, commune: Commune, code: str) -> None:
    """The decision letters a template brings (`catalogue.TEMPLATE_LETTERS`: the room booking's acceptance), each
    once per commune: a letter of the same title already there, the commune's own or an earlier install's, is
    left as it is. Audited through decision_template_create."""
    have = set(DecisionTemplate.objects.filter(commune=commune).values_list("title", flat=True))
    for title, outcome, body in catalogue.TEMPLATE_LETTERS.get(code, []):
        if title not in have:
            decision_template_create(commune=commune, actor=None, title=title, outcome=outcome, body=body)


# The ready démarches a preset installs (territory.presets): a village offers the saisine libre every commune
# owes (CRPA L112-8), a bourg adds the requests it receives most, a petite ville all of them.
PRESET_TEMPLATES = {
    "village": ("saisine-libre",),
    "bourg": ("saisine-libre", "salle-communale", "attestation", "occupation-domaine-public"),
}


def commune_preset_apply(commune: Commune, preset, actor: Actor) -> None:
    """Démarches' part of a commune preset: its ready démarches installed and published, once each (a template
    already installed is left as the commune made it). Audited through template_install."""
    codes = PRESET_TEMPLATES.get(preset.code, tuple(catalogue.TEMPLATES))
    have = set(Demarche.objects.filter(commune=commune).values_list("template_code", flat=True))
    for code in codes:
        if code in catalogue.TEMPLATES and code not in have:
            template_install(commune=commune, actor=actor, code=code)


@transaction.atomic
def _letter_checked(
    commune: Commune, *, title: str, outcome: str, body: str, exclude: int | None = None
) -> str:
    """The template's title, stripped; its placeholders, decision and title (unique in the commune) checked."""
    unknown = [name for name in letters.unknown_placeholders(body, set()) if not name.startswith("champ.")]
    if unknown:
        raise DemarcheError(
            [
                _("Champ de fusion inconnu : %(names)s.")
                % {"names": ", ".join(f"{{{{ {n} }}}}" for n in unknown)}
            ],
            "body",
        )
    if outcome not in DecisionTemplate.Outcome.values:
        raise DemarcheError([_("Décision inconnue.")], "outcome")
    title = title.strip()[:120]
    same = DecisionTemplate.objects.filter(commune=commune, title=title)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise DemarcheError([_("Un autre modèle porte déjà ce titre.")], "title")
    return title


def decision_template_create(
    *, commune: Commune, actor: Actor, title: str, outcome: str, body: str, signatory: str = ""
) -> DecisionTemplate:
    """A decision letter's template; a placeholder no dossier can fill is refused in French."""
    _require_builder(actor, commune)
    title = _letter_checked(commune, title=title, outcome=outcome, body=body)
    template = DecisionTemplate.objects.create(
        commune=commune,
        title=title,
        outcome=outcome,
        body=body,
        signatory=signatory.strip()[:200],
    )
    audit_record(
        commune=commune, actor=actor, action="procedures.letter_template.create", obj=template, summary=title
    )
    return template


def decision_template_update(
    *, template: DecisionTemplate, actor: Actor, title: str, outcome: str, body: str, signatory: str = ""
) -> DecisionTemplate:
    """Change a template, checked as on creation. Letters already sent keep their text: a decided dossier
    stores its letter whole (`Dossier.decision_text`), never a link to the template."""
    _require_builder(actor, template.commune)
    template.title = _letter_checked(
        template.commune, title=title, outcome=outcome, body=body, exclude=template.pk
    )
    template.outcome, template.body, template.signatory = outcome, body, signatory.strip()[:200]
    template.save(update_fields=["title", "outcome", "body", "signatory"])
    audit_record(
        commune=template.commune,
        actor=actor,
        action="procedures.letter_template.update",
        obj=template,
        summary=template.title,
    )
    return template


def decision_template_delete(*, template: DecisionTemplate, actor: Actor) -> None:
    """Delete a template; letters already sent keep their stored text (see above)."""
    _require_builder(actor, template.commune)
    audit_record(
        commune=template.commune,
        actor=actor,
        action="procedures.letter_template.delete",
        obj=template,
        summary=template.title,
    )
    template.delete()


def decision_templates_ensure(*, commune: Commune) -> None:
    """The default decision letters of a commune, if it has none (idempotent).

    Not audited: the platform's defaults, written once; a commune's own letters are audited."""
    if DecisionTemplate.objects.filter(commune=commune).exists():
        return
    for title, outcome, body in catalogue.DECISION_LETTERS:
        decision_template_create(commune=commune, actor=None, title=title, outcome=outcome, body=body)
