"""Project methods: the seeded templates, the copy a project gets, and the facilitator's edits of it.

A method (models.Method) is the charter model, the label of each authority's lead in the steering
committee, the territory sheet's headings, and the phases and steps of a shared project. Templates
(no project) are edited in the admin; a project gets its own copy when it is created, so that editing
a template later changes no existing project.

The seed and copy functions take the model classes they work on, so that the data migration runs
them on its historical models and the application on the real ones.

Permissions are checked by the views (rules: projects.edit_method) before calling method_update.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.projects.charter_template import seed_articles
from territoires.projects.phases import PHASES, Phase, Step

CULTURE_SLUG = "action-culturelle-municipale"
GENERAL_SLUG = "methode-generale"

# Steps that a module will mark done by itself once it does (MethodStep.Module codes).
FILLED_BY = {
    "actor_map": "diagnostic",
    "interviews": "diagnostic",
    "resident_survey": "surveys",
    "diagnostic_synthesis": "diagnostic",
    "objectives": "codesign",
    "convergence": "codesign",
    "plan_drafted": "plans",
    "plan_adopted": "plans",
    "feedback_published": "plans",
    "indicators_defined": "plans",
    "first_review": "plans",
}

# The general method: the reference process with its culture-specific words replaced.
GENERAL_LABELS = {
    "resident_survey": "Enquête auprès des habitants",
}
GENERAL_DESCRIPTIONS = {
    "diagnostic": "Cartographier les acteurs, écouter les habitants, mesurer les usages et les besoins.",
}


def _reference_phases() -> list[dict]:
    """The reference case's phases and steps as French text, with their codes (PHASES)."""
    with translation.override("fr"):
        return [
            {
                "code": phase.code,
                "label": str(phase.label),
                "description": str(phase.description),
                "steps": [{"code": step.code, "label": str(step.label)} for step in phase.steps],
            }
            for phase in PHASES
        ]


def seeds() -> list[dict]:
    """The two templates a fresh platform starts with."""
    culture = {
        "slug": CULTURE_SLUG,
        "name": "Action culturelle municipale",
        "description": (
            "La méthode du cas de référence « Concevoir l'action culturelle municipale avec les habitants » "
            "(2021-2022) : diagnostic des usages culturels, publics et non-publics, plan d'action culturel."
        ),
        "is_default": False,
        "lead_role_label": "Responsable des affaires culturelles",
        "context_heading": "Contexte",
        "landscape_heading": "Paysage culturel",
        "landscape_help": "Lieux, équipements, acteurs, événements. Markdown possible.",
        "attention_heading": "Points d'attention",
        "articles": seed_articles(leads="les responsables des affaires culturelles"),
        "phases": _reference_phases(),
    }
    general_phases = []
    for phase in _reference_phases():
        phase["description"] = GENERAL_DESCRIPTIONS.get(phase["code"], phase["description"])
        for step in phase["steps"]:
            step["label"] = GENERAL_LABELS.get(step["code"], step["label"])
        general_phases.append(phase)
    general = {
        "slug": GENERAL_SLUG,
        "name": "Méthode générale",
        "description": (
            "Une méthode valable pour tout thème : diagnostic du territoire avec ses habitants, "
            "co-construction, adoption du plan, retour aux habitants, suivi et évaluation."
        ),
        "is_default": True,
        "lead_role_label": "Responsable du projet dans la collectivité",
        "context_heading": "Contexte",
        "landscape_heading": "Acteurs et ressources du territoire",
        "landscape_help": "Lieux, équipements, acteurs, dispositifs existants. Markdown possible.",
        "attention_heading": "Points d'attention",
        "articles": seed_articles(leads="les responsables du projet"),
        "phases": general_phases,
    }
    return [culture, general]


def _related(method_model, name):
    return method_model._meta.get_field(name).related_model


def seed_templates(method_model) -> None:
    """Create the seeded templates that are missing (by slug); leave existing ones as edited."""
    article_model = _related(method_model, "articles")
    phase_model = _related(method_model, "phases")
    step_model = _related(method_model, "steps")
    for seed in seeds():
        if method_model.objects.filter(project__isnull=True, slug=seed["slug"]).exists():
            continue
        seed = dict(seed)
        articles, phases = seed.pop("articles"), seed.pop("phases")
        method = method_model.objects.create(**seed)
        article_model.objects.bulk_create(
            article_model(method=method, number=number, **article) for number, article in enumerate(articles, 1)
        )
        for position, phase_data in enumerate(phases, 1):
            phase_data = dict(phase_data)
            steps = phase_data.pop("steps")
            phase = phase_model.objects.create(method=method, position=position, **phase_data)
            step_model.objects.bulk_create(
                step_model(
                    method=method,
                    phase=phase,
                    position=index,
                    filled_by=FILLED_BY.get(step["code"], ""),
                    **step,
                )
                for index, step in enumerate(steps, 1)
            )


def method_copy(*, source, project):
    """The project's own copy of a method (its phases and steps; the charter model becomes the
    project's charter instead). Works on real and historical models alike."""
    return method_copy_many(source=source, projects=[project])[0]


