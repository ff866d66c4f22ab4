"""How news, peer events and lessons learned become search documents (registered in apps.py).

Only published items are found. Who finds them is what `visible_to` on each QuerySet allows to
readers who are not members (members also read drafts, which search never shows):
- an item aimed at everyone, in a published project: everyone ("public");
- otherwise (aimed at observers, or the project is not published): the project's members and its
  accepted observers ("project_observers");
- a peer event for members only: the project's members ("project").
"""

from django.utils import timezone

from territoires.sharing.models import Lesson, NewsPost, PeerEvent, Status


def _audience(obj, *, aimed_at_everyone: bool) -> str:
    return "public" if aimed_at_everyone and obj.project.is_public else "project_observers"


def _project_themes(project) -> list[int]:
    return [project.theme_id] if project.theme_id else []


def news_document(post: NewsPost) -> dict | None:
    if post.status != Status.PUBLISHED:
        return None
    return {
        "category": "news",
        "title": post.title,
        "text": "\n\n".join(filter(None, [post.summary, post.body])),
        "url": post.get_absolute_url(),
        "audience": _audience(post, aimed_at_everyone=post.audience == NewsPost.Audience.PUBLIC),
        "project_id": post.project_id,
        "organisation_id": post.organisation_id,
        "theme_ids": _project_themes(post.project),
        "year": (post.published_at or timezone.now()).year,
    }


def event_document(event: PeerEvent) -> dict | None:
    if event.status != Status.PUBLISHED:
        return None
    if event.audience == PeerEvent.Audience.MEMBERS:
        audience = "project"
    else:
        audience = _audience(event, aimed_at_everyone=event.audience == PeerEvent.Audience.PUBLIC)
    return {
        "category": "event",
        "title": event.title,
        "text": "\n\n".join(filter(None, [event.description, event.place, event.notes])),
        "url": event.get_absolute_url(),
        "audience": audience,
        "project_id": event.project_id,
        "theme_ids": _project_themes(event.project),
        "kind": event.kind,
        "year": timezone.localtime(event.starts_at).year,
    }


def lesson_document(lesson: Lesson) -> dict | None:
    if lesson.status != Status.PUBLISHED:
        return None
    return {
        "category": "lesson",
        "title": lesson.title,
        "text": "\n\n".join([lesson.summary, *(text for _heading, text in lesson.sections())]),
        "url": lesson.get_absolute_url(),
        "audience": "project"
        if lesson.visibility == Lesson.Visibility.PROJECT
        else _audience(lesson, aimed_at_everyone=lesson.visibility == Lesson.Visibility.PUBLIC),
        "project_id": lesson.project_id,
        "organisation_id": lesson.territory_id,
        "theme_ids": [theme.pk for theme in lesson.themes.all()],
        "year": (lesson.published_at or timezone.now()).year,
    }


def register() -> None:
    from territoires.search.registry import register_labels, register_source

    register_labels("kind", PeerEvent.Kind.choices)
    register_source(
        NewsPost,
        document=news_document,
        queryset=lambda: NewsPost.objects.select_related("project"),
        project_field="project",
    )
    register_source(
        PeerEvent,
        document=event_document,
        queryset=lambda: PeerEvent.objects.select_related("project"),
        project_field="project",
    )
    register_source(
        Lesson,
        document=lesson_document,
        queryset=lambda: Lesson.objects.select_related("project").prefetch_related("themes"),
        project_field="project",
    )
