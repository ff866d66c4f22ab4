"""Writes of the action plans. Keyword-only, atomic; the views check the rules (rules.py) first.

A plan's structure (axes, objectives, actions, indicators) changes only while it is drafted or
amended; once submitted to the council or adopted, it is locked. Follow-up (an action's status and
progress, milestones reached, measurements) goes on after adoption: that is what follow-up is.
"""

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from territoires.core.audit import audit_log
from territoires.core.cache import bump_content_version
from territoires.core.models import AuditEvent
from territoires.core.validators import validate_pdf_upload
from territoires.plans.models import (
    Action,
    ActionOrigin,
    ActionPlan,
    Axis,
    ContributionOutcome,
    Indicator,
    Measurement,
    Milestone,
    Objective,
    PlanAdoption,
    PlanVersion,
)
from territoires.plans.origins import ORIGIN_KINDS
from territoires.projects.deliberations import deliberation_errors
from territoires.projects.services import steps_fill_by_module

AuditAction = AuditEvent.Action

MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 10_000


def _lock(plan: ActionPlan) -> ActionPlan:
    """The plan row, locked for the transaction: status changes and versions are taken one at a time."""
    return ActionPlan.objects.select_for_update().get(pk=plan.pk)


def _require_editable(plan: ActionPlan) -> None:
    if plan.status == ActionPlan.Status.ADOPTED:
        raise ValidationError(
            _("Ce plan est adopté : sa version est verrouillée. Ouvrez une modification pour le changer.")
        )
    if plan.status == ActionPlan.Status.SUBMITTED:
        raise ValidationError(
            _("Ce plan est soumis au vote : il ne peut plus changer. Retirez-le du vote pour le modifier.")
        )


# Plan ---------------------------------------------------------------------------------------------


def plan_create(*, territory, user, title: str, summary: str = "") -> ActionPlan:
    if not territory.is_participant:
        raise ValidationError(_("Seules les collectivités participantes ont un plan d'action."))
    with transaction.atomic():
        if ActionPlan.objects.filter(territory=territory).exists():
            raise ValidationError(_("Ce territoire a déjà un plan d'action."))
        try:
            with transaction.atomic():
                plan = ActionPlan.objects.create(
                    territory=territory, project_id=territory.project_id, title=title.strip(), summary=summary.strip()
                )
        except IntegrityError as error:  # two people creating it at the same moment
            raise ValidationError(_("Ce territoire a déjà un plan d'action.")) from error
        audit_log(actor=user, action=AuditAction.PLAN_CREATED, target=plan, project_id=plan.project_id)
    return plan


def plan_update(*, plan: ActionPlan, user, title: str, summary: str) -> ActionPlan:
    with transaction.atomic():
        plan = _lock(plan)
        _require_editable(plan)
        plan.title, plan.summary = title.strip(), summary.strip()
        plan.save(update_fields=["title", "summary", "updated_at"])
    return plan


def axis_save(*, plan: ActionPlan, user, title: str, description: str = "", axis: Axis | None = None) -> Axis:
    with transaction.atomic():
        _require_editable(_lock(plan))
        if axis is None:
            position = (plan.axes.aggregate(m=Max("position"))["m"] or 0) + 1
            axis = Axis.objects.create(plan=plan, position=position, title=title.strip(), description=description)
        else:
            axis.title, axis.description = title.strip(), description
            axis.save(update_fields=["title", "description"])
    return axis


def objective_save(
    *, plan: ActionPlan, user, axis: Axis, title: str, description: str = "", objective: Objective | None = None
) -> Objective:
    if axis.plan_id != plan.pk:
        raise ValidationError({"axis": _("Cet axe n'appartient pas à ce plan.")})
    with transaction.atomic():
        _require_editable(_lock(plan))
        if objective is None:
            position = (plan.objectives.filter(axis=axis).aggregate(m=Max("position"))["m"] or 0) + 1
            objective = Objective.objects.create(
                plan=plan, axis=axis, position=position, title=title.strip(), description=description
            )
        else:
            objective.axis, objective.title, objective.description = axis, title.strip(), description
            objective.save(update_fields=["axis", "title", "description"])
    return objective


ACTION_FIELDS = ("title", "description", "lead", "audiences", "budget", "starts_on", "ends_on", "weight")


