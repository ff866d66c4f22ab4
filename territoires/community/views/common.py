from django.http import Http404

from territoires.community.models import Message, Thread
from territoires.core.sql import first_instance
from territoires.projects.views.common import id_from


def thread_or_404(user, pk, *, project=None) -> Thread:
    """A thread the user may read; any other id (forged, private, elsewhere) is a plain 404."""
    if project is not None:
        # A project's thread page shows neither the theme nor the thread's author: a plain lookup,
        # from plain SQL as it runs on every page of a discussion (see territoires/core/sql.py).
        pk = id_from(pk)
        thread = first_instance(Thread, id=pk, project=project.pk) if pk else None
        if thread is not None:
            thread.project = project  # the page's project, with its prefetched participations
    else:
        thread = (
            Thread.objects.select_related("theme", "author", "project")
            .prefetch_related("project__participations")
            .filter(pk=pk)
            .order_by()
            .first()
        )
    if thread is None or not user.has_perm("community.view_thread", thread):
        raise Http404
    return thread


def message_or_404(user, raw_pk) -> Message:
    pk = id_from(raw_pk)
    message = (
        Message.objects.select_related("thread", "thread__project", "thread__theme", "author")
        .prefetch_related("thread__project__participations")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if message is None or not user.has_perm("community.view_thread", message.thread):
        raise Http404
    return message
