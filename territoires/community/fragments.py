"""Each message of a thread page is rendered once and kept in the cache, per variant of what the
viewer may do with it (reply/quote, edit, report, hide, see revisions).

A page shows 50 messages; rendering them is most of its cost. The key holds everything the fragment
shows that can change (edit and hide times, the quoted message's hidden state, the language, the
deployed code), so a fragment is never stale: a change makes a new key. Fragments holding a form
(a moderator's "restore" button, with its per-user CSRF token) are never cached.
"""

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from territoires.core.cache import code_release

FRAGMENT_SECONDS = 24 * 3600


def _stamp(value) -> str:
    return value.isoformat() if value else "-"


def _key(message, flags: str) -> str:
    quoted = message.quoted_id and _stamp(message.quoted.hidden_at if message.quoted else None)
    return (
        f"msg:{code_release()}:{translation.get_language()}:{message.pk}:{_stamp(message.edited_at)}:"
        f"{_stamp(message.hidden_at)}:{quoted}:{flags}"
    )


def page_key(thread, page, *, user, can_reply: bool, can_moderate: bool) -> str:
    """A whole page of messages as one viewer sees it. Every write to a thread (a message posted,
    edited, hidden or restored) stamps thread.updated_at, so the key changes with the content."""
    return (
        f"thread-page:{code_release()}:{translation.get_language()}:{thread.pk}:{_stamp(thread.updated_at)}:"
        f"{thread.message_count}:{page.number}:{user.pk or 0}:{int(can_reply)}{int(can_moderate)}"
    )


def cached_page(key: str):
    html = cache.get(key)
    return mark_safe(html) if html is not None else None  # noqa: S308  (a template's output, escaped by it)


def store_page(key: str, messages) -> str:
    """Join the page's fragments; keep the page only when no fragment holds a form."""
    html = mark_safe("".join(message.html for message in messages))  # noqa: S308
    if all(message.cacheable for message in messages):
        cache.set(key, str(html), FRAGMENT_SECONDS)
    return html


def render_messages(messages, *, request, can_reply: bool, can_moderate: bool) -> None:
    """Sets `message.html` on each message, from the cache when possible (one cache round trip)."""
    user = request.user
    keys = {}
    for message in messages:
        mine = user.is_authenticated and message.author_id == user.pk
        flags = "".join(
            "1" if flag else "0"
            for flag in (
                user.is_authenticated,
                can_reply,
                can_moderate,
                message.can_edit,
                message.can_report,
                message.can_see_revisions,
                mine,
            )
        )
        message.cacheable = not (message.is_hidden and can_moderate)
        if message.cacheable:
            keys[message.pk] = _key(message, flags)
    found = cache.get_many(list(keys.values())) if keys else {}
    missing = {}
    for message in messages:
        key = keys.get(message.pk)
        html = found.get(key) if key else None
        if html is None:
            context = {"message": message, "user": user, "can_reply": can_reply, "can_moderate": can_moderate}
            # Only uncached fragments get the request (its CSRF token goes into their form).
            html = render_to_string("community/_message.html", context, request=None if key else request)
            if key:
                missing[key] = html
        message.html = mark_safe(html)  # noqa: S308  (a template's output, escaped by it)
    if missing:
        cache.set_many(missing, FRAGMENT_SECONDS)
