from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "territoires.sharing"
    verbose_name = _("Partage et capitalisation")
