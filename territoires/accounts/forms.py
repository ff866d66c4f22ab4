from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DsfrFormMixin


class LoginForm(DsfrFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("Adresse électronique ou mot de passe incorrect."),
        "inactive": _("Ce compte est désactivé."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Adresse électronique")
        self.fields["password"].label = _("Mot de passe")

    def clean_username(self):
        # Addresses are stored in lower case (UserManager, User.clean): "Jean.Martin@Niort.fr" logs in too.
        return self.cleaned_data["username"].strip().lower()


class ResetForm(DsfrFormMixin, PasswordResetForm):
    pass


class NewPasswordForm(DsfrFormMixin, SetPasswordForm):
    pass
