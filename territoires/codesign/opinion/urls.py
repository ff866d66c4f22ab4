"""The opinion map's addresses, included at the end of codesign/urls.py (same namespace)."""

from django.urls import path

from territoires.codesign.opinion import views

urlpatterns = [
    path("opinions/projet/<slug:slug>/", views.opinion_maps, name="opinion_maps"),
    path("opinions/projet/<slug:slug>/nouvelle/", views.opinion_map_create, name="opinion_map_create"),
    path("opinions/<int:pk>/", views.opinion_map_detail, name="opinion_map"),
    path("opinions/<int:pk>/affirmations/", views.statement_add, name="opinion_statement_add"),
    path("opinions/<int:pk>/comparaison/", views.opinion_compare, name="opinion_compare"),
    path("opinions/affirmation/<int:pk>/moderer/", views.statement_moderate, name="opinion_statement_moderate"),
    path("opinions/conversation/<int:pk>/", views.conversation_detail, name="opinion_conversation"),
    path("opinions/conversation/<int:pk>/conduite/", views.conversation_change, name="opinion_conversation_change"),
    path("opinions/conversation/<int:pk>/codes/", views.conversation_codes, name="opinion_codes"),
    path("opinions/conversation/<int:pk>/votes.csv", views.conversation_votes_csv, name="opinion_votes_csv"),
    path(
        "opinions/conversation/<int:pk>/participant-votes.csv",
        views.conversation_participant_votes_csv,
        name="opinion_participant_votes_csv",
    ),
    path("avis/<str:token>/", views.opinion_vote, name="opinion_vote"),
]
