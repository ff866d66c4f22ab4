"""Included by territoires/diagnostic/urls.py: the names live in the `diagnostic` namespace."""

from django.urls import path

from territoires.diagnostic.imports import views

urlpatterns = [
    path("projet/<slug:slug>/<slug:territory_slug>/imports/", views.import_list, name="import_list"),
    path("projet/<slug:slug>/<slug:territory_slug>/doublons/", views.duplicate_list, name="duplicate_list"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/etat/", views.import_status, name="import_status"),
    path("import/<int:pk>/rapport.csv", views.import_report, name="import_report"),
    path("doublon/<int:pk>/", views.duplicate_resolve, name="duplicate_resolve"),
]
