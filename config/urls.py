from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from territoires.accounts.views import admin_login_redirect

admin.site.site_header = _("Territoires en commun — administration")
admin.site.site_title = _("Territoires en commun")
admin.site.index_title = _("Gestion de la plateforme")

urlpatterns = [
    # First: the survey answers, the hottest requests (see territoires/surveys/urls.py).
    path("", include("territoires.surveys.urls")),
    # Second: co-design, whose kiosk takes a workshop's votes in bursts (make bench ONLY=codesign.vote).
    path("co-construction/", include("territoires.codesign.urls")),
    # The admin signs in through the platform's own page, so that the second factor (and ProConnect)
    # apply there too (territoires/accounts/two_factor.py).
    path("admin/login/", admin_login_redirect),
    path("admin/", admin.site.urls),
    path("compte/", include("territoires.accounts.urls")),
    path("", include("territoires.projects.urls")),
    path("ressources/", include("territoires.library.urls")),
    path("annuaire/", include("territoires.diagnostic.urls")),
    path("plans/", include("territoires.plans.urls")),
    path("diagnostic/codage/echange/", include("territoires.diagnostic.qdpx.urls")),
    path("diagnostic/", include("territoires.diagnostic.synthesis.urls")),
    path("diagnostic/observations/", include("territoires.diagnostic.observation.urls")),
    path("diagnostic/entretiens/", include("territoires.diagnostic.interviews.urls")),
    path("diagnostic/codage/", include("territoires.diagnostic.coding.urls")),
    path("parole/", include("territoires.diagnostic.expression.urls")),
    path("recherche/", include("territoires.search.urls")),
    path("", include("territoires.community.urls")),
    path("", include("territoires.sharing.urls")),
    path("notifications/", include("territoires.notifications.urls")),
    path("", include("territoires.core.urls")),
]

# No URL serves MEDIA_ROOT, not even with DEBUG=1: every uploaded file (resource attachments,
# discussion attachments, deliberations, minutes, exports) goes out through a view that checks who
# may read it. The reverse proxy must not serve that folder either (README, "Exploitation").
