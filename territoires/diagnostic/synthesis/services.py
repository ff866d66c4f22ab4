"""Writes on the diagnostic synthesis. Keyword-only; the views check the rules first (rules.py)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.diagnostic.synthesis.models import Evidence, Finding, Synthesis

Action = AuditEvent.Action


def synthesis_for(*, project, territory=None) -> Synthesis:
    """The synthesis of a territory (or the project's when territory is None), created on first use."""
    if territory is not None:
        if territory.project_id != project.pk or not territory.is_participant:
            raise ValidationError(_("Seul un territoire participant au projet a une synthèse."))
        lookup = {"project": project, "territory": territory}
    else:
        lookup = {"project": project, "territory__isnull": True}
    synthesis = Synthesis.objects.filter(**lookup).first()
    if synthesis is not None:
        return synthesis
    try:
        with transaction.atomic():
            return Synthesis.objects.create(project=project, territory=territory)
    except IntegrityError:
        # Two first visits at once: the other one created it.
        return Synthesis.objects.get(**lookup)


def _clean_statement(statement: str) -> str:
    statement = " ".join((statement or "").split())
    if not statement:
        raise ValidationError({"statement": _("Écrivez le constat.")})
    if len(statement) > 400:
        raise ValidationError({"statement": _("Le constat tient en 400 caractères au plus.")})
    return statement


def _clean_strength(strength: str) -> str:
    if strength not in Finding.Strength.values:
        raise ValidationError({"strength": _("Choisissez la solidité du constat.")})
    return strength


def finding_create(
    *,
    synthesis: Synthesis,
    user,
    statement: str,
    strength: str = Finding.Strength.MODERATE,
    analysis: str = "",
    is_synthetic: bool = False,
) -> Finding:
    with transaction.atomic():
        last = (
            Synthesis.objects.select_for_update()
            .filter(pk=synthesis.pk)
            .aggregate(last=Max("findings__position"))["last"]
        )
        finding = Finding.objects.create(
            synthesis=synthesis,
            project_id=synthesis.project_id,
            territory_id=synthesis.territory_id,
            statement=_clean_statement(statement),
            strength=_clean_strength(strength),
            analysis=analysis.strip(),
            position=(last or 0) + 1,
            is_synthetic=is_synthetic,
            created_by=user if user is not None and user.is_authenticated else None,
        )
        audit_log(actor=user, action=Action.FINDING_CREATED, target=finding, project_id=finding.project_id)
    return finding


def finding_update(*, finding: Finding, user, statement: str, strength: str, analysis: str = "") -> Finding:
    """Change a finding; a new wording sends a validated or published finding back to draft (the
    referent validated the text they read, not this one)."""
    statement = _clean_statement(statement)
    strength = _clean_strength(strength)
    analysis = analysis.strip()
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        changed = [
            name
            for name, value in (("statement", statement), ("strength", strength), ("analysis", analysis))
            if getattr(finding, name) != value
        ]
        if not changed:
            return finding
        finding.statement, finding.strength, finding.analysis = statement, strength, analysis
        previous = finding.status
        if finding.status != Finding.Status.DRAFT:
            finding.status = Finding.Status.DRAFT
            finding.validated_by, finding.validated_at, finding.published_at = None, None, None
        finding.save()
        audit_log(
            actor=user, action=Action.FINDING_CHANGED, target=finding, project_id=finding.project_id,
            fields=", ".join(changed), previous_status=previous,
        )  # fmt: skip
    return finding


def finding_validate(*, finding: Finding, user) -> Finding:
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        if finding.status != Finding.Status.DRAFT:
            return finding  # Already validated (a second click, a resent form): nothing to do.
        finding.status = Finding.Status.VALIDATED
        finding.validated_by, finding.validated_at = user, timezone.now()
        finding.save(update_fields=["status", "validated_by", "validated_at", "updated_at"])
        audit_log(actor=user, action=Action.FINDING_VALIDATED, target=finding, project_id=finding.project_id)
    return finding


def finding_publish(*, finding: Finding, user) -> Finding:
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        if finding.status == Finding.Status.PUBLISHED:
            return finding
        if finding.status != Finding.Status.VALIDATED:
            raise ValidationError(_("Un constat est validé avant d'être publié."))
        finding.status, finding.published_at = Finding.Status.PUBLISHED, timezone.now()
        finding.save(update_fields=["status", "published_at", "updated_at"])
        audit_log(actor=user, action=Action.FINDING_PUBLISHED, target=finding, project_id=finding.project_id)
    return finding


def finding_withdraw(*, finding: Finding, user) -> Finding:
    """Unpublish, or send a validated finding back to draft (the referent's "à reprendre")."""
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        previous = finding.status
        if previous == Finding.Status.PUBLISHED:
            finding.status, finding.published_at = Finding.Status.VALIDATED, None
        elif previous == Finding.Status.VALIDATED:
            finding.status, finding.validated_by, finding.validated_at = Finding.Status.DRAFT, None, None
        else:
            return finding
        finding.save()
        audit_log(
            actor=user, action=Action.FINDING_WITHDRAWN, target=finding, project_id=finding.project_id,
            previous_status=previous,
        )  # fmt: skip
    return finding


def finding_delete(*, finding: Finding, user) -> None:
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        if finding.status == Finding.Status.PUBLISHED:
            raise ValidationError(_("Dépubliez le constat avant de le supprimer."))
        audit_log(actor=user, action=Action.FINDING_DELETED, target=finding, project_id=finding.project_id)
        finding.delete()


def evidence_add(*, finding: Finding, user, kind: str, reference: dict, note: str = "") -> Evidence:
    """Attach a piece of evidence; its kind checks the reference (and that this person may see it)."""
    from territoires.diagnostic.synthesis.evidence import evidence_kind

    kind_class = evidence_kind(kind)
    if kind_class is None:
        raise ValidationError(_("Ce type de preuve n'existe pas."))
    reference = kind_class.clean_reference(finding=finding, user=user, reference=reference)
    note = " ".join((note or "").split())
    if len(note) > 300:
        raise ValidationError({"note": _("Le commentaire tient en 300 caractères au plus.")})
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        existing = finding.evidence.filter(kind=kind, reference=reference).first()
        if existing is not None:
            return existing  # The same evidence twice (a resent form): kept once.
        last = finding.evidence.aggregate(last=Max("position"))["last"]
        evidence = Evidence.objects.create(
            finding=finding,
            kind=kind,
            reference=reference,
            note=note,
            position=(last or 0) + 1,
            created_by=user if user is not None and user.is_authenticated else None,
        )
        audit_log(
            actor=user, action=Action.FINDING_EVIDENCE_ADDED, target=finding, project_id=finding.project_id,
            evidence_kind=kind,
        )  # fmt: skip
    return evidence


def evidence_remove(*, evidence: Evidence, user) -> None:
    finding = evidence.finding
    with transaction.atomic():
        deleted, _rows = Evidence.objects.filter(pk=evidence.pk).delete()
        if deleted:
            audit_log(
                actor=user, action=Action.FINDING_EVIDENCE_REMOVED, target=finding, project_id=finding.project_id,
                evidence_kind=evidence.kind,
            )  # fmt: skip


def synthesis_pdf_request(*, synthesis: Synthesis, user):
    """Queue a PDF of the synthesis as this person reads it; built after commit by a task."""
    from territoires.diagnostic.synthesis.models import SynthesisPdf
    from territoires.diagnostic.synthesis.tasks import synthesis_pdf_build

    with transaction.atomic():
        pending = SynthesisPdf.objects.filter(
            synthesis=synthesis, requested_by=user, status__in=[SynthesisPdf.Status.QUEUED, SynthesisPdf.Status.RUNNING]
        ).first()
        if pending is not None:
            return pending  # A second click while the first one is being built.
        pdf = SynthesisPdf.objects.create(synthesis=synthesis, requested_by=user)
        transaction.on_commit(lambda: synthesis_pdf_build.enqueue(pdf.pk))
    return pdf


def synthesis_set_introduction(*, synthesis: Synthesis, user, introduction: str) -> Synthesis:
    introduction = (introduction or "").replace("\x00", "").strip()
    if len(introduction) > 20000:
        raise ValidationError({"introduction": _("L'introduction tient en 20 000 caractères au plus.")})
    with transaction.atomic():
        synthesis = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
        if synthesis.introduction == introduction:
            return synthesis
        synthesis.introduction = introduction
        synthesis.save(update_fields=["introduction", "updated_at"])
    return synthesis
