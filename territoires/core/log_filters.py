"""Logging filters wired in config/settings.py LOGGING.

Django's `django.request` logger writes every 4xx response with the exception that caused it, so
each refused page (PermissionDenied → 403, Http404 → 404) printed a full traceback in the server
log and buried the real errors. A refusal is expected behaviour: one line is enough to follow it.
5xx records are left untouched, traceback included."""

import logging


class OneLineClientErrors(logging.Filter):
    """Rewrites a 4xx record of `django.request` as one line — status, method, path, user id —
    and drops its traceback. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is None or not 400 <= status < 500:
            return True
        request = getattr(record, "request", None)
        method = getattr(request, "method", "?")
        path = getattr(request, "path", "?")
        user = getattr(request, "user", None)
        user_id = getattr(user, "pk", None) if user is not None else None
        record.msg = "%s %s %s user=%s"
        record.args = (status, method, path, user_id if user_id is not None else "-")
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
