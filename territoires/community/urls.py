from django.urls import path

from territoires.community.views import messages, spaces, threads

app_name = "community"

urlpatterns = [
    # Open space, by theme
    path("discussions/", spaces.discussion_home, name="home"),
    path("discussions/themes/<slug:slug>/", spaces.theme_space, name="theme_space"),
    path("discussions/themes/<slug:slug>/nouvelle/", spaces.theme_thread_create, name="theme_thread_create"),
    path("discussions/<int:pk>/", threads.thread_detail, name="thread"),
    path("discussions/<int:pk>/repondre/", threads.thread_reply, name="thread_reply"),
    path("discussions/<int:pk>/partage/", threads.thread_share, name="thread_share"),
    # One message
    path("discussions/messages/<int:pk>/modifier/", messages.message_edit, name="message_edit"),
    path("discussions/messages/<int:pk>/versions/", messages.message_revisions, name="message_revisions"),
    path("discussions/messages/<int:pk>/signaler/", messages.message_report, name="message_report"),
    path("discussions/messages/<int:pk>/masquer/", messages.message_hide, name="message_hide"),
    path("discussions/messages/<int:pk>/retablir/", messages.message_restore, name="message_restore"),
    path("discussions/pieces-jointes/<int:pk>/", messages.attachment_download, name="attachment"),
    path("discussions/moderation/", messages.moderation, name="moderation"),
    path("discussions/moderation/<int:pk>/classer/", messages.report_resolve, name="report_resolve"),
    # A project's private space
    path("projets/<slug:slug>/espace/", spaces.project_space, name="project_space"),
    path("projets/<slug:slug>/espace/nouvelle/", spaces.project_thread_create, name="project_thread_create"),
    path("projets/<slug:slug>/espace/reglages/", spaces.project_space_settings, name="project_space_settings"),
    path("projets/<slug:slug>/espace/<int:pk>/", threads.project_thread, name="project_thread"),
]
