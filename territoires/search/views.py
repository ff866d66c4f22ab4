from django.shortcuts import render

from territoires.core.cache import public_page_cache
from territoires.search.selectors import FACET_FIELDS, search_documents
from territoires.search.text import MAX_QUERY_CHARS


def _search_page(request):
    outcome = search_documents(request.user, request.GET.get("q", ""), request.GET, request.GET.get("page"))
    searched = "q" in request.GET
    return render(request, "search/search.html", {"outcome": outcome, "searched": searched, "page_obj": outcome.page})


_cached_search_page = public_page_cache(_search_page, query_params=("q", "page", *FACET_FIELDS))


def search(request):
    # The page cache keys on the first 200 characters of each parameter: a longer query (refused with
    # a message) must not share the cached page of the valid query it starts with.
    if len(request.GET.get("q", "")) > MAX_QUERY_CHARS:
        return _search_page(request)
    return _cached_search_page(request)
