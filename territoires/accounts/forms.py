from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from territoires.accounts.models import Organisation, User
from territoires.core.forms import DsfrForm, DsfrFormMixin, SubmissionKeyMixin


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


class InvitationForm(SubmissionKeyMixin, DsfrForm):
    """Who is invited, into which organisation (or a commune to add, by its INSEE code), with which role."""

    email = forms.EmailField(
        label=_("Adresse électronique de la personne invitée"),
        max_length=254,
        help_text=_("Elle reçoit un lien personnel pour créer son compte ou rejoindre l'organisation."),
    )
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none(), required=False)
    insee_code = forms.CharField(
        label=_("Code INSEE de la commune à ajouter"),
        required=False,
        max_length=5,
        help_text=_("Cinq caractères : 79191 pour Niort, 2A004 pour Ajaccio."),
    )
    name = forms.CharField(label=_("Nom de la commune à ajouter"), required=False, max_length=200)
    role = forms.ChoiceField(label=_("Rôle"))

    def __init__(self, *args, organisations, role_choices, may_create_authority: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.may_create_authority = may_create_authority
        field = self.fields["organisation"]
        field.queryset = organisations.order_by("name")
        self.fields["role"].choices = [("", _("Choisir un rôle")), *role_choices]
        if may_create_authority:
            field.empty_label = _("Une commune qui n'est pas encore sur la plateforme")
            field.help_text = _("Pour une commune absente de la liste, laissez ce choix et indiquez son code INSEE.")
        else:
            field.required = True
            field.empty_label = None
            del self.fields["insee_code"]
            del self.fields["name"]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_insee_code(self):
        return self.cleaned_data.get("insee_code", "").strip().upper()

    def clean(self):
        data = super().clean()
        if self.may_create_authority and not data.get("organisation") and "organisation" not in self.errors:
            if not data.get("insee_code"):
                self.add_error("insee_code", _("Choisissez une organisation, ou indiquez le code INSEE de la commune."))
            if not data.get("name"):
                self.add_error("name", _("Indiquez le nom de la commune à ajouter."))
        return data


class InvitationAcceptForm(SubmissionKeyMixin, DsfrForm):
    """A new account for the invited address: name and password (the address is the invitation's)."""

    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    job_title = forms.CharField(label=_("Fonction"), max_length=200, required=False)
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Au moins 8 caractères, pas uniquement des chiffres ; évitez un mot de passe courant ou proche de votre nom."
        ),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif password1:
            candidate = User(
                email=self.email, first_name=data.get("first_name", ""), last_name=data.get("last_name", "")
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class SubmissionOnlyForm(SubmissionKeyMixin, DsfrForm):
    """A confirmation button that must be stored once (accepting an invitation when signed in)."""


class AccountCloseForm(DsfrForm):
    """Closing an account: the person confirms with their password (or, for an account without one,
    which signs in through ProConnect, with their address) and ticks that they understood."""

    password = forms.CharField(
        label=_("Votre mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    email = forms.CharField(label=_("Votre adresse électronique"), max_length=254)
    understood = forms.BooleanField(
        label=_(
            "J'ai compris que la fermeture est définitive et que mes contributions restent, signées « Ancien·ne membre »."
        ),
    )

    def __init__(self, *args, has_password: bool, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["email" if has_password else "password"]


class OneTimeCodeForm(DsfrForm):
    """A code from the authentication application (six digits) or a backup code."""

    code = forms.CharField(
        label=_("Code à usage unique"),
        max_length=40,
        help_text=_("Les six chiffres affichés par votre application, ou l'un de vos codes de secours."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off"}),
    )
