import pytest
from django.contrib.auth.models import AnonymousUser

from territoires.library.models import Resource
from territoires.library.scale import scale_library
from territoires.search.models import SearchDocument
from territoires.search.selectors import search_documents
from tests.factories import make_project

pytestmark = pytest.mark.django_db


def test_scaling_is_idempotent_and_searchable():
    make_project()
    assert scale_library(resources=30).created == 30
    assert scale_library(resources=30).created == 0
    assert scale_library(resources=40).created == 10
    assert Resource.objects.count() == SearchDocument.objects.filter(category="resource").count() == 40
    visible = Resource.objects.visible_to(AnonymousUser()).count()
    outcome = search_documents(AnonymousUser(), "habitants")
    assert 0 < outcome.total <= visible
    assert all(hit.document.audience == "public" for hit in outcome.hits)
