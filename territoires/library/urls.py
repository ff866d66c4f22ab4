from django.urls import path

from territoires.library import views

app_name = "library"

urlpatterns = [
    path("", views.library_list, name="library_list"),
    path("nouveau/", views.resource_create, name="resource_create"),
    path("projet/<slug:slug>/", views.project_resources, name="project_resources"),
    path("<slug:slug>/", views.resource_detail, name="resource_detail"),
    path("<slug:slug>/modifier/", views.resource_edit, name="resource_edit"),
    path("<slug:slug>/publication/", views.resource_publish, name="resource_publish"),
    path("<slug:slug>/historique/", views.resource_history, name="resource_history"),
    path("<slug:slug>/fichiers/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("<slug:slug>/fichiers/<int:attachment_id>/supprimer/", views.attachment_delete, name="attachment_delete"),
]
