from django.urls import path

from territoires.sharing.feeds import PlatformNewsFeed, ProjectNewsFeed
from territoires.sharing.views import events, lessons, news

app_name = "sharing"

PROJECT = "projets/<slug:slug>/"

urlpatterns = [
    # News ("remontées d'information")
    path("actualites/", news.news_list, name="news_list"),
    path("actualites/flux.atom", PlatformNewsFeed(), name="news_feed"),
    path(PROJECT + "actualites/", news.project_news, name="project_news"),
    path(PROJECT + "actualites/flux.atom", ProjectNewsFeed(), name="project_news_feed"),
    path(PROJECT + "actualites/nouvelle/", news.news_edit, name="news_create"),
    path(PROJECT + "actualites/<int:post_id>/", news.news_detail, name="news_detail"),
    path(PROJECT + "actualites/<int:post_id>/modifier/", news.news_edit, name="news_edit"),
    # Peer events
    path("rencontres/", events.event_list, name="event_list"),
    path(PROJECT + "rencontres/", events.project_events, name="project_events"),
    path(PROJECT + "rencontres/calendrier.ics", events.project_calendar, name="project_calendar"),
    path(PROJECT + "rencontres/nouvelle/", events.event_edit, name="event_create"),
    path(PROJECT + "rencontres/<int:event_id>/", events.event_detail, name="event_detail"),
    path(PROJECT + "rencontres/<int:event_id>/modifier/", events.event_edit, name="event_edit"),
    path(PROJECT + "rencontres/<int:event_id>/inscription/", events.event_registration, name="event_registration"),
    path(PROJECT + "rencontres/<int:event_id>/rencontre.ics", events.event_ics, name="event_ics"),
    # Lessons learned ("retours d'expérience")
    path("retours-d-experience/", lessons.lesson_list, name="lesson_list"),
    path(PROJECT + "retours-d-experience/", lessons.project_lessons, name="project_lessons"),
    path(PROJECT + "retours-d-experience/nouveau/", lessons.lesson_edit, name="lesson_create"),
    path(PROJECT + "retours-d-experience/<int:lesson_id>/", lessons.lesson_detail, name="lesson_detail"),
    path(PROJECT + "retours-d-experience/<int:lesson_id>/modifier/", lessons.lesson_edit, name="lesson_edit"),
]
