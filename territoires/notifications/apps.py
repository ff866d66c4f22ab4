from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "territoires.notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from territoires.notifications.followables import register_project_and_theme

        register_project_and_theme()
