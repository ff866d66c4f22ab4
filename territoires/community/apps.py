from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "territoires.community"
    verbose_name = _("Communauté")

    def ready(self):
        from territoires.core.cache import watch_models_for_public_cache

        # Public threads are cached for visitors: a new message must show at once.
        watch_models_for_public_cache(self)
        register_project_tab_and_count()
        register_followables()
        register_search_sources()


def register_project_tab_and_count():
    from django.db.models import Count

    from territoires.community.models import Thread
    from territoires.core.registry import ProjectCount, ProjectTab, register_project_count, register_project_tab

    register_project_tab(
        ProjectTab(
            "space",
            _("Espace d'échanges"),
            "community:project_space",
            permission="community.view_project_space",
            order=30,
        )
    )

    def count_threads(project_ids):
        rows = Thread.objects.filter(project_id__in=list(project_ids)).values("project_id").annotate(n=Count("pk"))
        return {row["project_id"]: row["n"] for row in rows}

    # The count shows to everyone who sees the project page; a number of threads reveals no content.
    register_project_count(
        ProjectCount("discussion_threads", _("Discussions entre les territoires"), count_threads, order=60)
    )


def register_followables():
    from territoires.community.models import Thread
    from territoires.notifications.followables import register_followable

    register_followable(
        "thread",
        Thread,
        lambda user, thread: user.has_perm("community.view_thread", thread),
        queryset=lambda: Thread.objects.select_related("project", "project__discussion_space").prefetch_related(
            "project__participations"
        ),
    )


def register_search_sources():
    from territoires.community.models import Message, Thread
    from territoires.community.services import message_search_document, thread_search_document
    from territoires.search.registry import register_source

    # project_field: a project's publication does not change who reads its space; not re-indexed then.
    register_source(
        Thread,
        document=thread_search_document,
        queryset=lambda: Thread.objects.select_related("project", "project__discussion_space"),
    )
    register_source(
        Message,
        document=message_search_document,
        queryset=lambda: Message.objects.filter(position__gt=1).select_related(
            "thread", "thread__project", "thread__project__discussion_space"
        ),
    )
