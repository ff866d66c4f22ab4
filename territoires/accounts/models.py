from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


# How a closed account signs what it wrote (messages, resources, news…), everywhere it is shown.
CLOSED_ACCOUNT_NAME = _("Ancien·ne membre")


class User(AbstractUser):
    """A person with an account; logs in with their e-mail address."""

    username = None
    email = models.EmailField(_("adresse électronique"), unique=True)
    job_title = models.CharField(_("fonction"), max_length=200, blank=True)
    # Set when the person closes their account: the row stays so that their contributions keep an
    # author, but it no longer says who they were (territoires/accounts/services.py::account_close).
    closed_at = models.DateTimeField(_("compte fermé le"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        if self.closed_at:
            return str(CLOSED_ACCOUNT_NAME)
        return super().get_full_name()

    def clean(self):
        super().clean()
        # One address, one account, whatever the case it was typed in (login lower-cases it too).
        self.email = (self.email or "").strip().lower()


# The commune's code in the official geographic code: five digits, or 2A/2B and three digits in Corsica
# ([0-9], not \d, which would let other scripts' digits through).
INSEE_CODE_VALIDATOR = RegexValidator(
    r"^([0-9]{5}|2[AB][0-9]{3})$", _("Un code INSEE compte cinq caractères (ex. 79191).")
)


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        COMMUNE = "commune", _("Commune")
        EPCI = "epci", _("Intercommunalité")
        DEPARTMENT = "department", _("Département")
        REGION = "region", _("Région")
        NATIONAL_AGENCY = "national_agency", _("Agence nationale")
        CONSULTANCY = "consultancy", _("Prestataire")
        ASSOCIATION = "association", _("Association")

    LOCAL_AUTHORITY_KINDS = (Kind.COMMUNE, Kind.EPCI, Kind.DEPARTMENT, Kind.REGION)

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=220, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    insee_code = models.CharField(
        _("code INSEE"),
        max_length=5,
        blank=True,
        validators=[INSEE_CODE_VALIDATOR],
        help_text=_("Code officiel géographique de la commune, par exemple 79191 pour Niort."),
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    # How ProConnect names an agent's employer (the "siret" claim): an agent signing in for the first
    # time is proposed to this organisation, for its referent to confirm (accounts/proconnect.py).
    # db_default: rows written by code that predates the column (older migrations' states, raw
    # inserts) get an empty SIRET rather than failing.
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        blank=True,
        db_default="",
        validators=[RegexValidator(r"^[0-9]{14}$", _("Un SIRET compte quatorze chiffres."))],
        help_text=_(
            "Quatorze chiffres ; sert à proposer aux agents qui se connectent par ProConnect de rejoindre l'organisation."
        ),
    )
    department_code = models.CharField(_("département"), max_length=3, blank=True)
    website = models.URLField(_("site internet"), blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["insee_code"],
                condition=Q(kind="commune") & ~Q(insee_code=""),
                name="unique_commune_insee_code",
                violation_error_message=_("Une commune avec ce code INSEE existe déjà."),
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Organisation, self.name)
        super().save(*args, **kwargs)

    @property
    def is_local_authority(self) -> bool:
        return self.kind in self.LOCAL_AUTHORITY_KINDS

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.COMMUNE and not self.insee_code:
            raise ValidationError({"insee_code": _("Le code INSEE est obligatoire pour une commune.")})


# Slugs that are pages of their own next to `<slug>/` URLs (projets/nouveau/, themes/proposer/).
RESERVED_SLUGS = frozenset({"nouveau", "proposer"})


def unique_slug(model, text: str, field: str = "slug", max_length: int = 200) -> str:
    base = slugify(text)[:max_length] or "element"
    slug, suffix = base, 2
    while slug in RESERVED_SLUGS or model.objects.filter(**{field: slug}).exists():
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


class Membership(TimeStampedModel):
    """A person's role in an organisation; a person may belong to several organisations."""

    class Role(models.TextChoices):
        REFERENT = "referent", _("Référent·e")
        AGENT = "agent", _("Agent")
        ELECTED = "elected", _("Élu·e")
        CONSULTANT = "consultant", _("Consultant·e")
        FACILITATOR = "facilitator", _("Animateur·rice ANCT")
        PLATFORM_ADMIN = "platform_admin", _("Administrateur·rice de la plateforme")

    user = models.ForeignKey(User, verbose_name=_("personne"), on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("appartenance")
        verbose_name_plural = _("appartenances")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="one_membership_per_user_and_organisation",
                violation_error_message=_("Cette personne appartient déjà à cette organisation."),
            )
        ]
        ordering = ["organisation__name", "user__last_name"]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} ({self.organisation})"

    def get_absolute_url(self):
        return reverse("admin:accounts_membership_change", args=[self.pk])


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        from django.utils import timezone

        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(TimeStampedModel):
    """An invitation sent by e-mail to join an organisation with a role; accepted once, through a
    signed link (territoires/accounts/invitations.py), before it expires."""

    email = models.EmailField(_("adresse électronique"))
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(
        User, verbose_name=_("invité·e par"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Signed into the link; a new key (when the invitation is sent again) retires the previous link.
    key = models.CharField(max_length=64)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, verbose_name=_("acceptée par"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organisation} ({self.get_role_display()})"

    STATE_LABELS = {
        "pending": _("En attente"),
        "accepted": _("Acceptée"),
        "revoked": _("Annulée"),
        "expired": _("Expirée"),
    }

    @property
    def state(self) -> str:
        from django.utils import timezone

        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def state_label(self) -> str:
        return self.STATE_LABELS[self.state]


def personal_data_storage():
    from territoires.core.storage import private_storage

    return private_storage()


class PersonalDataExport(TimeStampedModel):
    """A person's download of what the platform holds about them: a ZIP built by a background task
    (territoires/accounts/personal_data_export.py), kept PERSONAL_DATA_EXPORT_DAYS days."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En préparation")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Prêt")
        FAILED = "failed", _("Échec")

    user = models.ForeignKey(User, verbose_name=_("personne"), on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Private storage, outside MEDIA_ROOT: served only to its owner by accounts:data_export_download.
    file = models.FileField(_("fichier"), upload_to="accounts/exports/", blank=True, storage=personal_data_storage)
    error = models.TextField(_("erreur"), blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("export de données personnelles")
        verbose_name_plural = _("exports de données personnelles")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user} — {self.created_at:%Y-%m-%d}"


class ProConnectIdentity(models.Model):
    """The ProConnect identity linked to an account: the provider's stable subject, the employer's
    SIRET as last given, and the organisation that SIRET designates, which the person is proposed
    to join until a referent (or the facilitation) confirms or declines."""

    class Status(models.TextChoices):
        NONE = "", _("Aucune demande")
        PENDING = "pending", _("Rattachement à confirmer")
        CONFIRMED = "confirmed", _("Rattachement confirmé")
        DECLINED = "declined", _("Rattachement refusé")

    user = models.OneToOneField(User, verbose_name=_("personne"), on_delete=models.CASCADE, related_name="proconnect")
    subject = models.CharField(_("identifiant ProConnect (sub)"), max_length=255, unique=True)
    siret = models.CharField(_("SIRET transmis"), max_length=14, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation proposée"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proconnect_requests",
    )
    status = models.CharField(_("rattachement"), max_length=10, choices=Status.choices, default=Status.NONE, blank=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("décidé par"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("lié le"), auto_now_add=True)
    last_sign_in_at = models.DateTimeField(_("dernière connexion ProConnect"), null=True, blank=True)

    class Meta:
        verbose_name = _("identité ProConnect")
        verbose_name_plural = _("identités ProConnect")

    def __str__(self):
        return f"{self.user} — ProConnect"
