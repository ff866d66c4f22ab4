from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "territoires.projects"
    verbose_name = _("Projets partagés")

    def ready(self):
        from territoires.core.cache import watch_models_for_public_cache

        watch_models_for_public_cache(self)
