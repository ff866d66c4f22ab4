from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "territoires.sharing"
    verbose_name = _("Partage et capitalisation")

    def ready(self):
        from territoires.core.cache import watch_models_for_public_cache
        from territoires.sharing import search_documents

        watch_models_for_public_cache(self)
        register_project_sections()
        search_documents.register()


def register_project_sections():
    """The project's tabs for news, peer events and lessons, and its public counts."""
    from django.db.models import Count

    from territoires.core.registry import ProjectCount, ProjectTab, register_project_count, register_project_tab
    from territoires.sharing.models import Lesson, NewsPost

    register_project_tab(ProjectTab("news", _("Actualités"), "sharing:project_news", order=60))
    register_project_tab(ProjectTab("events", _("Rencontres"), "sharing:project_events", order=61))
    register_project_tab(ProjectTab("lessons", _("Retours d'expérience"), "sharing:project_lessons", order=62))

    # Counts are shown to every visitor of the project page: public items only (most events are not).
    def public_count(queryset):
        def count_for(project_ids):
            rows = queryset.filter(project_id__in=list(project_ids)).values("project_id").annotate(n=Count("pk"))
            return {row["project_id"]: row["n"] for row in rows}

        return count_for

    register_project_count(
        ProjectCount("public_news", _("Actualités publiques"), public_count(NewsPost.objects.public()), order=60)
    )
    register_project_count(
        ProjectCount(
            "public_lessons",
            _("Retours d'expérience publics"),
            public_count(Lesson.objects.published().filter(visibility=Lesson.Visibility.PUBLIC)),
            order=62,
        )
    )
