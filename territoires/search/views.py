from django.shortcuts import render

from territoires.core.cache import public_page_cache
from territoires.search.selectors import FACET_FIELDS, search_documents


@public_page_cache(query_params=("q", "page", *FACET_FIELDS))
def search(request):
    outcome = search_documents(request.user, request.GET.get("q", ""), request.GET, request.GET.get("page"))
    searched = "q" in request.GET
    return render(request, "search/search.html", {"outcome": outcome, "searched": searched, "page_obj": outcome.page})
