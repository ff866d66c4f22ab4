"""The panels' addresses, appended to the co-design app's (codesign/urls.py)."""

from django.urls import path

from territoires.codesign.panels import views

urlpatterns = [
    path("plan/<int:plan_id>/panels/", views.panel_list, name="panel_list"),
    path("plan/<int:plan_id>/panels/nouveau/", views.panel_create, name="panel_create"),
    path("panel/<int:pk>/", views.panel_detail, name="panel_detail"),
    path("panel/<int:pk>/modifier/", views.panel_edit, name="panel_edit"),
    path("panel/<int:pk>/etat/", views.panel_status, name="panel_status"),
    path("panel/<int:pk>/quotas/", views.panel_quotas, name="panel_quotas"),
    path("panel/<int:pk>/volontaires/", views.panel_volunteers, name="panel_volunteers"),
    path("panel/<int:pk>/volontaires/import/", views.panel_import, name="panel_import"),
    path("panel/<int:pk>/tirer/", views.panel_draw, name="panel_draw"),
    path("panel/<int:pk>/proces-verbal/", views.panel_record, name="panel_record"),
    path("tirage/<int:pk>/proces-verbal.json", views.draw_record_json, name="draw_record_json"),
    path("volontaire/<int:pk>/desister/", views.volunteer_withdraw, name="volunteer_withdraw"),
    path("volontariat/<str:token>/", views.panel_volunteer, name="panel_volunteer"),
    path("volontariat/<str:token>/merci/", views.panel_thanks, name="panel_thanks"),
]
