"""The PDF of a synthesis, built in a background task (tasks.py) for the person who asked for it:
the same findings and live evidence as their page (their rights, "preuve réservée" elsewhere), with
its charts — each with its table — frozen at the time of the build."""

import logging
import secrets

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from territoires.diagnostic.synthesis.models import Finding, SynthesisPdf

logger = logging.getLogger(__name__)


def _mark(pdf_id: int, **fields) -> None:
    SynthesisPdf.objects.filter(pk=pdf_id).update(updated_at=timezone.now(), **fields)


def strength_chart(findings) -> list[dict]:
    """Rows of the "findings by strength" chart: label, count, bar width in % of the largest."""
    counts = [(label, sum(f.strength == code for f in findings)) for code, label in Finding.Strength.choices]
    largest = max((n for _label, n in counts), default=0) or 1
    return [{"label": label, "count": n, "width": round(100 * n / largest, 1)} for label, n in counts]


def synthesis_pdf_html(synthesis, user) -> str:
    from territoires.diagnostic.synthesis.views import synthesis_findings

    findings = synthesis_findings(synthesis, user)
    territory_rows = []
    if synthesis.territory_id is None:
        visible = Finding.objects.visible_to(user).filter(project_id=synthesis.project_id, territory__isnull=False)
        for territory in synthesis.project.participations.filter(role="participant").select_related("organisation"):
            mine = [f for f in visible if f.territory_id == territory.pk]
            territory_rows.append(
                {
                    "name": territory.organisation.name,
                    "total": len(mine),
                    "published": sum(f.status == Finding.Status.PUBLISHED for f in mine),
                    "strong": sum(f.strength == Finding.Strength.STRONG for f in mine),
                }
            )
    with translation.override("fr"):
        return render_to_string(
            "diagnostic/synthesis/synthesis_pdf.html",
            {
                "synthesis": synthesis,
                "project": synthesis.project,
                "findings": findings,
                "strength_rows": strength_chart(findings),
                "territory_rows": territory_rows,
                "reader": user,
                "built_at": timezone.now(),
            },
        )


def synthesis_pdf_build_file(*, pdf_id: int) -> SynthesisPdf | None:
    pdf = (
        SynthesisPdf.objects.select_related("synthesis__project", "synthesis__territory__organisation", "requested_by")
        .filter(pk=pdf_id)
        .first()
    )
    if pdf is None or pdf.status not in (SynthesisPdf.Status.QUEUED, SynthesisPdf.Status.RUNNING):
        return pdf
    _mark(pdf.pk, status=SynthesisPdf.Status.RUNNING, error="")
    try:
        from weasyprint import HTML

        html = synthesis_pdf_html(pdf.synthesis, pdf.requested_by)
        # PDF/UA: tagged for screen readers, language and title from the template's <html lang> and <title>.
        content = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
        name = pdf.file.storage.save(
            f"diagnostic/syntheses/{timezone.now():%Y/%m}/{pdf.pk}-{secrets.token_urlsafe(12)}.pdf",
            ContentFile(content),
        )
    except Exception:
        logger.exception("Synthesis PDF %s failed", pdf.pk)
        _mark(
            pdf.pk,
            status=SynthesisPdf.Status.FAILED,
            error=_(
                "Une erreur inattendue a interrompu la fabrication du PDF. Relancez-la ; si l'échec se répète, signalez-le."
            ),
            finished_at=timezone.now(),
        )
    else:
        _mark(pdf.pk, status=SynthesisPdf.Status.DONE, file=name, finished_at=timezone.now())
    pdf.refresh_from_db()
    return pdf
