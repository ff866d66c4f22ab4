from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosticConfig(AppConfig):
    name = "territoires.diagnostic"
    verbose_name = _("Diagnostic territorial")

    def ready(self):
        from territoires.diagnostic import rules  # noqa: F401  (registers the permissions)
        from territoires.diagnostic.coding import rules as coding_rules  # noqa: F401  (the coding's)

        register_project_module(self)
        from territoires.diagnostic.synthesis.plug import register_synthesis

        register_synthesis()


def register_project_module(app_config):
    """The one registration of the directory in a project: its tab, its count, its "Mon espace"
    block, and the invalidation of the public page cache on every write to its models."""
    from django.db.models import Count, Q

    from territoires.core.audit import AuditDetail, register_audit_details
    from territoires.core.cache import watch_models_for_public_cache
    from territoires.core.registry import (
        DashboardCard,
        ProjectCount,
        ProjectTab,
        register_dashboard_card,
        register_project_count,
        register_project_tab,
    )
    from territoires.diagnostic.models import Entry

    watch_models_for_public_cache(app_config)
    register_audit_details(
        fields=AuditDetail(_("informations modifiées")),
        kept=AuditDetail(_("fiche conservée")),
        merged=AuditDetail(_("fiche fusionnée")),
        name=AuditDetail(_("nom")),
        provenance=AuditDetail(_("origine du lien")),
        renamed_from=AuditDetail(_("ancien nom")),
        file=AuditDetail(_("fichier")),
        created=AuditDetail(_("créées")),
        updated=AuditDetail(_("mises à jour")),
        errors=AuditDetail(_("lignes refusées")),
    )
    register_project_tab(ProjectTab("directory", _("Annuaire du territoire"), "diagnostic:project_directory", order=25))

    def published_entries(project_ids):
        rows = (
            Entry.objects.published()
            .filter(project_id__in=list(project_ids))
            .values("project_id")
            .annotate(n=Count("pk"))
        )
        return {row["project_id"]: row["n"] for row in rows}

    register_project_count(
        ProjectCount("directory_entries", _("Fiches publiées de l'annuaire"), published_entries, order=35)
    )

    def my_directories(user):
        """The directories this person keeps: their territories' entries, published and not."""
        from territoires.accounts.access import memberships_of
        from territoires.projects.models import Participation
        from territoires.projects.rules import AUTHORITY_ROLES

        organisations = [org for org, role in memberships_of(user).items() if role in AUTHORITY_ROLES]
        if not organisations:
            return None
        territories = list(
            Participation.objects.participants()
            .filter(organisation_id__in=organisations)
            .select_related("project", "organisation")
            .annotate(entry_count=Count("entries", filter=Q(entries__merged_into__isnull=True)))
            .order_by("project__title")
        )
        return {"territories": territories} if territories else None

    register_dashboard_card(DashboardCard("directory", "diagnostic/_dashboard_card.html", my_directories, order=20))