def _check_action(plan: ActionPlan, data: dict, *, objective, parent, partners, places, action) -> None:
    errors = {}
    # The model's own bounds (a budget is not negative…): the form leaves validation to this service.
    for name in ("budget", "weight"):
        if data.get(name) is not None:
            try:
                Action._meta.get_field(name).run_validators(data[name])
            except ValidationError as error:
                errors[name] = error.messages
    if objective.plan_id != plan.pk:
        errors["objective"] = _("Cet objectif n'appartient pas à ce plan.")
    if parent is not None:
        if parent.plan_id != plan.pk:
            errors["parent"] = _("Cette action n'appartient pas à ce plan.")
        elif action is not None:
            ancestor = parent
            while ancestor is not None:
                if ancestor.pk == action.pk:
                    errors["parent"] = _(
                        "Une action ne peut pas être rattachée à elle-même ni à l'une de ses sous-actions."
                    )
                    break
                ancestor = ancestor.parent
        if "parent" not in errors and parent.objective_id != objective.pk:
            errors["parent"] = _("La sous-action doit relever du même objectif que son action parente.")
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        errors["ends_on"] = _("La fin ne peut pas précéder le début.")
    # Partners and places come from this territory's own directory: another territory's cards (even
    # published ones) are that territory's to link.
    for field, entries, kind in (("partners", partners, "actor"), ("places", places, "place")):
        for entry in entries:
            if entry.territory_id != plan.territory_id or entry.merged_into_id is not None:
                errors[field] = _("« %(name)s » n'est pas une fiche de l'annuaire de ce territoire.") % {
                    "name": entry.name
                }
                break
            if entry.kind != kind:
                errors[field] = (
                    _("« %(name)s » n'est pas un acteur.") if kind == "actor" else _("« %(name)s » n'est pas un lieu.")
                ) % {"name": entry.name}
                break
    if errors:
        raise ValidationError(errors)


def action_save(
    *,
    plan: ActionPlan,
    user,
    objective: Objective,
    data: dict,
    parent: Action | None = None,
    partners=(),
    places=(),
    action: Action | None = None,
    expected_revision: int | None = None,
) -> Action:
    """Create an action, or change one: `expected_revision` is the revision the form was opened at;
    if someone saved the action since, nothing is written and the editor is told."""
    partners, places = list(partners), list(places)
    _check_action(plan, data, objective=objective, parent=parent, partners=partners, places=places, action=action)
    with transaction.atomic():
        _require_editable(_lock(plan))
        if action is None:
            position = (
                plan.actions.filter(objective=objective, parent=parent).aggregate(m=Max("position"))["m"] or 0
            ) + 1
            action = Action.objects.create(
                plan=plan,
                objective=objective,
                parent=parent,
                position=position,
                **{k: data.get(k) for k in ACTION_FIELDS if k in data},
            )
        else:
            current = Action.objects.select_for_update().get(pk=action.pk)
            _check_revision(current, expected_revision)
            for name in ACTION_FIELDS:
                if name in data:
                    setattr(current, name, data[name])
            current.objective, current.parent = objective, parent
            current.revision += 1
            current.save()
            action = current
        action.partners.set(partners)
        action.places.set(places)
    return action


def _check_revision(current: Action, expected_revision: int | None) -> None:
    if expected_revision is not None and current.revision != expected_revision:
        raise ValidationError(
            _(
                "Quelqu'un a enregistré cette action pendant que vous la modifiiez : rien n'a été enregistré. "
                "Rechargez la page pour voir sa version, puis refaites vos changements."
            ),
            code="stale",
        )


def action_follow_up(
    *, action: Action, user, status: str, progress: int, expected_revision: int | None = None
) -> Action:
    """Status and progress: updated during the follow-up, adopted plan or not."""
    if status not in Action.Status.values:
        raise ValidationError({"status": _("Choisissez un statut de la liste.")})
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": _("L'avancement est un pourcentage, de 0 à 100.")})
    with transaction.atomic():
        current = Action.objects.select_for_update().get(pk=action.pk)
        _check_revision(current, expected_revision)
        previous = current.status
        current.status, current.progress = status, 100 if status == Action.Status.DONE else progress
        current.revision += 1
        current.save(update_fields=["status", "progress", "revision"])
        audit_log(
            actor=user,
            action=AuditAction.PLAN_ACTION_FOLLOWED,
            target=current,
            project_id=current.plan.project_id,
            previous_status=previous,
            status=current.status,
            progress=current.progress,
        )
    return current


def action_delete(*, action: Action, user) -> None:
    with transaction.atomic():
        _require_editable(_lock(action.plan))
        action.delete()


