from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "territoires.surveys"
    verbose_name = _("Enquêtes auprès des habitants")

    def ready(self):
        from territoires.surveys import checks  # noqa: F401 — registers the start-up checks

        register_project_module()
        register_audit_wording()
        register_receipts()


def register_receipts():
    """A survey answer's receipt code is one that the feedback pages can look up."""
    from django.utils.translation import gettext_lazy as _

    from territoires.core.receipts import ReceiptSource, register_receipt_source
    from territoires.surveys.collection import receipt_lookup

    register_receipt_source(
        ReceiptSource(key="survey", label=_("Réponse à une enquête"), lookup=receipt_lookup, order=10)
    )


def register_audit_wording():
    """The journal names an export's format as people do ("Excel (XLSX)", not "xlsx")."""
    from territoires.core.audit import AuditDetail, register_audit_details
    from territoires.surveys.models import Export

    register_audit_details(format=AuditDetail("", values=dict(Export.Format.choices)))


def register_project_module():
    """The project page's "Enquête" tab (members) and its count of answers received."""
    from django.db.models import Count

    from territoires.core.registry import (
        DashboardCard,
        ProjectCount,
        ProjectTab,
        register_dashboard_card,
        register_project_count,
        register_project_tab,
    )
    from territoires.surveys.models import Response

    register_project_tab(
        ProjectTab(
            "survey",
            _("Enquête habitants"),
            "surveys:project_surveys",
            permission="projects.view_members_area",
            order=40,
        )
    )

    def answers_by_project(project_ids):
        rows = (
            Response.objects.filter(survey__project_id__in=list(project_ids))
            .values("survey__project_id")
            .annotate(n=Count("pk"))
        )
        return {row["survey__project_id"]: row["n"] for row in rows}

    register_project_count(
        ProjectCount("survey_answers", _("Réponses à l'enquête habitants"), answers_by_project, order=40)
    )

    def field_collection(user):
        """The territories where this person belongs to the survey group: the way to the field page
        (a member of the group may belong to no organisation of the platform)."""
        from territoires.surveys.models import Collector, Survey

        collectors = list(
            Collector.objects.filter(
                user=user, deployment__is_open=True, deployment__survey__status=Survey.Status.PUBLISHED
            )
            .select_related("deployment__survey__project", "deployment__participation__organisation")
            .order_by("deployment__survey__title", "deployment__participation__organisation__name")
        )
        return {"deployments": [collector.deployment for collector in collectors]} if collectors else None

    register_dashboard_card(
        DashboardCard("survey_field_collection", "surveys/collect/_dashboard_card.html", field_collection, order=10)
    )
