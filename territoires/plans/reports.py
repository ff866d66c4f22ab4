"""The evaluation report of a territory's plan at a chosen date: one context for the page and the
PDF (built by a background task, so that a 200-action plan never holds a request)."""

import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from territoires.plans import charts, selectors
from territoires.plans.models import ActionPlan, EvaluationReport, Milestone


def report_context(plan: ActionPlan, as_of: datetime.date) -> dict:
    """The plan as adopted (the working version before any adoption), its actions' status and
    rolled-up progress, its indicators as measured up to `as_of`, and the milestones due by then."""
    structure = selectors.plan_structure(plan, public=bool(plan.adopted_version_id), as_of=as_of)
    indicators = []
    for axis in structure["axes"]:
        for objective in axis.objectives:
            rows = list(objective.indicators)
            for action_row in objective.actions:
                rows += action_row.indicators
            for row in rows:
                indicators.append((objective, row, charts.indicator_chart(row.indicator, row.measurements)))
    milestones = list(
        Milestone.objects.filter(action__plan=plan, due_on__lte=as_of).select_related("action").order_by("due_on")
    )
    return {
        "plan": plan,
        "territory": plan.territory,
        "as_of": as_of,
        "structure": structure,
        "indicators": indicators,
        "milestones_due": milestones,
        "milestones_late": [m for m in milestones if m.done_on is None or m.done_on > as_of],
        "adoptions": list(plan.adoptions.all()),
    }


def report_request(*, plan: ActionPlan, user, as_of: datetime.date) -> EvaluationReport:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from territoires.plans.tasks import build_report

    if as_of > timezone.localdate():
        raise ValidationError({"as_of": _("Un rapport d'évaluation porte sur une date passée ou aujourd'hui.")})
    if as_of.year < 1900:
        raise ValidationError({"as_of": _("Saisissez une date valide.")})
    report = EvaluationReport.objects.create(plan=plan, as_of=as_of, requested_by=user)
    transaction.on_commit(lambda: build_report.enqueue(report.pk))
    return report


def report_build(*, report_id: int) -> EvaluationReport | None:
    """Render the report's PDF; a failure is recorded on the report (the page says so), not raised."""
    from django.template.loader import render_to_string
    from django.utils import translation
    from weasyprint import HTML

    report = (
        EvaluationReport.objects.select_related("plan__territory__organisation", "plan__project")
        .filter(pk=report_id)
        .first()
    )
    if report is None or report.status == EvaluationReport.Status.DONE:
        return report
    EvaluationReport.objects.filter(pk=report.pk).update(status=EvaluationReport.Status.RUNNING, progress=10)
    try:
        with translation.override("fr"):
            html = render_to_string("plans/report_pdf.html", report_context(report.plan, report.as_of))
        EvaluationReport.objects.filter(pk=report.pk).update(progress=50)
        pdf = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
        name = f"rapport-{report.plan.territory.organisation.slug}-{report.as_of:%Y-%m-%d}.pdf"
        report.file.save(name, ContentFile(pdf), save=False)
    except Exception as error:  # noqa: BLE001 — any failure is the report's, told on its page
        EvaluationReport.objects.filter(pk=report.pk).update(
            status=EvaluationReport.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        return EvaluationReport.objects.get(pk=report.pk)
    EvaluationReport.objects.filter(pk=report.pk).update(
        status=EvaluationReport.Status.DONE, progress=100, file=report.file.name, finished_at=timezone.now()
    )
    return EvaluationReport.objects.get(pk=report.pk)