def milestone_add(*, action: Action, user, label: str, due_on: datetime.date) -> Milestone:
    if action.starts_on and due_on < action.starts_on:
        raise ValidationError({"due_on": _("Un jalon ne peut pas précéder le début de l'action.")})
    return Milestone.objects.create(action=action, label=label.strip(), due_on=due_on)


def milestone_reach(*, milestone: Milestone, user, done_on: datetime.date) -> Milestone:
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("Un jalon ne peut être atteint dans le futur.")})
    milestone.done_on = done_on
    milestone.save(update_fields=["done_on"])
    return milestone


def origin_add(*, action: Action, user, kind: str, target_id: int, note: str = "") -> ActionOrigin:
    """Link an action to what it answers; only to what its plan's project holds (candidates of the
    kind), so that no action points at another territory's private evidence."""
    origin_kind = ORIGIN_KINDS.get(kind)
    if origin_kind is None:
        raise ValidationError({"kind": _("Choisissez une nature d'origine de la liste.")})
    if not origin_kind.candidates(action.plan).filter(pk=target_id).exists():
        raise ValidationError({"target_id": _("Cet élément n'existe pas ou n'est pas accessible depuis ce plan.")})
    with transaction.atomic():
        origin, _created = ActionOrigin.objects.get_or_create(
            action=action, kind=kind, target_id=target_id, defaults={"note": note.strip()}
        )
    return origin


# Indicators and measurements ----------------------------------------------------------------------


def indicator_save(*, plan: ActionPlan, user, data: dict, indicator: Indicator | None = None) -> Indicator:
    objective, action = data.get("objective"), data.get("action")
    errors = {}
    if bool(objective) == bool(action):
        errors["objective"] = _("Rattachez l'indicateur à un objectif ou à une action (l'un des deux).")
    elif (objective or action).plan_id != plan.pk:
        errors["objective"] = _("Cet objectif ou cette action n'appartient pas à ce plan.")
    if data.get("baseline_on") and data.get("target_on") and data["target_on"] <= data["baseline_on"]:
        errors["target_on"] = _("La date de la cible doit suivre celle de la valeur de départ.")
    if data.get("baseline_value") is not None and data.get("baseline_value") == data.get("target_value"):
        errors["target_value"] = _("La cible doit différer de la valeur de départ : sinon rien ne se mesure.")
    survey_fields = _survey_source_fields(plan, data, errors)
    if errors:
        raise ValidationError(errors)
    fields = (
        "name",
        "unit",
        "baseline_value",
        "baseline_on",
        "baseline_source",
        "target_value",
        "target_on",
        "measurement_source",
    )
    with transaction.atomic():
        _require_editable(_lock(plan))
        if indicator is None:
            indicator = Indicator(plan=plan)
        for name in fields:
            setattr(indicator, name, data.get(name) if data.get(name) is not None else getattr(indicator, name))
        indicator.objective, indicator.action = objective, action
        for name, value in survey_fields.items():
            setattr(indicator, name, value)
        try:
            with transaction.atomic():
                indicator.save()
        except IntegrityError as error:
            raise ValidationError({"name": _("Un indicateur de ce plan porte déjà ce nom.")}) from error
    return indicator


def _survey_source_fields(plan: ActionPlan, data: dict, errors: dict) -> dict:
    """The survey source's fields as they will be stored (cleared for a typed indicator); its
    problems go into `errors` (plans/survey_source.py says what may be read)."""
    from territoires.plans.survey_source import survey_source_errors

    source_kind = data.get("source_kind") or Indicator.Source.TYPED
    if source_kind not in Indicator.Source.values:
        errors["source_kind"] = _("Source des mesures inconnue.")
        return {}
    if source_kind == Indicator.Source.TYPED:
        return {
            "source_kind": source_kind,
            "survey": None,
            "survey_question_code": "",
            "survey_reading": "",
            "survey_option_code": "",
            "survey_filters": {},
        }
    reading = data.get("survey_reading") or ""
    fields = {
        "source_kind": source_kind,
        "survey": data.get("survey"),
        "survey_question_code": data.get("survey_question_code") or "",
        "survey_reading": reading,
        # A mean reads no answer in particular.
        "survey_option_code": "" if reading == Indicator.SurveyReading.MEAN else (data.get("survey_option_code") or ""),
        "survey_filters": {name: value for name, value in (data.get("survey_filters") or {}).items() if value},
    }
    errors.update(
        survey_source_errors(
            plan,
            survey=fields["survey"],
            question_code=fields["survey_question_code"],
            reading=reading,
            option_code=fields["survey_option_code"],
            filters=fields["survey_filters"],
        )
    )
    return fields


