from django.urls import path

from territoires.diagnostic import network_views as views

# Included first by urls.py: "reseau" must not be read as a territory's slug.
urlpatterns = [
    path("projet/<slug:slug>/reseau/", views.network_page, name="network"),
    path("projet/<slug:slug>/reseau/donnees.json", views.network_json, name="network_json"),
    path("projet/<slug:slug>/reseau/export/<str:fmt>/", views.network_export, name="network_export"),
    path("projet/<slug:slug>/reseau/indicateurs/", views.network_metrics, name="network_metrics"),
    path("projet/<slug:slug>/reseau/indicateurs/calcul/", views.network_analyse, name="network_analyse"),
    path(
        "projet/<slug:slug>/reseau/indicateurs/<int:pk>/etat/",
        views.network_analysis_status,
        name="network_analysis_status",
    ),
    path("projet/<slug:slug>/reseau/liens/nouveau/", views.link_create, name="link_create"),
    path("projet/<slug:slug>/reseau/liens/deduire/", views.links_derive, name="links_derive"),
    path("lien/<int:pk>/modifier/", views.link_edit, name="link_edit"),
    path("lien/<int:pk>/supprimer/", views.link_delete, name="link_delete"),
]
