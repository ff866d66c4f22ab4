"""exports views of the resident survey."""

from django.urls import path  # noqa: F401

urlpatterns = []
