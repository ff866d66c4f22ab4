from django.urls import path

from territoires.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/", views.notification_open, name="open"),
    path("marquer-lues/", views.notifications_read, name="mark_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("suivre/", views.follow_toggle, name="follow"),
    path("desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
