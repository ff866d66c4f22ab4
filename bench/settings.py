"""Settings of `make bench`: exactly the production settings (config.settings, driven by the
environment that bench/server.py sets), except that static files are collected into bench/.work/static,
so that a benchmark never races `make run` or `make test` collecting into var/static."""

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR

STATIC_ROOT = BASE_DIR / "bench" / ".work" / "static"
