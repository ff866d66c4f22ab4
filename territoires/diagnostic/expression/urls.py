from django.urls import path

from territoires.diagnostic.expression import views

app_name = "expression"

urlpatterns = [
    path("suivi/", views.receipt, name="receipt"),
    path("suivi/<str:code>/", views.receipt, name="receipt_code"),
    path("texte/<int:pk>/", views.detail, name="detail"),
    path("texte/<int:pk>/moderer/", views.moderate, name="moderate"),
    path("projet/<slug:slug>/<slug:territory_slug>/", views.write, name="write"),
    path("projet/<slug:slug>/<slug:territory_slug>/textes/", views.gallery, name="gallery"),
    path("projet/<slug:slug>/<slug:territory_slug>/moderation/", views.queue, name="queue"),
    path("projet/<slug:slug>/<slug:territory_slug>/question/", views.prompt_edit, name="prompt"),
]
