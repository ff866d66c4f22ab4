"""One project with news, events and lessons of every audience, and a user for each role."""

import datetime

from django.utils import timezone

from territoires.sharing import services
from territoires.sharing.models import Lesson, NewsPost, PeerEvent
from tests.factories import UserFactory, make_project

ROLES = ("visitor", "registered", "observer", "author", "member", "other_member", "facilitator")


def news(world, *, audience, publish=True, title=None, author=None):
    post = NewsPost(
        project=world.project,
        title=title or f"Actualité ({audience})",
        summary="Où en est le projet",
        body=f"Texte réservé : {audience}",
        audience=audience,
        organisation=world.towns[0],
    )
    return services.news_save(post=post, user=author or world.referents[0], publish=publish)


def event(world, *, audience, capacity=20, publish=True, title=None, starts_in_days=10, author=None):
    starts_at = (timezone.now() + datetime.timedelta(days=starts_in_days)).replace(second=0, microsecond=0)
    peer_event = PeerEvent(
        project=world.project,
        kind=PeerEvent.Kind.PEER_EXCHANGE,
        title=title or f"Rencontre ({audience})",
        description="Échanges entre pairs",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=3),
        place="Médiathèque de Niort",
        video_url="https://visio.exemple.fr/salle-secrete",
        audience=audience,
        capacity=capacity,
    )
    return services.event_save(event=peer_event, user=author or world.referents[0], publish=publish)


def lesson(world, *, visibility, publish=True, title=None, author=None):
    sheet = Lesson(
        project=world.project,
        territory=world.towns[0],
        title=title or f"Retour ({visibility})",
        summary="Ce que nous avons appris",
        context=f"Contexte réservé : {visibility}",
        what_worked="Le groupe d'enquête",
        obstacles="Le calendrier",
        solutions="Des permanences",
        open_questions="Comment durer ?",
        visibility=visibility,
    )
    return services.lesson_save(lesson=sheet, user=author or world.referents[0], publish=publish)


def build_world():
    world = make_project(participants=4, observers=1, title="Projet culture")
    other = make_project(participants=3, title="Autre projet")
    world.other = other
    world.registered = UserFactory()
    world.users = {
        "visitor": None,
        "registered": world.registered,
        "observer": world.observers[0],
        "author": world.referents[0],
        "member": world.referents[1],
        "other_member": other.referents[0],
        "facilitator": world.facilitator,
    }
    world.objects = {
        "news_public": news(world, audience=NewsPost.Audience.PUBLIC),
        "news_observers": news(world, audience=NewsPost.Audience.OBSERVERS),
        "news_draft": news(world, audience=NewsPost.Audience.PUBLIC, publish=False, title="Brouillon d'actualité"),
        "event_public": event(world, audience=PeerEvent.Audience.PUBLIC),
        "event_observers": event(world, audience=PeerEvent.Audience.OBSERVERS),
        "event_members": event(world, audience=PeerEvent.Audience.MEMBERS),
        "event_draft": event(world, audience=PeerEvent.Audience.PUBLIC, publish=False, title="Rencontre en brouillon"),
        "lesson_public": lesson(world, visibility=Lesson.Visibility.PUBLIC),
        "lesson_observers": lesson(world, visibility=Lesson.Visibility.PROJECT_OBSERVERS),
        "lesson_project": lesson(world, visibility=Lesson.Visibility.PROJECT),
        "lesson_draft": lesson(world, visibility=Lesson.Visibility.PUBLIC, publish=False, title="Retour brouillon"),
    }
    return world
