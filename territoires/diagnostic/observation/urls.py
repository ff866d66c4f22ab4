from django.urls import path

from territoires.diagnostic.observation import views

app_name = "observation"

urlpatterns = [
    path("projet/<slug:slug>/<slug:territory_slug>/", views.note_list, name="list"),
    path("projet/<slug:slug>/<slug:territory_slug>/nouvelle/", views.note_create, name="create"),
    path("<int:pk>/", views.note_detail, name="detail"),
    path("<int:pk>/modifier/", views.note_edit, name="edit"),
    path("<int:pk>/supprimer/", views.note_delete, name="delete"),
    path("<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("photo/<int:pk>/", views.photo, name="photo"),
    path("photo/<int:pk>/retirer/", views.photo_remove, name="photo_remove"),
]