def indicator_read_survey(*, indicator: Indicator, user, today: datetime.date | None = None) -> Measurement:
    """Record the value the indicator's survey dashboard gives now, as a measurement dated the
    survey's closing day (a closed wave) or today; refused if a measurement has that date."""
    from territoires.plans.survey_source import survey_value

    if indicator.source_kind != Indicator.Source.SURVEY:
        raise ValidationError(_("Cet indicateur ne se mesure pas par une enquête : saisissez ses mesures."))
    try:
        read = survey_value(indicator, today=today)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    if Measurement.objects.filter(indicator=indicator, measured_on=read.measured_on).exists():
        raise ValidationError(
            _("Une mesure existe déjà au %(date)s pour cet indicateur : l'enquête y a déjà été lue.")
            % {"date": read.measured_on.strftime("%d/%m/%Y")}
        )
    return measurement_add(
        indicator=indicator, user=user, measured_on=read.measured_on, value=read.value, source=read.source
    )


def _check_measurement(indicator: Indicator, measured_on: datetime.date, value: Decimal) -> dict:
    errors = {}
    if measured_on < indicator.baseline_on:
        errors["measured_on"] = _("Une mesure ne peut précéder la valeur de départ (%(date)s).") % {
            "date": indicator.baseline_on.strftime("%d/%m/%Y")
        }
    elif measured_on > timezone.localdate():
        errors["measured_on"] = _("Une mesure ne peut être datée dans le futur.")
    if abs(value) > Decimal("999999999999.99"):
        errors["value"] = _("Cette valeur est trop grande.")
    return errors


def measurement_add(
    *, indicator: Indicator, user, measured_on: datetime.date, value: Decimal, source: str = "", unit: str | None = None
) -> Measurement:
    errors = _check_measurement(indicator, measured_on, value)
    if unit is not None and unit.strip().lower() != indicator.unit.strip().lower():
        errors["value"] = _("Cet indicateur se mesure en « %(unit)s », pas en « %(given)s ».") % {
            "unit": indicator.unit,
            "given": unit,
        }
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            measurement = Measurement.objects.create(
                indicator=indicator, measured_on=measured_on, value=value, source=source.strip(), recorded_by=user
            )
            audit_log(
                actor=user,
                action=AuditAction.PLAN_MEASUREMENT_RECORDED,
                target=indicator,
                project_id=indicator.plan.project_id,
                measured_on=measured_on,
                value=value,
            )
    except IntegrityError as error:
        raise ValidationError({"measured_on": _("Une mesure existe déjà à cette date pour cet indicateur.")}) from error
    return measurement


MEASUREMENT_COLUMNS = ("indicateur", "date", "valeur", "unite", "source")


