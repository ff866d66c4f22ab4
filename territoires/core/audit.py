"""The audit log: one call records who did what on which object; and how the journal words it.

`audit_log(..., status="published")` stores codes and names as they were at the time (the log
outlives what it speaks of). The journal shows each detail as "label : value" in French: the label
and the value's wording come from AUDIT_DETAILS (a detail that names a field of the target object
reads that field's name, its choices' labels, or the name of the object it points to), dates in
full. Every keyword passed to audit_log in the code base has an entry (tests/core/test_audit_display.py
reads them off the source), so no raw code reaches a reader. A module registers its own details
with `register_audit_details` from its AppConfig.ready().
"""

import dataclasses
import datetime
import re
from collections.abc import Mapping

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from territoires.core.models import AuditEvent


def audit_log(*, actor, action: str, target, project_id: int | None = None, **details) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        project_id=project_id,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        object_repr=str(target)[:300],
        details={key: str(value) for key, value in details.items()},
    )


@dataclasses.dataclass(frozen=True)
class AuditDetail:
    """How the journal words one detail key.

    `field`: the target model's field whose choices (or related objects) give the value's wording,
    when the key is not itself that field's name (e.g. "previous" reads like "role").
    `values`: {code: label} for codes that no field of the target declares.
    """

    label: str
    field: str = ""
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)


AUDIT_DETAILS: dict[str, AuditDetail] = {}


def register_audit_details(**details: AuditDetail) -> None:
    """Add or extend entries; values given for an existing key are merged into it."""
    for key, detail in details.items():
        known = AUDIT_DETAILS.get(key)
        if known is not None:
            detail = AuditDetail(
                label=detail.label or known.label,
                field=detail.field or known.field,
                values={**known.values, **detail.values},
            )
        AUDIT_DETAILS[key] = detail


YES_NO = {"True": _("oui"), "False": _("non")}

register_audit_details(
    role=AuditDetail(_("rôle")),
    previous=AuditDetail(_("rôle précédent"), field="role"),
    # A project's is_public (True/False), a resource's visibility code.
    is_public=AuditDetail(_("publication"), field="visibility", values={"True": _("publié"), "False": _("non publié")}),
    participants=AuditDetail(_("collectivités participantes")),
    party=AuditDetail(_("partie")),
    deliberation=AuditDetail(_("délibération")),
    letter_received_on=AuditDetail(_("courrier reçu le")),
    notice_ends_on=AuditDetail(_("fin du préavis")),
    effective_on=AuditDetail(_("retrait effectif le")),
    version=AuditDetail(_("version")),
    step=AuditDetail(_("étape")),
    status=AuditDetail(_("statut"), values={"deleted": _("supprimé")}),
    reason=AuditDetail(_("motif")),
    access=AuditDetail(_("accès")),
    cells=AuditDetail(_("cellules")),
    year=AuditDetail(_("année")),
    source=AuditDetail(_("source")),
    format=AuditDetail(_("format")),
    territory=AuditDetail(_("territoire")),
    question=AuditDetail(_("question")),
    options=AuditDetail(_("modalités")),
    # Invitations and themes (accounts, projects).
    email=AuditDetail(_("adresse électronique")),
    organisation=AuditDetail(_("organisation")),
    insee_code=AuditDetail(_("code INSEE")),
    kind=AuditDetail(_("type")),
    theme=AuditDetail(_("thème")),
    expires_at=AuditDetail(_("valable jusqu'au")),
    # A project's method and its steps.
    note=AuditDetail(_("note")),
    added=AuditDetail(_("étapes ajoutées")),
    removed=AuditDetail(_("étapes retirées")),
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


def _target_field(model, name: str):
    if model is None or not name:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _value_wording(value: str, detail: AuditDetail | None, model_field) -> str:
    if detail is not None and value in detail.values:
        return str(detail.values[value])
    if model_field is not None:
        if getattr(model_field, "choices", None):
            choices = {str(code): label for code, label in model_field.flatchoices}
            if value in choices:
                return str(choices[value])
        if isinstance(model_field, models.ForeignKey) and value.isdigit():
            related = model_field.related_model._default_manager.filter(pk=int(value)).first()
            return str(related) if related is not None else str(_("n° %(id)s (supprimé)") % {"id": value})
        if isinstance(model_field, models.BooleanField) and value in YES_NO:
            return str(YES_NO[value])
    try:
        if _ISO_DATE.match(value):
            return date_format(datetime.date.fromisoformat(value), "j F Y")
        if _ISO_MINUTE.match(value):
            moment = datetime.datetime.fromisoformat(value)
            return _("%(date)s à %(time)s") % {"date": date_format(moment, "j F Y"), "time": moment.strftime("%Hh%M")}
    except ValueError:
        pass
    return value


def audit_detail_rows(event: AuditEvent) -> list[tuple[str, str]]:
    """(label, value) pairs of an event's details, in French words."""
    model = None
    if event.target_type_id:
        model = ContentType.objects.get_for_id(event.target_type_id).model_class()
    rows = []
    for key, value in (event.details or {}).items():
        if value in ("", None):
            continue  # e.g. the national agency's signature has no deliberation number
        detail = AUDIT_DETAILS.get(key)
        model_field = _target_field(model, (detail.field if detail and detail.field else key))
        if detail is not None:
            label = str(detail.label)
        elif model_field is not None:
            label = str(model_field.verbose_name)
        else:
            label = key.replace("_", " ")
        rows.append((label, _value_wording(str(value), detail, model_field)))
    return rows
