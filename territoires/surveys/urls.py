"""Survey URLs, one list per user flow (each view module owns its patterns), grouped by prefix.

config/urls.py includes these first: the resident-facing pages and the field devices' submissions
resolve in a handful of pattern checks instead of walking the whole site's ~380 patterns (a tenth
of the CPU an answer costs), and other pages skip the three groups with one prefix check each.
"""

from django.urls import include, path

from territoires.surveys.views import builder, collect, dashboard, exports

app_name = "surveys"

urlpatterns = [
    path("enquete/", include(collect.urlpatterns)),
    path("enquetes/", include(builder.urlpatterns + dashboard.urlpatterns + exports.urlpatterns)),
    *builder.project_urlpatterns,
]
