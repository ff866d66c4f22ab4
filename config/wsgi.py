import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Objects created at start-up live for the whole process: keep them out of the garbage
# collector's generations, which otherwise cause most of the p99 latency (shared/LIMITS.md).
gc.freeze()
