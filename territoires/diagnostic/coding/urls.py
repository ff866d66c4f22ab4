from django.urls import path

from territoires.diagnostic.coding import views

app_name = "coding"

urlpatterns = [
    path("projet/<slug:slug>/grille/", views.codebook, name="codebook"),
    path("projet/<slug:slug>/analyse/", views.analysis, name="analysis"),
    path("code/<int:pk>/modifier/", views.code_edit, name="code_edit"),
    path("code/<int:pk>/supprimer/", views.code_delete, name="code_delete"),
    path("code/<int:pk>/extraits/", views.excerpts, name="excerpts"),
    path("transcription/<int:pk>/", views.transcript_coding, name="transcript"),
    path("texte/<int:pk>/", views.expression_coding, name="expression"),
    path("passage/supprimer/", views.coding_delete, name="coding_delete"),
]
