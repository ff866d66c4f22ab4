from django.urls import path

from territoires.diagnostic.interviews import views

app_name = "interviews"

urlpatterns = [
    path("projet/<slug:slug>/guide/", views.guide, name="guide"),
    path("guide/<int:pk>/modifier/", views.guide_edit, name="guide_edit"),
    path("guide/<int:pk>/nouvelle-version/", views.guide_new_version, name="guide_new_version"),
    path("guide/<int:pk>/themes/ajouter/", views.theme_add, name="theme_add"),
    path("guide/theme/<int:pk>/modifier/", views.theme_edit, name="theme_edit"),
    path("guide/theme/<int:pk>/supprimer/", views.theme_delete, name="theme_delete"),
    path("guide/theme/<int:pk>/deplacer/", views.theme_move, name="theme_move"),
    path("guide/theme/<int:pk>/questions/ajouter/", views.question_add, name="question_add"),
    path("guide/question/<int:pk>/modifier/", views.question_edit, name="question_edit"),
    path("guide/question/<int:pk>/supprimer/", views.question_delete, name="question_delete"),
    path("guide/question/<int:pk>/deplacer/", views.question_move, name="question_move"),
    path("projet/<slug:slug>/<slug:territory_slug>/", views.interview_list, name="list"),
    path("projet/<slug:slug>/<slug:territory_slug>/nouveau/", views.interview_create, name="create"),
    path("projet/<slug:slug>/<slug:territory_slug>/pseudonymes/", views.pseudonyms, name="pseudonyms"),
    path("pseudonyme/<int:pk>/modifier/", views.pseudonym_edit, name="pseudonym_edit"),
    path("pseudonyme/<int:pk>/supprimer/", views.pseudonym_delete, name="pseudonym_delete"),
    path("<int:pk>/", views.interview_detail, name="detail"),
    path("<int:pk>/modifier/", views.interview_edit, name="edit"),
    path("<int:pk>/supprimer/", views.interview_delete, name="delete"),
    path("<int:pk>/consentement/", views.consent_file, name="consent"),
    path("<int:pk>/transcription/", views.transcript_edit, name="transcript"),
]
