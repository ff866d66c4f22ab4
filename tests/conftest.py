import pytest
from django.core.cache import cache

from territoires.core.process_caches import reset_process_caches

# The S3-compatible server and bucket fixtures (s3_endpoint, s3_bucket).
pytest_plugins = ["tests.s3_support"]


@pytest.fixture(autouse=True)
def _isolated_environment(settings, tmp_path):
    """Each test gets its own media folder, an empty in-memory cache and empty per-process caches
    (every one registered in territoires/core/process_caches.py: no test clears one by hand)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Background tasks run inline in tests, so a test sees their result at once.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # django-axes refuses `client.login()` (it has no request to count); tests/accounts/test_throttling.py
    # turns it back on and signs in through the login page.
    settings.AXES_ENABLED = False
    # WhiteNoise would otherwise index every collected static file for each new test client (~1 s).
    settings.WHITENOISE_AUTOREFRESH = True
    cache.clear()
    reset_process_caches()
    yield
    reset_process_caches()
    cache.clear()


@pytest.fixture
def demo_project(db):
    from tests.factories import make_project

    return make_project()
