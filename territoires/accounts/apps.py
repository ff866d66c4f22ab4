from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "territoires.accounts"
    verbose_name = _("Comptes et organisations")

    def ready(self):
        from territoires.core.cache import watch_models_for_public_cache

        watch_models_for_public_cache(self)
