from django.urls import path

from territoires.core import views

app_name = "core"

urlpatterns = [
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("langue/<str:code>/", views.set_language, name="set_language"),
    path("sante/", views.health, name="health"),
]
