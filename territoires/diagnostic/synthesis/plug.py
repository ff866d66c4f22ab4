"""How the synthesis, the residents' expression and the observation notes plug into the platform:
their rules, receipt codes, journal wording, project tab and counts. Called once from
DiagnosticConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def register_synthesis():
    from django.db.models import Count

    from territoires.core.audit import YES_NO, AuditDetail, register_audit_details
    from territoires.core.receipts import ReceiptSource, register_receipt_source
    from territoires.core.registry import ProjectCount, ProjectTab, register_project_count, register_project_tab
    from territoires.diagnostic.expression import rules as expression_rules  # noqa: F401  (permissions)
    from territoires.diagnostic.expression.models import Expression
    from territoires.diagnostic.expression.services import receipt_lookup
    from territoires.diagnostic.observation import rules as observation_rules  # noqa: F401  (permissions)
    from territoires.diagnostic.synthesis import rules  # noqa: F401  (permissions)
    from territoires.diagnostic.synthesis.models import Finding

    register_audit_details(
        previous_status=AuditDetail(_("statut précédent"), field="status"),
        evidence_kind=AuditDetail(
            _("type de preuve"),
            values={
                "survey_figure": _("chiffre d'enquête"),
                "directory": _("sélection de l'annuaire"),
                "observation": _("note d'observation"),
                "expression": _("parole d'habitant"),
            },
        ),
        is_open=AuditDetail(_("ouvert aux contributions"), values=YES_NO),
    )
    register_receipt_source(
        ReceiptSource(key="expression", label=_("Texte d'habitant"), lookup=receipt_lookup, order=20)
    )
    register_project_tab(ProjectTab("synthesis", _("Diagnostic"), "synthesis:project", order=27))

    def count_by_project(queryset):
        def count_for(project_ids):
            rows = queryset.filter(project_id__in=list(project_ids)).values("project_id").annotate(n=Count("pk"))
            return {row["project_id"]: row["n"] for row in rows}

        return count_for

    register_project_count(
        ProjectCount("published_findings", _("Constats publiés du diagnostic"), count_by_project(
            Finding.objects.published()), order=36)
    )  # fmt: skip
    register_project_count(
        ProjectCount("published_expressions", _("Paroles d'habitants publiées"), count_by_project(
            Expression.objects.published()), order=37)
    )  # fmt: skip
