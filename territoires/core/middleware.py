from django.http import QueryDict


def tile_source(url: str) -> str:
    """The CSP source of a map tile server (settings.MAP_TILE_URL): its origin, "{s}" subdomains as
    a wildcard; "" when none is set or it cannot be read."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "a"))
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return ""
    host = urlsplit(url).netloc.split("@")[-1]
    return f"{parts.scheme}://{host.replace('{s}', '*')}"


class ContentSecurityPolicyMiddleware:
    """A policy that needs no inline script: every script is a static file of ours. Images may also
    come from the map tile server when one is set (MAP_TILE_URL: Leaflet maps)."""

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        tiles = tile_source(settings.MAP_TILE_URL)
        if tiles:
            self.POLICY = self.POLICY.replace("img-src 'self' data:;", f"img-src 'self' data: {tiles};")

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.setdefault("Content-Security-Policy", self.POLICY)
        return response


class CookieLocaleMiddleware:
    """French unless the visitor chose another language with the footer link (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an English-language
    browser would get a half-translated page of a French public service; here the choice is explicit.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # override() restores the previous language afterwards, so nothing leaks to code that runs
        # after the request in the same thread (tests, management commands).
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class DuplicateSubmissionMiddleware:
    """A replay that raced its original (both passed `already_submitted`, the second then failed to
    record the same key) leads to the original's result, as a replay seen in time would, not to a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import redirect

        from territoires.core.idempotency import DuplicateSubmission, already_submitted

        if isinstance(exception, DuplicateSubmission) and (done_url := already_submitted(exception.key)):
            return redirect(done_url)
        return None


class NullCharacterMiddleware:
    """NUL characters are dropped from query strings and url-encoded forms.

    No text of the platform can contain one (nobody types it; it comes from pasted binary or a
    forged request), and PostgreSQL refuses it in any string parameter: a search for "%00" was a
    500. Dropping it lets the page answer as for the rest of the request and keeps what the person
    typed in a form (a refusal page lost it). Multipart forms (with files) are left to the forms,
    whose text fields refuse NUL characters with a message on the field: parsing them here would
    consume the stream that a view may need.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", "") or self._has_nul(request.GET):
            request.GET = self._without_nul(request.GET)
        if (
            request.method == "POST"
            and request.content_type == "application/x-www-form-urlencoded"
            and self._has_nul(request.POST)
        ):
            request.POST = self._without_nul(request.POST)
        return self.get_response(request)

    @staticmethod
    def _has_nul(query) -> bool:
        try:
            return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())
        except Exception:  # noqa: BLE001 - an unreadable body is the view's to refuse, with its own message
            return False

    @staticmethod
    def _without_nul(query) -> QueryDict:
        cleaned = QueryDict(mutable=True)
        for key, values in query.lists():
            cleaned.setlist(key.replace("\x00", ""), [value.replace("\x00", "") for value in values])
        cleaned._mutable = False
        return cleaned
