from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from territoires.core.sql import first_instance


class AccountBackend(ModelBackend):
    """Django's model backend (e-mail and password, permissions), loading the signed-in user from
    plain SQL: it runs on every request of a signed-in user (see territoires/core/sql.py)."""

    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = first_instance(model, **{model._meta.pk.name: pk}) if pk is not None else None
        return user if user is not None and self.user_can_authenticate(user) else None
