"""Survey URLs, one list per user flow (each view module owns its patterns)."""

from territoires.surveys.views import builder, collect, dashboard, exports

app_name = "surveys"

urlpatterns = builder.urlpatterns + collect.urlpatterns + dashboard.urlpatterns + exports.urlpatterns
