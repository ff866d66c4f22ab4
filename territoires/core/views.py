from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language

from territoires.core.cache import public_page_cache


def health(request):
    return HttpResponse("ok", content_type="text/plain")


@public_page_cache
def accessibility(request):
    return render(request, "core/accessibility.html")


@public_page_cache
def privacy(request):
    return render(request, "core/privacy.html")


def set_language(request, code):
    """Switch language from a plain link (no form, so public pages stay cacheable)."""
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if check_for_language(code) and code in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response
