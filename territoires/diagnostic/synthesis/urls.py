from django.urls import path

from territoires.diagnostic.synthesis import views

app_name = "synthesis"

urlpatterns = [
    path("projet/<slug:slug>/", views.project_synthesis, name="project"),
    path("projet/<slug:slug>/constat/", views.finding_create, name="project_finding_create"),
    path("projet/<slug:slug>/<slug:territory_slug>/synthese/", views.territory_synthesis, name="territory"),
    path("projet/<slug:slug>/<slug:territory_slug>/synthese/constat/", views.finding_create, name="finding_create"),
    path("constat/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("constat/<int:pk>/modifier/", views.finding_edit, name="finding_edit"),
    path("constat/<int:pk>/statut/", views.finding_status, name="finding_status"),
    path("constat/<int:pk>/preuve/<slug:kind>/", views.evidence_add, name="evidence_add"),
    path("preuve/<int:pk>/retirer/", views.evidence_remove, name="evidence_remove"),
    path("synthese/<int:pk>/introduction/", views.introduction_edit, name="introduction_edit"),
    path("synthese/<int:pk>/pdf/", views.pdf_request, name="pdf_request"),
    path("synthese/pdf/<int:pk>/", views.pdf_status, name="pdf_status"),
    path("synthese/pdf/<int:pk>/telecharger/", views.pdf_download, name="pdf_download"),
]
