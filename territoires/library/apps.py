from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "territoires.library"
    verbose_name = _("Ressources")

    def ready(self):
        from territoires.core.cache import watch_models_for_public_cache
        from territoires.core.registry import ProjectCount, ProjectTab, register_project_count, register_project_tab
        from territoires.library.models import Resource
        from territoires.library.services import resource_search_document
        from territoires.search.registry import register_labels, register_source

        watch_models_for_public_cache(self)
        register_labels("kind", Resource.Kind.choices)
        register_labels("licence", Resource.Licence.choices)
        register_source(
            Resource,
            document=resource_search_document,
            queryset=lambda: Resource.objects.select_related("territory").prefetch_related("themes", "attachments"),
        )
        register_project_tab(ProjectTab("resources", _("Ressources"), "library:project_resources", order=20))
        register_project_count(ProjectCount("resources", _("Ressources publiques"), public_resource_counts, order=30))


def public_resource_counts(project_ids) -> dict[int, int]:
    """Published public resources per project: the count every visitor of the project page may see."""
    from django.db.models import Count

    from territoires.library.models import Resource

    rows = (
        Resource.objects.published()
        .filter(visibility=Resource.Visibility.PUBLIC, project_id__in=list(project_ids))
        .values("project_id")
        .annotate(n=Count("pk"))
    )
    return {row["project_id"]: row["n"] for row in rows}
