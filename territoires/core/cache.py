"""Rendered public pages, cached for anonymous visitors and dropped on every write.

Public pages (home, themes, projects, charters, territories) are the same for every visitor
without a session, and they are most of the traffic. Each is cached under a key that includes a
"content version"; any write to a watched model bumps that version after its transaction commits,
so a visitor never sees a page older than the last committed change. Requests that carry a session
or flash messages, and pages that set a cookie, are never cached.
"""

import collections
import functools
import hashlib
import re
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse

from territoires.core.process_caches import process_cached, register_process_cache

VERSION_KEY = "public-pages:version"


def _code_release() -> str:
    """Identifies the deployed code, so that a new release never serves pages rendered by the old one."""
    import os
    from pathlib import Path

    if release := os.environ.get("RELEASE"):
        return release
    newest = 0.0
    for folder in ("config", "templates", "territoires", "static", "locale"):
        for path in (Path(settings.BASE_DIR) / folder).rglob("*"):
            if path.suffix in (".py", ".html", ".css", ".js", ".mo"):
                newest = max(newest, path.stat().st_mtime)
    return str(int(newest))


code_release = process_cached(
    name="core.code_release",
    bench="pages",
    reason="the deployed code's identity in every cache key, worked out once (~15 ms of file dates)",
    reset=False,  # the same code for the whole process: never stale
)(_code_release)


# Survey answers arrive by the thousand and are written by one raw INSERT, without signals: bumping
# the version for each would empty the cache as fast as visitors fill it. Each answer only marks the
# content "dirty since" (one cache.add, a no-op while the mark stands); the first page read once
# the mark is PUBLIC_PAGE_STALE_COUNTS_SECONDS old bumps the version. Counts of answers shown on
# public pages are therefore at most that late, and the cache is emptied at most that often.
DIRTY_KEY = "public-pages:dirty-since"


def content_mark_dirty() -> None:
    """A write that some public page counts, but that need not be seen at once (a survey answer)."""
    transaction.on_commit(lambda: cache.add(DIRTY_KEY, time.time(), timeout=None))


def content_version() -> str:
    values = cache.get_many((VERSION_KEY, DIRTY_KEY))
    version = values.get(VERSION_KEY)
    dirty_since = values.get(DIRTY_KEY)
    if dirty_since is not None and time.time() - dirty_since >= settings.PUBLIC_PAGE_STALE_COUNTS_SECONDS:
        # The mark goes first: an answer written meanwhile marks the content again, never lost.
        cache.delete(DIRTY_KEY)
        bump_content_version()
        version = None
    if version is None:
        version = str(time.time_ns())
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def bump_content_version() -> None:
    cache.set(VERSION_KEY, str(time.time_ns()), timeout=None)


# Saves that change nothing a page shows: a login only stamps User.last_login.
INVISIBLE_UPDATES = frozenset({"last_login"})


def _bump_after_commit(**kwargs):
    if kwargs.get("raw"):  # fixtures loading
        return
    update_fields = kwargs.get("update_fields")
    if update_fields and set(update_fields) <= INVISIBLE_UPDATES:
        return
    transaction.on_commit(bump_content_version)


def watch_models_for_public_cache(app_config, *, unseen: tuple[str, ...] = ()) -> None:
    """Any write to a model of this app invalidates every cached public page, except to the models
    named in `unseen` (no cached public page shows them: their writes need not empty the cache)."""
    for model in app_config.get_models():
        if model.__name__ in unseen:
            continue
        uid = f"public-cache-{model._meta.label}"
        post_save.connect(_bump_after_commit, sender=model, dispatch_uid=uid + "-save", weak=False)
        post_delete.connect(_bump_after_commit, sender=model, dispatch_uid=uid + "-delete", weak=False)
    m2m_changed.connect(_bump_after_commit, dispatch_uid="public-cache-m2m", weak=False)


def cacheable_request(request) -> bool:
    """A visitor's GET whose page is the same for every visitor (no session, no flash message)."""
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not getattr(request, "htmx", False)
    )


def _rendered(view, request, *args, **kwargs):
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and callable(response.render):
        response = response.render()
    return response


def _storable(response) -> bool:
    """A complete page that sets nothing in the browser: the same for the next reader it is served to."""
    return response.status_code == 200 and not response.cookies and not getattr(response, "streaming", False)


