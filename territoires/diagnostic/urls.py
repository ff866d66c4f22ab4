from django.urls import path

from territoires.diagnostic import map_views, views

app_name = "diagnostic"

urlpatterns = [
    path("projet/<slug:slug>/", views.project_directory, name="project_directory"),
    path("projet/<slug:slug>/familles/", views.family_list, name="family_list"),
    path("projet/<slug:slug>/familles/<int:family_id>/", views.family_edit, name="family_edit"),
    path("projet/<slug:slug>/carte/", map_views.directory_map, name="directory_map"),
    path("projet/<slug:slug>/carte/donnees.geojson", map_views.directory_map_data, name="directory_map_data"),
    path("projet/<slug:slug>/annuaire.csv", map_views.directory_export, {"extension": "csv"}, name="export_csv"),
    path(
        "projet/<slug:slug>/annuaire.geojson",
        map_views.directory_export,
        {"extension": "geojson"},
        name="export_geojson",
    ),
    path("projet/<slug:slug>/comparaison/", map_views.territory_comparison, name="territory_comparison"),
    path("projet/<slug:slug>/<slug:territory_slug>/", views.territory_directory, name="territory_directory"),
    path("projet/<slug:slug>/<slug:territory_slug>/nouvelle/<str:kind>/", views.entry_create, name="entry_create"),
    path("fiche/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("fiche/<int:pk>/modifier/", views.entry_edit, name="entry_edit"),
    path("fiche/<int:pk>/publication/", views.entry_publish, name="entry_publish"),
    path("fiche/<int:pk>/historique/", views.entry_history, name="entry_history"),
    path("fiche/<int:pk>/fusionner/", views.entry_merge, name="entry_merge"),
]