def method_copy_many(*, source, projects) -> list:
    """One copy of the method per project, in a fixed number of queries."""
    method_model = type(source)
    phase_model = _related(method_model, "phases")
    step_model = _related(method_model, "steps")
    copies = method_model.objects.bulk_create(
        method_model(
            name=source.name,
            slug=source.slug,
            description=source.description,
            project=project,
            template_id=source.pk if source.project_id is None else source.template_id,
            is_default=False,
            lead_role_label=source.lead_role_label,
            context_heading=source.context_heading,
            landscape_heading=source.landscape_heading,
            landscape_help=source.landscape_help,
            attention_heading=source.attention_heading,
        )
        for project in projects
    )
    phases = list(phase_model.objects.filter(method=source).order_by("position", "pk"))
    steps = list(step_model.objects.filter(method=source).order_by("position", "pk"))
    phase_copies = phase_model.objects.bulk_create(
        phase_model(
            method=copy, position=phase.position, code=phase.code, label=phase.label, description=phase.description
        )
        for copy in copies
        for phase in phases
    )
    # bulk_create keeps the order: the copies of `phases`, method after method.
    originals = [phase.pk for _copy in copies for phase in phases]
    copy_of = {(copy.method_id, original): copy for copy, original in zip(phase_copies, originals, strict=True)}
    step_model.objects.bulk_create(
        step_model(
            method=copy,
            phase=copy_of[(copy.pk, step.phase_id)],
            position=step.position,
            code=step.code,
            label=step.label,
            filled_by=step.filled_by,
        )
        for copy in copies
        for step in steps
    )
    return copies


def templates():
    from territoires.projects.models import Method

    return Method.objects.templates().order_by("-is_default", "name")


def template_default():
    """The template preselected for a new project (seeding the templates if a test database or a
    flushed one lost them)."""
    from territoires.projects.models import Method

    template = templates().first()
    if template is None:
        seed_templates(Method)
        template = templates().first()
    return template


def committee_kind_choices(project) -> list[tuple[str, str]]:
    """The committee roles for a member form, the lead role named by the project's method."""
    from territoires.projects.models import CommitteeMember, method_of

    method = method_of(project)
    lead = CommitteeMember.Kind.CULTURAL_LEAD
    return [
        ("", _("Choisir sa qualité")),
        *(
            (code, method.lead_role_label if code == lead and method is not None else label)
            for code, label in CommitteeMember.Kind.choices
        ),
    ]


def method_phases(method) -> list[Phase]:
    """A method's phases and steps as plain values (the shape of the reference PHASES)."""
    from territoires.projects.models import Method

    method = Method.objects.prefetch_related("phases", "steps").get(pk=method.pk)
    return [
        Phase(phase.code, phase.label, phase.description, tuple(Step(s.code, s.label) for s in phase.step_list))
        for phase in method.phase_list()
    ]


def template_by_slug(slug: str):
    """A seeded template by its slug (seeding the templates if they are missing)."""
    from territoires.projects.models import Method

    template = templates().filter(slug=slug).first()
    if template is None:
        seed_templates(Method)
        template = templates().get(slug=slug)
    return template


def method_update(*, method, user, values: dict, phases: dict, steps: dict, new_steps: dict, removed_steps) -> None:
    """The facilitator's edits of a project's method, all or nothing, audited.

    values: the method's own texts; phases / steps: {id: {field: text}}; new_steps: {phase id: label}
    (added at the end of the phase); removed_steps: ids of steps no territory has completed.
    """
    from territoires.projects.models import Method, MethodPhase, MethodStep, StepCompletion

    if method.project_id is None:
        raise ValidationError(_("Un modèle de méthode se modifie dans l'administration."))
    with transaction.atomic():
        method = Method.objects.select_for_update().get(pk=method.pk)
        own_phases = {phase.pk: phase for phase in MethodPhase.objects.filter(method=method)}
        own_steps = {step.pk: step for step in MethodStep.objects.filter(method=method)}
        removed = [own_steps[pk] for pk in removed_steps if pk in own_steps]
        done = set(
            StepCompletion.objects.filter(
                participation__project_id=method.project_id, step__in=[step.code for step in removed]
            ).values_list("step", flat=True)
        )
        if done:
            labels = ", ".join(f"« {step.label} »" for step in removed if step.code in done)
            raise ValidationError(
                _("Une collectivité a déjà franchi %(steps)s : rouvrez l'étape avant de la retirer.")
                % {"steps": labels}
            )
        for field, value in values.items():
            setattr(method, field, value)
        method.save()
        for pk, fields in phases.items():
            phase = own_phases[pk]
            for field, value in fields.items():
                setattr(phase, field, value)
            phase.save()
        for pk, fields in steps.items():
            step = own_steps[pk]
            for field, value in fields.items():
                setattr(step, field, value)
            step.save()
        removed_ids = {step.pk for step in removed}
        MethodStep.objects.filter(pk__in=removed_ids).delete()
        codes = {step.code for step in own_steps.values()}
        for phase_pk, label in new_steps.items():
            phase = own_phases[phase_pk]
            last = max(
                (s.position for s in own_steps.values() if s.phase_id == phase_pk and s.pk not in removed_ids),
                default=0,
            )
            code = _free_code(codes, phase.code)
            codes.add(code)
            MethodStep.objects.create(method=method, phase=phase, position=last + 1, code=code, label=label)
        audit_log(
            actor=user,
            action=AuditEvent.Action.METHOD_CHANGED,
            target=method,
            project_id=method.project_id,
            added=len(new_steps),
            removed=len(removed),
        )


def _free_code(codes: set[str], prefix: str) -> str:
    number = 1
    while f"{prefix}_{number}" in codes:
        number += 1
    return f"{prefix}_{number}"
