from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "territoires.plans"
    verbose_name = _("Plans d'action")

    def ready(self):
        from territoires.plans import rules  # noqa: F401  (registers the permissions)

        register_project_module(self)


def register_project_module(app_config):
    """The plans' one registration in a project: tab, count, journal wording, public cache."""
    from territoires.core.audit import AuditDetail, register_audit_details
    from territoires.core.cache import watch_models_for_public_cache
    from territoires.core.registry import ProjectCount, ProjectTab, register_project_count, register_project_tab
    from territoires.plans.models import ActionPlan

    watch_models_for_public_cache(app_config)
    register_audit_details(
        previous_status=AuditDetail(_("statut précédent"), field="status"),
        progress=AuditDetail(_("avancement (%)")),
        measured_on=AuditDetail(_("date de la mesure")),
        value=AuditDetail(_("valeur")),
        count=AuditDetail(_("nombre")),
    )
    register_project_tab(ProjectTab("plans", _("Plans d'action"), "plans:project_plans", order=55))

    def adopted_plans(project_ids):
        from django.db.models import Count

        rows = (
            ActionPlan.objects.adopted()
            .filter(project_id__in=list(project_ids))
            .values("project_id")
            .annotate(n=Count("pk"))
        )
        return {row["project_id"]: row["n"] for row in rows}

    register_project_count(ProjectCount("adopted_plans", _("Plans d'action adoptés"), adopted_plans, order=60))
