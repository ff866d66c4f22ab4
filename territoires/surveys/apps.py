from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "territoires.surveys"
    verbose_name = _("Enquêtes auprès des habitants")