def public_page_cache(view=None, *, query_params: tuple[str, ...] = ()):
    """Serve an anonymous visitor's GET from the cache when the content has not changed since.

    Only requests whose query parameters are all ones the view reads (`query_params`) are cached,
    so that a visitor cannot fill the cache with copies of a page, nor leave odd links in one.
    """
    if view is None:
        return functools.partial(public_page_cache, query_params=query_params)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        # A request with other parameters is served, not cached: its links would carry them.
        if not cacheable_request(request) or set(request.GET) - set(query_params):
            return view(request, *args, **kwargs)
        query = "&".join(f"{name}={request.GET.get(name, '')[:200]}" for name in query_params)
        raw_key = f"{code_release()}|{content_version()}|{request.LANGUAGE_CODE}|{request.path}?{query}"
        key = "public-page:" + hashlib.sha256(raw_key.encode()).hexdigest()
        cached = cache.get(key)
        if cached is not None:
            content, content_type = cached
            response = HttpResponse(content, content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return response
        response = _rendered(view, request, *args, **kwargs)
        if _storable(response) and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            cache.set(key, (response.content, response["Content-Type"]), settings.PUBLIC_PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper


# --- members' heavy pages ----------------------------------------------------------------------

# What changes per rendering of a page and must not be served twice: the CSRF token (masked anew
# each time) and the one-time keys that make a form sent twice stored once (core/idempotency.py).
_CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{32,64})"')
_SUBMISSION_KEY = re.compile(r'(name="submission_key" value=")[0-9a-f-]{36}(")')
_CSRF_SLOT = "\x00csrf\x00"
_KEY_SLOT = "\x00submission-key\x00"


def _has_pending_messages(request) -> bool:
    return bool(request.COOKIES.get("messages")) or bool(getattr(request, "session", {}).get("_messages"))


def member_page_cache(view=None, *, query_params: tuple[str, ...] = ()):
    """Serve a signed-in member's GET of a heavy page (a transcript with 200 codings, a plan of 200
    actions, a network of 20,000 links) again from the cache while nothing changed.

    The key holds the person (a page holds only what its reader may read: never shared), the
    language, the path and the view's query parameters, the code release and the content version
    (any write to a watched model changes it, so nobody reads a page older than the last committed
    change; survey answers within PUBLIC_PAGE_STALE_COUNTS_SECONDS). The CSRF token and the
    forms' one-time submission keys are cut out when stored and put back fresh at each serving,
    so two tabs never share a key. Pages with a flash message, HTMX fragments, and requests with
    other query parameters are rendered as usual and not stored.
    """
    if view is None:
        return functools.partial(member_page_cache, query_params=query_params)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if (
            request.method != "GET"
            or not user.is_authenticated
            or getattr(request, "htmx", False)
            or set(request.GET) - set(query_params)
            or _has_pending_messages(request)
        ):
            return view(request, *args, **kwargs)
        # Every value of each parameter, whole (the key is hashed): two queries never share a page.
        query = "&".join(f"{name}={request.GET.getlist(name)!r}" for name in query_params)
        # The session too: what a session carries (a second factor checked, a chosen territory)
        # may change the page for the same person.
        session_key = getattr(getattr(request, "session", None), "session_key", "") or ""
        raw_key = (
            f"{code_release()}|{content_version()}|{request.LANGUAGE_CODE}|{user.pk}|{session_key}|"
            f"{request.path}?{query}"
        )
        key = "member-page:" + hashlib.sha256(raw_key.encode()).hexdigest()
        parts = _member_page_parts(key)
        if parts is not None:
            content_type, pieces = parts
            response = HttpResponse(_filled(pieces, request), content_type=content_type)
            response["X-Page-Cache"] = "hit"
            response["Cache-Control"] = "private"
            return response
        response = _rendered(view, request, *args, **kwargs)
        if (
            _storable(response)
            and not getattr(getattr(request, "_messages", None), "used", False)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            content = _cut_slots(response.content.decode(response.charset))
            cache.set(key, (content, response["Content-Type"]), settings.MEMBER_PAGE_CACHE_SECONDS)
            _remember_member_page(key, response["Content-Type"], content)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper


# The pages this worker served last, split around their slots: a reading then costs no file read
# and no decompression of a few hundred kilobytes (a transcript with 200 codings is ~430 KB). The
# key holds the content version, so an entry is never stale; its age is bounded as in the cache.
MEMBER_PAGES_IN_PROCESS = 32
_member_pages: collections.OrderedDict = register_process_cache(
    collections.OrderedDict(),
    name="core.member_pages",
    bench="diagnostic.coding.transcript",
    reason="members' cached pages split around their tokens, in this worker: no file read a reading",
)
_SLOTS = re.compile(f"({_CSRF_SLOT}|{_KEY_SLOT})")


def _remember_member_page(key: str, content_type: str, content: str) -> tuple:
    pieces = tuple(piece if index % 2 else piece.encode() for index, piece in enumerate(_SLOTS.split(content)))
    _member_pages[key] = (time.monotonic() + settings.MEMBER_PAGE_CACHE_SECONDS, content_type, pieces)
    while len(_member_pages) > MEMBER_PAGES_IN_PROCESS:
        _member_pages.popitem(last=False)
    return content_type, pieces


def _member_page_parts(key: str) -> tuple | None:
    entry = _member_pages.get(key)
    if entry is not None and entry[0] > time.monotonic():
        return entry[1], entry[2]
    cached = cache.get(key)
    if cached is None:
        return None
    content, content_type = cached
    return _remember_member_page(key, content_type, content)


def _filled(pieces: tuple, request) -> bytes:
    """The page with a fresh masked CSRF token (one per page, as Django renders it) and a fresh
    one-time key in each form."""
    from django.middleware.csrf import get_token

    token = None
    out = []
    for index, piece in enumerate(pieces):
        if not index % 2:
            out.append(piece)
        elif piece == _CSRF_SLOT:
            token = token or get_token(request).encode()
            out.append(token)
        else:
            out.append(str(uuid.uuid4()).encode())
    return b"".join(out)


def _cut_slots(html: str) -> str:
    tokens = set(_CSRF_VALUE.findall(html))
    for token in tokens:
        html = html.replace(token, _CSRF_SLOT)
    return _SUBMISSION_KEY.sub(lambda match: match.group(1) + _KEY_SLOT + match.group(2), html)
