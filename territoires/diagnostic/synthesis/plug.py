"""How the synthesis, the residents' expression and the observation notes plug into the platform:
their rules, receipt codes, journal wording, project tab and counts. Called once from
DiagnosticConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def register_synthesis():
    from django.db.models import Count

    from territoires.core.audit import YES_NO, AuditDetail, register_audit_details
    from territoires.core.receipts import ReceiptSource, register_receipt_source
    from territoires.core.registry import (
        DashboardCard,
        ProjectCount,
        ProjectTab,
        register_dashboard_card,
        register_project_count,
        register_project_tab,
    )
    from territoires.diagnostic.expression import rules as expression_rules  # noqa: F401  (permissions)
    from territoires.diagnostic.expression.models import Expression
    from territoires.diagnostic.expression.services import receipt_lookup
    from territoires.diagnostic.interviews import rules as interview_rules  # noqa: F401  (permissions)
    from territoires.diagnostic.interviews.models import Transcript
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
        previous_version=AuditDetail(_("version précédente")),
        transcript_source=AuditDetail(_("origine du texte"), values=dict(Transcript.Source.choices)),
        stale_codings=AuditDetail(_("passages codés à revoir")),
    )
    _public_cache_on_publication_only(Expression)
    register_receipt_source(
        ReceiptSource(key="expression", label=_("Texte d'habitant"), lookup=receipt_lookup, order=20)
    )
    register_project_tab(ProjectTab("synthesis", _("Diagnostic"), "synthesis:project", order=27))

    def count_by_project(queryset):
        def count_for(project_ids):
            # order_by(): the models' default ordering would split the groups.
            rows = (
                queryset.filter(project_id__in=list(project_ids))
                .order_by()
                .values("project_id")
                .annotate(n=Count("pk"))
            )
            return {row["project_id"]: row["n"] for row in rows}

        return count_for

    register_dashboard_card(
        DashboardCard("diagnostic_todo", "diagnostic/synthesis/_dashboard_card.html", my_todo, order=21)
    )
    register_project_count(
        ProjectCount("published_findings", _("Constats publiés du diagnostic"), count_by_project(
            Finding.objects.published()), order=36)
    )  # fmt: skip
    register_project_count(
        ProjectCount("published_expressions", _("Paroles d'habitants publiées"), count_by_project(
            Expression.objects.published()), order=37)
    )  # fmt: skip


def _public_cache_on_publication_only(expression_model):
    """A resident's text reaches public pages (the project's count, the gallery) only once it is
    published: the app-wide watch (apps.register_project_module) would empty every cached public
    page at each text received. Texts bump the cache when one becomes, or stops being, public."""
    from django.db import transaction
    from django.db.models.signals import post_save

    from territoires.core.cache import bump_content_version

    uid = f"public-cache-{expression_model._meta.label}-save"
    post_save.disconnect(sender=expression_model, dispatch_uid=uid)

    def bump_if_public_changed(sender, instance, created, update_fields=None, **kwargs):
        if created and instance.status != instance.Status.PUBLISHED:
            return
        transaction.on_commit(bump_content_version)

    post_save.connect(bump_if_public_changed, sender=expression_model, dispatch_uid=uid + "-published", weak=False)


def my_todo(user):
    """For a territory's referent: the findings waiting for their validation and the texts waiting
    for moderation in their territories (None when there is nothing to do)."""
    from django.db.models import Count, Q

    from territoires.accounts.access import memberships_of
    from territoires.projects.models import Participation

    referent_of = [org for org, role in memberships_of(user).items() if role == "referent"]
    if not referent_of:
        return None
    territories = list(
        Participation.objects.participants()
        .filter(organisation_id__in=referent_of)
        .select_related("project", "organisation")
        .annotate(
            drafts=Count("findings", filter=Q(findings__status="draft"), distinct=True),
            pending=Count("expressions", filter=Q(expressions__status="pending"), distinct=True),
        )
        .order_by("project__title")
    )
    territories = [t for t in territories if t.drafts or t.pending]
    return {"territories": territories} if territories else None