def measurements_import(*, plan: ActionPlan, user, content: bytes) -> int:
    """Measurements from a CSV (indicateur;date;valeur;unité;source): all lines or none. Every
    problem is reported at once, with its line number."""
    if len(content) > MAX_CSV_BYTES:
        raise ValidationError(_("Le fichier dépasse 2 Mo."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ValidationError(_("Le fichier n'est ni en UTF-8 ni en Windows-1252 (Latin-1).")) from error
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [_normalise_header(cell) for cell in next(reader, [])]
    missing = [name for name in ("indicateur", "date", "valeur") if name not in header]
    if missing:
        raise ValidationError(
            _("Colonnes attendues : indicateur, date, valeur (unité et source facultatives). Il manque : %(missing)s.")
            % {"missing": ", ".join(missing)}
        )
    indicators = {i.name.strip().lower(): i for i in plan.indicators.all()}
    problems, rows = [], []
    for number, row in enumerate(reader, start=2):
        if number > MAX_CSV_ROWS + 1:
            raise ValidationError(_("Le fichier compte plus de %(max)d lignes.") % {"max": MAX_CSV_ROWS})
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(header, row, strict=False))
        name = (cells.get("indicateur") or "").strip()
        indicator = indicators.get(name.lower())
        if indicator is None:
            problems.append(_("ligne %(n)d : indicateur inconnu « %(name)s »") % {"n": number, "name": name[:80]})
            continue
        try:
            measured_on = _parse_date(cells.get("date", ""))
        except ValueError:
            problems.append(_("ligne %(n)d : date illisible (attendu JJ/MM/AAAA ou AAAA-MM-JJ)") % {"n": number})
            continue
        try:
            value = Decimal((cells.get("valeur") or "").strip().replace(" ", "").replace(",", "."))
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.append(_("ligne %(n)d : valeur illisible") % {"n": number})
            continue
        unit = (cells.get("unite") or "").strip()
        errors = _check_measurement(indicator, measured_on, value)
        if unit and unit.lower() != indicator.unit.strip().lower():
            errors["unit"] = _("unité « %(given)s » au lieu de « %(unit)s »") % {
                "given": unit[:40],
                "unit": indicator.unit,
            }
        if errors:
            problems.append(
                _("ligne %(n)d : %(errors)s") % {"n": number, "errors": " ; ".join(str(e) for e in errors.values())}
            )
            continue
        rows.append(
            Measurement(
                indicator=indicator,
                measured_on=measured_on,
                value=value,
                source=(cells.get("source") or "").strip()[:300],
                recorded_by=user,
            )
        )
    keys = [(m.indicator_id, m.measured_on) for m in rows]
    duplicates = {key for key in keys if keys.count(key) > 1}
    if duplicates:
        problems.append(_("deux lignes donnent une mesure pour le même indicateur à la même date"))
    existing = set(Measurement.objects.filter(indicator__plan=plan).values_list("indicator_id", "measured_on")) & set(
        keys
    )
    if existing:
        problems.append(
            ngettext(
                "%(count)d mesure existe déjà à cette date : retirez cette ligne du fichier",
                "%(count)d mesures existent déjà à ces dates : retirez ces lignes du fichier",
                len(existing),
            )
            % {"count": len(existing)}
        )
    if problems:
        raise ValidationError(problems)
    if not rows:
        raise ValidationError(_("Le fichier ne contient aucune mesure."))
    with transaction.atomic():
        Measurement.objects.bulk_create(rows)
        # bulk_create sends no post_save: the plan pages cached for visitors and members hear of it here.
        transaction.on_commit(bump_content_version)
        audit_log(
            actor=user,
            action=AuditAction.PLAN_MEASUREMENTS_IMPORTED,
            target=plan,
            project_id=plan.project_id,
            count=len(rows),
        )
    return len(rows)


def _normalise_header(cell: str) -> str:
    cell = cell.strip().lower()
    return {"unité": "unite", "indicator": "indicateur", "value": "valeur"}.get(cell, cell)


def _parse_date(text: str) -> datetime.date:
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            parsed = datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if 1900 <= parsed.year <= 2100:
            return parsed
    raise ValueError(text)


# Versions, vote and adoption ----------------------------------------------------------------------


def plan_snapshot(plan: ActionPlan) -> dict:
    """The plan's structure as plain data: what a version keeps and what diffs compare."""
    axes = list(plan.axes.all())
    objectives = list(plan.objectives.all())
    actions = list(plan.actions.all())
    indicators = list(plan.indicators.all())
    return {
        "title": plan.title,
        "summary": plan.summary,
        "axes": [{"id": a.pk, "title": a.title, "description": a.description} for a in axes],
        "objectives": [
            {"id": o.pk, "axis": o.axis_id, "title": o.title, "description": o.description} for o in objectives
        ],
        "actions": [
            {
                "id": a.pk,
                "objective": a.objective_id,
                "parent": a.parent_id,
                "title": a.title,
                "description": a.description,
                "lead": a.lead,
                "budget": str(a.budget) if a.budget is not None else None,
                "starts_on": a.starts_on.isoformat() if a.starts_on else None,
                "ends_on": a.ends_on.isoformat() if a.ends_on else None,
                "audiences": list(a.audiences),
            }
            for a in actions
        ],
        "indicators": [
            {
                "id": i.pk,
                "name": i.name,
                "unit": i.unit,
                "baseline": str(i.baseline_value),
                "target": str(i.target_value),
                "target_on": i.target_on.isoformat(),
            }
            for i in indicators
        ],
    }


def plan_version_save(*, plan: ActionPlan, user, note: str = "") -> PlanVersion:
    """Save the plan's current state as its next version; saving an unchanged plan returns the last
    version (a resent form, or nothing new to keep)."""
    with transaction.atomic():
        plan = _lock(plan)
        snapshot = plan_snapshot(plan)
        last = plan.versions.order_by("-number").first()
        if last is not None and last.snapshot == snapshot:
            return last
        version = PlanVersion.objects.create(
            plan=plan,
            number=(last.number + 1) if last else 1,
            snapshot=snapshot,
            note=note.strip()[:500],
            created_by=user,
        )
        audit_log(
            actor=user,
            action=AuditAction.PLAN_VERSION_SAVED,
            target=plan,
            project_id=plan.project_id,
            version=version.number,
        )
    return version


def plan_submit(*, plan: ActionPlan, user) -> PlanVersion:
    """Put the plan to the council's vote: its current state becomes a version, and it is locked."""
    with transaction.atomic():
        plan = _lock(plan)
        _require_editable(plan)
        if not plan.actions.exists():
            raise ValidationError(_("Un plan sans action ne peut pas être soumis au vote."))
        version = plan_version_save(plan=plan, user=user, note=_("Version soumise au vote"))
        plan.status = ActionPlan.Status.SUBMITTED
        plan.save(update_fields=["status", "updated_at"])
        audit_log(
            actor=user,
            action=AuditAction.PLAN_SUBMITTED,
            target=plan,
            project_id=plan.project_id,
            version=version.number,
        )
    return version


def plan_withdraw_submission(*, plan: ActionPlan, user) -> ActionPlan:
    with transaction.atomic():
        plan = _lock(plan)
        if plan.status != ActionPlan.Status.SUBMITTED:
            raise ValidationError(_("Ce plan n'est pas soumis au vote."))
        plan.status = ActionPlan.Status.AMENDING if plan.adopted_version_id else ActionPlan.Status.DRAFT
        plan.save(update_fields=["status", "updated_at"])
    return plan


def plan_adopt(*, plan: ActionPlan, user, deliberation: dict, deliberation_document) -> PlanAdoption:
    """Record the council's deliberation adopting the submitted version: the charter's deliberation
    checks (projects/deliberations.py), the PDF's, then the version is locked and published, and the
    territory's timeline marks the plan drafted and adopted."""
    errors = deliberation_errors(deliberation, require_presence=True)
    if deliberation_document is None:
        errors.setdefault("deliberation_document", _("Joignez la délibération au format PDF."))
    else:
        try:
            validate_pdf_upload(deliberation_document)
        except ValidationError as error:
            errors.setdefault("deliberation_document", " ".join(error.messages))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = _lock(plan)
        if plan.status == ActionPlan.Status.ADOPTED:
            raise ValidationError(_("Ce plan est déjà adopté : sa délibération est enregistrée."))
        if plan.status != ActionPlan.Status.SUBMITTED:
            raise ValidationError(_("Soumettez d'abord le plan au vote : c'est cette version que le conseil adopte."))
        version = plan.versions.order_by("-number").first()
        kind = PlanAdoption.Kind.AMENDMENT if plan.adopted_version_id else PlanAdoption.Kind.ADOPTION
        adoption = PlanAdoption(plan=plan, version=version, kind=kind, recorded_by=user, **deliberation)
        adoption.deliberation_document = deliberation_document
        adoption.save()
        plan.status = ActionPlan.Status.ADOPTED
        plan.adopted_version = version
        plan.save(update_fields=["status", "adopted_version", "updated_at"])
        audit_log(
            actor=user,
            action=AuditAction.PLAN_ADOPTED,
            target=plan,
            project_id=plan.project_id,
            version=version.number,
            deliberation=adoption.deliberation_number,
        )
        steps_fill_by_module(
            participation=plan.territory,
            module="plans",
            codes=["plan_drafted", "plan_adopted"],
            user=user,
            note=_("Délibération %(number)s du %(date)s")
            % {"number": adoption.deliberation_number, "date": adoption.deliberation_date.strftime("%d/%m/%Y")},
        )
    return adoption


def plan_amend(*, plan: ActionPlan, user) -> ActionPlan:
    """Reopen an adopted plan for an amendment; the public keeps reading the adopted version."""
    with transaction.atomic():
        plan = _lock(plan)
        if plan.status != ActionPlan.Status.ADOPTED:
            raise ValidationError(_("Seul un plan adopté s'amende ; celui-ci se modifie directement."))
        plan.status = ActionPlan.Status.AMENDING
        plan.save(update_fields=["status", "updated_at"])
        audit_log(actor=user, action=AuditAction.PLAN_AMENDMENT_OPENED, target=plan, project_id=plan.project_id)
    return plan


# What became of residents' words ------------------------------------------------------------------


def outcome_set(
    *,
    plan: ActionPlan,
    user,
    kind: str,
    target_id: int,
    status: str,
    action: Action | None = None,
    explanation: str = "",
) -> ContributionOutcome:
    origin_kind = ORIGIN_KINDS.get(kind)
    if origin_kind is None or not origin_kind.is_contribution:
        raise ValidationError({"kind": _("Choisissez une contribution d'habitants de la liste.")})
    if not origin_kind.candidates(plan).filter(pk=target_id).exists():
        raise ValidationError({"target_id": _("Cette contribution n'existe pas dans ce projet.")})
    errors = {}
    if status not in ContributionOutcome.Status.values:
        errors["status"] = _("Choisissez un devenir de la liste.")
    elif status == ContributionOutcome.Status.KEPT and action is None:
        errors["action"] = _("Dites quelle action reprend cette contribution.")
    elif status != ContributionOutcome.Status.KEPT and not explanation.strip():
        errors["explanation"] = _("Expliquez aux habitants pourquoi elle n'est pas reprise telle quelle.")
    if action is not None and action.plan_id != plan.pk:
        errors["action"] = _("Cette action n'appartient pas à ce plan.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        outcome, _created = ContributionOutcome.objects.update_or_create(
            plan=plan,
            kind=kind,
            target_id=target_id,
            defaults={
                "status": status,
                "action": action if status == ContributionOutcome.Status.KEPT else None,
                "explanation": explanation.strip(),
            },
        )
    return outcome


def feedback_publish(*, plan: ActionPlan, user) -> ActionPlan:
    """Publish the feedback to residents: the territory's timeline marks it, and the residents who
    left their address are told by e-mail (a background task, once per address)."""
    from territoires.plans.tasks import send_feedback

    with transaction.atomic():
        plan = _lock(plan)
        if not plan.adopted_version_id:
            raise ValidationError(_("Le retour aux habitants se publie une fois le plan adopté."))
        if not plan.outcomes.exists():
            raise ValidationError(
                _("Dites d'abord ce que sont devenues les contributions des habitants : le retour serait vide.")
            )
        first = plan.feedback_published_at is None
        if first:
            plan.feedback_published_at = timezone.now()
            plan.save(update_fields=["feedback_published_at", "updated_at"])
            audit_log(actor=user, action=AuditAction.PLAN_FEEDBACK_PUBLISHED, target=plan, project_id=plan.project_id)
            steps_fill_by_module(participation=plan.territory, module="plans", codes=["feedback_published"], user=user)
        plan_id = plan.pk
        # Published again (new outcomes said): the addresses not told yet are told now.
        transaction.on_commit(lambda: send_feedback.enqueue(plan_id))
    return plan


# The consultancy's synthesis of proposals ---------------------------------------------------------


def restitution_schedule(*, plan: ActionPlan, user, data: dict):
    """Schedule a restitution meeting of the adopted plan: a published workshop of the territory's
    co-design plan (codesign/services.py), so that residents see it and register without an account
    as they do for workshops — seats, waiting list, confirmation and reminder e-mails included."""
    from territoires.codesign import services as codesign_services
    from territoires.codesign.models import Method, Workshop

    if not plan.adopted_version_id:
        raise ValidationError(_("La réunion de restitution présente le plan adopté : faites d'abord adopter le plan."))
    with transaction.atomic():
        workshop = Workshop(
            plan=codesign_services.plan_for(territory=plan.territory),
            method=Method.RESTITUTION,
            title=(data.get("title") or "").strip(),
            description=(data.get("description") or "").strip(),
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            place=data.get("place"),
            place_details=(data.get("place_details") or "").strip(),
            capacity=data.get("capacity"),
            facilitator=user,
        )
        if workshop.starts_at and workshop.starts_at < timezone.now():
            raise ValidationError({"starts_at": _("La réunion doit avoir lieu dans le futur.")})
        if not workshop.title:
            raise ValidationError({"title": _("Donnez un titre à la réunion.")})
        return codesign_services.workshop_save(workshop=workshop, user=user, publish=True)


def proposal_save(
    *, project, user, title: str, description: str = "", objectives=(), is_published: bool = False, proposal=None
):
    """Create or change a proposal; its objectives are plans' objectives of this project (the towns
    it came from are theirs)."""
    from territoires.plans.models import Proposal

    objectives = list(objectives)
    if any(objective.plan.project_id != project.pk for objective in objectives):
        raise ValidationError({"objectives": _("Ces objectifs ne sont pas ceux des plans de ce projet.")})
    if not title.strip():
        raise ValidationError({"title": _("Donnez un intitulé à la proposition.")})
    with transaction.atomic():
        if proposal is None:
            position = (Proposal.objects.filter(project=project).aggregate(m=Max("position"))["m"] or 0) + 1
            proposal = Proposal.objects.create(
                project=project,
                position=position,
                title=title.strip(),
                description=description.strip(),
                created_by=user,
            )
        else:
            proposal.title, proposal.description = title.strip(), description.strip()
        proposal.is_published = is_published
        proposal.save()
        proposal.objectives.set(objectives)
    return proposal


def proposal_evidence_add(*, proposal, user, kind: str, target_id: int, note: str = ""):
    from territoires.plans.models import ProposalEvidence

    origin_kind = ORIGIN_KINDS.get(kind)
    if origin_kind is None:
        raise ValidationError({"kind": _("Choisissez une nature d'élément de la liste.")})
    if not origin_kind.project_candidates(proposal.project).filter(pk=target_id).exists():
        raise ValidationError({"target_id": _("Cet élément n'existe pas dans ce projet.")})
    evidence, _created = ProposalEvidence.objects.get_or_create(
        proposal=proposal, kind=kind, target_id=target_id, defaults={"note": note.strip()[:500]}
    )
    return evidence


def action_update_add(*, action: Action, user, happened_on: datetime.date, text: str):
    from territoires.plans.models import ActionUpdate

    text = text.strip()
    errors = {}
    if not text:
        errors["text"] = _("Dites ce qui s'est passé.")
    if happened_on > timezone.localdate():
        errors["happened_on"] = _("Une étape du suivi ne peut être datée dans le futur.")
    if errors:
        raise ValidationError(errors)
    return ActionUpdate.objects.create(action=action, happened_on=happened_on, text=text[:2000], author=user)


def plan_comment_add(*, plan: ActionPlan, user, text: str):
    from territoires.plans.models import PlanComment

    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Le commentaire est vide.")})
    last = plan.versions.order_by("-number").values_list("number", flat=True).first()
    return PlanComment.objects.create(plan=plan, author=user, text=text[:3000], version_number=last)


def objectives_take_over(
    *, plan: ActionPlan, user, axis: Axis, codesign_objectives
) -> tuple[list[Objective], list[str]]:
    """Take the co-design's objectives of this territory into the plan, under `axis`: each becomes an
    objective of the plan, linked back, and each of its success criteria with a due date becomes an
    indicator (baseline dated the day the criterion was set). Returns (objectives created, the
    criteria not taken, named, for the team to add by hand). An objective already taken is skipped."""
    from territoires.codesign.models import Objective as CodesignObjective

    if axis.plan_id != plan.pk:
        raise ValidationError({"axis": _("Cet axe n'appartient pas à ce plan.")})
    codesign_objectives = list(codesign_objectives)
    if not codesign_objectives:
        raise ValidationError(_("Choisissez au moins un objectif de la co-construction."))
    allowed = set(CodesignObjective.objects.filter(plan__territory_id=plan.territory_id).values_list("pk", flat=True))
    if any(objective.pk not in allowed for objective in codesign_objectives):
        raise ValidationError(_("Ces objectifs ne sont pas ceux de la co-construction de ce territoire."))
    created, skipped = [], []
    with transaction.atomic():
        _require_editable(_lock(plan))
        taken = set(plan.objectives.exclude(codesign_objective=None).values_list("codesign_objective_id", flat=True))
        position = plan.objectives.filter(axis=axis).aggregate(m=Max("position"))["m"] or 0
        names = set(plan.indicators.values_list("name", flat=True))
        for source in codesign_objectives:
            if source.pk in taken:
                continue
            position += 1
            objective = Objective.objects.create(
                plan=plan,
                axis=axis,
                position=position,
                title=source.title[:300],
                description=source.description[:3000],
                codesign_objective=source,
            )
            created.append(objective)
            baseline_on = timezone.localtime(source.created_at).date()
            for criterion in source.criteria.all():
                if (
                    criterion.target_date is None
                    or criterion.target_date <= baseline_on
                    or criterion.indicator in names
                ):
                    skipped.append(criterion.indicator)
                    continue
                Indicator.objects.create(
                    plan=plan,
                    objective=objective,
                    name=criterion.indicator[:200],
                    unit=criterion.unit,
                    baseline_value=criterion.baseline,
                    baseline_on=baseline_on,
                    baseline_source=_("Co-construction : %(objective)s") % {"objective": source.title[:200]},
                    target_value=criterion.target,
                    target_on=criterion.target_date,
                    measurement_source=criterion.source[:300],
                )
                names.add(criterion.indicator)
    return created, skipped
