from django.urls import path

from territoires.plans import views

app_name = "plans"

territory = "projet/<slug:slug>/<slug:territory_slug>/"

urlpatterns = [
    path("projet/<slug:slug>/", views.project_plans, name="project_plans"),
    path("projet/<slug:slug>/synthese/", views.synthesis, name="synthesis"),
    path("projet/<slug:slug>/synthese/<int:proposal_id>/", views.synthesis, name="proposal_edit"),
    path(
        "projet/<slug:slug>/synthese/<int:proposal_id>/appuis/",
        views.proposal_evidence_add,
        name="proposal_evidence_add",
    ),
    path("parole/", views.receipt, name="receipt"),
    path(territory, views.plan_detail, name="plan_detail"),
    path(territory + "creer/", views.plan_create, name="plan_create"),
    path(territory + "modifier/", views.plan_edit, name="plan_edit"),
    path(territory + "axes/nouveau/", views.axis_form, name="axis_create"),
    path(territory + "axes/<int:axis_id>/", views.axis_form, name="axis_edit"),
    path(territory + "objectifs/nouveau/", views.objective_form, name="objective_create"),
    path(territory + "objectifs/co-construction/", views.objectives_take_over, name="objectives_take_over"),
    path(territory + "objectifs/<int:objective_id>/", views.objective_form, name="objective_edit"),
    path(territory + "actions/nouvelle/", views.action_form, name="action_create"),
    path(territory + "actions/<int:action_id>/modifier/", views.action_form, name="action_edit"),
    path(territory + "indicateurs/nouveau/", views.indicator_form, name="indicator_create"),
    path(territory + "mesures/import/", views.measurements_import, name="measurements_import"),
    path(territory + "export/<str:name>", views.plan_export, name="plan_export"),
    path(territory + "versions/", views.plan_versions, name="plan_versions"),
    path(territory + "evaluation/", views.plan_report, name="plan_report"),
    path(territory + "evaluation/<int:report_id>/rapport.pdf", views.report_download, name="report_download"),
    path(territory + "versions/enregistrer/", views.plan_version_save, name="plan_version_save"),
    path(territory + "commentaires/", views.plan_comment, name="plan_comment"),
    path(territory + "vote/", views.plan_submit, name="plan_submit"),
    path(territory + "adoption/", views.plan_adopt, name="plan_adopt"),
    path(territory + "adoption/<int:adoption_id>/deliberation.pdf", views.adoption_document, name="adoption_document"),
    path(territory + "modification/", views.plan_amend, name="plan_amend"),
    path(territory + "devenir-des-contributions/", views.outcomes, name="outcomes"),
    path(territory + "votre-parole/", views.feedback_page, name="feedback"),
    path(territory + "votre-parole/publier/", views.feedback_publish, name="feedback_publish"),
    path(territory + "votre-parole/reunion/", views.restitution_schedule, name="restitution_schedule"),
    path(territory + "votre-parole/affiche.pdf", views.feedback_poster, name="feedback_poster"),
    path("desinscription/<str:token>/", views.contact_unsubscribe, name="contact_unsubscribe"),
    path("action/<int:pk>/", views.action_detail, name="action_detail"),
    path("action/<int:pk>/suivi/", views.action_follow_up, name="action_follow_up"),
    path("action/<int:pk>/jalons/", views.milestone_add, name="milestone_add"),
    path("action/<int:pk>/etapes/", views.action_update_add, name="action_update_add"),
    path("action/<int:pk>/origines/", views.origin_add, name="origin_add"),
    path("jalon/<int:pk>/atteint/", views.milestone_reach, name="milestone_reach"),
    path("indicateur/<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("indicateur/<int:pk>/lire-enquete/", views.indicator_read_survey, name="indicator_read_survey"),
]
