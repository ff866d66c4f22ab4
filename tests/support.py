"""Helpers shared by several test modules."""

from contextlib import contextmanager

from django.db import transaction
from django.test import override_settings


@contextmanager
def data_kept_for_the_module(django_db_blocker, build):
    """Build a data set once for a module, inside a transaction that each test's savepoint rolls
    back to, and that is itself rolled back when the module ends."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                data = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
