from django.urls import include, path

from territoires.codesign.views import ballots, ideas, objectives, plans, workshops

app_name = "codesign"

urlpatterns = [
    path("projet/<slug:slug>/", plans.project_plans, name="project_plans"),
    path("projet/<slug:slug>/<slug:territory_slug>/", plans.plan_detail, name="plan_detail"),
    path("projet/<slug:slug>/<slug:territory_slug>/modifier/", plans.plan_edit, name="plan_edit"),
    path("echeance/<int:milestone_id>/supprimer/", plans.milestone_delete, name="milestone_delete"),
    path("plan/<int:plan_id>/ateliers/nouveau/", workshops.workshop_create, name="workshop_create"),
    path("atelier/<str:token>/", workshops.workshop_detail, name="workshop_detail"),
    path("atelier/<str:token>/modifier/", workshops.workshop_edit, name="workshop_edit"),
    path("atelier/<str:token>/annuler/", workshops.workshop_cancel, name="workshop_cancel"),
    path("atelier/<str:token>/inscriptions/", workshops.workshop_registrations, name="workshop_registrations"),
    path("atelier/<str:token>/emargement.pdf", workshops.workshop_sign_in_sheet, name="workshop_sign_in_sheet"),
    path("atelier/<str:token>/agenda.ics", workshops.workshop_ics, name="workshop_ics"),
    path("inscription/<str:token>/", workshops.registration_manage, name="registration_manage"),
    path("plan/<int:plan_id>/idees/", ideas.idea_wall, name="idea_wall"),
    path("plan/<int:plan_id>/idees/nouvelle/", ideas.idea_create, name="idea_create"),
    path("boite-a-idees/<str:token>/", ideas.idea_box, name="idea_box"),
    path("suivi/", ideas.receipt, name="receipt"),
    path("idee/<int:pk>/", ideas.idea_detail, name="idea_detail"),
    path("idee/<int:pk>/photo/", ideas.idea_photo, name="idea_photo"),
    path("idee/<int:pk>/moderer/", ideas.idea_moderate, name="idea_moderate"),
    path("idee/<int:pk>/fusionner/", ideas.idea_merge, name="idea_merge"),
    path("idee/<int:pk>/commenter/", ideas.idea_comment, name="idea_comment"),
    path("idee/<int:pk>/etiquettes/", ideas.idea_tags, name="idea_tags"),
    path("plan/<int:plan_id>/objectifs/nouveau/", objectives.objective_create, name="objective_create"),
    path("objectif/<int:pk>/", objectives.objective_detail, name="objective_detail"),
    path("objectif/<int:pk>/modifier/", objectives.objective_edit, name="objective_edit"),
    path("plan/<int:plan_id>/scrutins/nouveau/", ballots.ballot_create, name="ballot_create"),
    path("scrutin/<int:pk>/", ballots.ballot_detail, name="ballot_detail"),
    path("scrutin/<int:pk>/etat/", ballots.ballot_state, name="ballot_state"),
    path("scrutin/<int:pk>/codes/", ballots.ballot_codes, name="ballot_codes"),
    path("borne/<str:token>/", ballots.kiosk, name="kiosk"),
    path("", include("territoires.codesign.opinion.urls")),
]

# Panels drawn by lot (territoires/codesign/panels/).
from territoires.codesign.panels.urls import urlpatterns as panel_urlpatterns  # noqa: E402

urlpatterns += panel_urlpatterns
