from django.urls import path

from territoires.projects.views import charter, committee, projects, public, territories, themes

app_name = "projects"

urlpatterns = [
    path("", public.home, name="home"),
    path("a-propos/", public.about, name="about"),
    path("mon-espace/", public.dashboard, name="dashboard"),
    path("themes/", themes.theme_list, name="theme_list"),
    path("themes/proposer/", themes.theme_propose_view, name="theme_propose"),
    path("themes/<slug:slug>/", themes.theme_detail, name="theme_detail"),
    path("themes/<slug:slug>/interet/", themes.theme_interest, name="theme_interest"),
    path("themes/<slug:slug>/creer-projet/", themes.theme_convert, name="theme_convert"),
    path("projets/", projects.project_list, name="project_list"),
    path("projets/nouveau/", projects.project_create_view, name="project_create"),
    path("projets/<slug:slug>/", projects.project_detail, name="project_detail"),
    path("projets/<slug:slug>/modifier/", projects.project_edit, name="project_edit"),
    path("projets/<slug:slug>/participants/", projects.project_participants, name="project_participants"),
    path("projets/<slug:slug>/observer/", projects.project_observe, name="project_observe"),
    path("projets/<slug:slug>/journal/", projects.project_audit_log, name="project_audit_log"),
    path("projets/<slug:slug>/charte/", charter.charter_detail, name="charter_detail"),
    path("projets/<slug:slug>/charte/pdf/", charter.charter_pdf, name="charter_pdf"),
    path("projets/<slug:slug>/charte/modifier/", charter.charter_edit, name="charter_edit"),
    path("projets/<slug:slug>/charte/signer/<slug:organisation_slug>/", charter.charter_sign_view, name="charter_sign"),
    path(
        "projets/<slug:slug>/charte/deliberations/<int:signature_id>/",
        charter.signature_document,
        name="signature_document",
    ),
    path(
        "projets/<slug:slug>/territoires/<slug:organisation_slug>/",
        territories.territory_detail,
        name="territory_detail",
    ),
    path(
        "projets/<slug:slug>/territoires/<slug:organisation_slug>/modifier/",
        territories.territory_edit,
        name="territory_edit",
    ),
    path(
        "projets/<slug:slug>/territoires/<slug:organisation_slug>/etapes/",
        territories.territory_step,
        name="territory_step",
    ),
    path(
        "projets/<slug:slug>/territoires/<slug:organisation_slug>/etapes/<slug:step>/rouvrir/",
        territories.territory_step_reopen,
        name="territory_step_reopen",
    ),
    path("projets/<slug:slug>/methode/", projects.project_method, name="project_method"),
    path(
        "projets/<slug:slug>/territoires/<slug:organisation_slug>/retrait/",
        territories.territory_withdrawal,
        name="territory_withdrawal",
    ),
    path("projets/<slug:slug>/copil/", committee.committee_detail, name="committee_detail"),
    path("projets/<slug:slug>/copil/decisions/", committee.decision_list, name="decision_list"),
    path("projets/<slug:slug>/copil/reunions/nouvelle/", committee.meeting_edit, name="meeting_create"),
    path("projets/<slug:slug>/copil/reunions/<int:meeting_id>/", committee.meeting_detail, name="meeting_detail"),
    path("projets/<slug:slug>/copil/reunions/<int:meeting_id>/modifier/", committee.meeting_edit, name="meeting_edit"),
    path(
        "projets/<slug:slug>/copil/reunions/<int:meeting_id>/invitations/",
        committee.meeting_invitations,
        name="meeting_invitations",
    ),
    path("projets/<slug:slug>/copil/reunions/<int:meeting_id>/agenda.ics", committee.meeting_ical, name="meeting_ical"),
    path(
        "projets/<slug:slug>/copil/reunions/<int:meeting_id>/compte-rendu.pdf",
        committee.meeting_minutes_document,
        name="meeting_minutes_document",
    ),
    path("projets/<slug:slug>/copil/decisions/<int:decision_id>/", committee.decision_edit, name="decision_edit"),
]
