from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "territoires.surveys"
    verbose_name = _("Enquêtes auprès des habitants")

    def ready(self):
        register_project_module()


def register_project_module():
    """The project page's "Enquête" tab (members) and its count of answers received."""
    from django.db.models import Count

    from territoires.core.registry import ProjectCount, ProjectTab, register_project_count, register_project_tab
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
