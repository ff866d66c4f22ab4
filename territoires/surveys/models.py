"""Resident survey: a questionnaire of a shared project, deployed in each participating territory,
answered online, in the field (offline-capable) or typed in from paper, read as weighted dashboards
and exported.

How answers are stored: one `Response` row per respondent with every answer in one JSON object
keyed by question code (see `ANSWER_FORMATS`). One row per respondent rather than one per answer:
a POST stores one row (about twice the throughput, shared/LIMITS.md), exports stream one row per
line, and dashboards never count in SQL — they read arrays kept in memory (territoires/surveys/
analytics), which is an order of magnitude faster than any `GROUP BY` over 3 million answer rows.
The weighting variables (territory, channel, age band, gender) are also copied into plain columns.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel
from territoires.core.receipts import new_receipt_code  # noqa: F401 — the migrations name it here

# Fixed category codes for the weighting variables, so that census margins and answers line up in
# every territory (INSEE publishes population by these bands and by sex).
AGE_BANDS = [
    ("15-24", _("15 à 24 ans")),
    ("25-34", _("25 à 34 ans")),
    ("35-49", _("35 à 49 ans")),
    ("50-64", _("50 à 64 ans")),
    ("65-79", _("65 à 79 ans")),
    ("80+", _("80 ans ou plus")),
]
GENDERS = [
    ("f", _("Femme")),
    ("m", _("Homme")),
    ("x", _("Autre ou ne souhaite pas répondre")),
]
# Genders with a census margin; respondents answering "x" keep the age-only adjustment.
WEIGHTED_GENDERS = ("f", "m")
DONT_KNOW = "nsp"  # the "don't know" answer of rating scales and matrices
OTHER = "other"  # the "other, please specify" option code; its text is stored under "<code>__other"

ANSWER_FORMATS = {
    # kind: JSON value stored in Response.answers[question.code]
    "single": 'option code: "a"',
    "multiple": 'list of option codes: ["a", "c"]',
    "rating": f'integer within the scale, or "{DONT_KNOW}"',
    "number": "number within the bounds",
    "short_text": "string (≤ 300 characters)",
    "long_text": "string (≤ 5,000 characters)",
    "ranking": 'option codes, most preferred first: ["b", "a", "c"]',
    "matrix": f'{{"row code": integer within the scale or "{DONT_KNOW}"}}',
    "date": '"YYYY-MM-DD"',
    "neighbourhood": "neighbourhood code from the deployment's list",
    "postcode": '"79000"',
    "age_band": "one of AGE_BANDS",
    "gender": "one of GENDERS",
    "integer": "integer within the bounds",
    "note": "(none: a text shown, never answered)",
    "geopoint": '{"lat": 46.3235, "lon": -0.4648} (WGS 84 degrees) or {"neighbourhood": "code"}',
}


class Survey(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("En cours de collecte")
        CLOSED = "closed", _("Close")

    project = models.ForeignKey(
        "projects.SharedProject", on_delete=models.PROTECT, related_name="surveys", verbose_name=_("projet")
    )
    title = models.CharField(_("titre"), max_length=200)
    title_en = models.CharField(_("titre (seconde langue)"), max_length=200, blank=True)
    introduction = models.TextField(
        _("introduction"), blank=True, help_text=_("Markdown. Affichée avant la première question.")
    )
    introduction_en = models.TextField(_("introduction (seconde langue)"), blank=True)
    thanks_message = models.TextField(_("message de remerciement"), blank=True)
    second_language = models.CharField(
        _("seconde langue"), max_length=5, blank=True, choices=[("en", _("Anglais"))], default=""
    )
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Bumped by every change of structure (questions, options, conditions): compiled forms and
    # analytics arrays are cached per (survey, structure_version).
    structure_version = models.PositiveIntegerField(_("version de structure"), default=1)
    # A new version of a questionnaire that already had answers (a breaking change) is a new survey.
    previous_version = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_versions",
        verbose_name=_("version précédente"),
    )
    # Non-audiences: respondents who attended none of the listed venues in the last twelve months.
    non_audience_question_code = models.CharField(_("question des lieux fréquentés"), max_length=60, blank=True)
    non_audience_option_codes = models.JSONField(_("lieux culturels comptés"), default=list, blank=True)
    # Raking trimming bounds (weights are clipped to [min, max] × the mean weight, then re-raked).
    weight_trim_min = models.FloatField(_("poids minimal"), default=0.2, validators=[MinValueValidator(0.01)])
    weight_trim_max = models.FloatField(_("poids maximal"), default=5.0, validators=[MinValueValidator(1.0)])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)

    class Meta:
        verbose_name = _("enquête")
        verbose_name_plural = _("enquêtes")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class Section(models.Model):
    """A page of the questionnaire; shown only when its condition matches (if any)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("titre"), max_length=200)
    title_en = models.CharField(_("titre (seconde langue)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (seconde langue)"), blank=True)
    # {"all": [{"question": "code", "op": "in" | "not_in" | "answered" | "gte" | "lte", "values": [...]}]}
    condition = models.JSONField(_("condition d'affichage"), default=dict, blank=True)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Choix unique")
        MULTIPLE = "multiple", _("Choix multiple")
        RATING = "rating", _("Échelle de notation")
        NUMBER = "number", _("Nombre")
        SHORT_TEXT = "short_text", _("Texte court")
        LONG_TEXT = "long_text", _("Texte long")
        RANKING = "ranking", _("Classement")
        MATRIX = "matrix", _("Tableau (lignes × échelle)")
        DATE = "date", _("Date")
        NEIGHBOURHOOD = "neighbourhood", _("Quartier")
        POSTCODE = "postcode", _("Code postal")
        AGE_BAND = "age_band", _("Tranche d'âge")
        GENDER = "gender", _("Genre")
        INTEGER = "integer", _("Nombre entier")
        NOTE = "note", _("Note (texte sans réponse)")
        GEOPOINT = "geopoint", _("Position (carte ou quartier)")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(_("position"), default=0)
    # The variable name in exports, XLSForm and answers: letters, digits and underscores.
    code = models.SlugField(_("code"), max_length=60)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    label = models.CharField(_("intitulé"), max_length=500)
    label_en = models.CharField(_("intitulé (seconde langue)"), max_length=500, blank=True)
    help_text = models.TextField(_("aide"), blank=True)
    help_text_en = models.TextField(_("aide (seconde langue)"), blank=True)
    required = models.BooleanField(_("réponse obligatoire"), default=False)
    # [{"code": "a", "label": "…", "label_en": "…"}] for single, multiple, ranking.
    options = models.JSONField(_("options"), default=list, blank=True)
    allow_other = models.BooleanField(_("option « Autre, précisez »"), default=False)
    max_choices = models.PositiveSmallIntegerField(_("nombre maximal de choix"), null=True, blank=True)
    # Cascading choices (XLSForm choice_filter, kinds/choice_filter.py): the options offered depend
    # on earlier answers. [{"question": "dep", "column": "dep", "op": "eq"}], each option carrying
    # {"filters": {"dep": "79"}}.
    choice_filter = models.JSONField(_("filtre des choix"), default=list, blank=True)
    # Rating scales and matrices.
    scale_min = models.SmallIntegerField(_("minimum de l'échelle"), null=True, blank=True)
    scale_max = models.SmallIntegerField(_("maximum de l'échelle"), null=True, blank=True)
    allow_dont_know = models.BooleanField(_("option « Ne sait pas »"), default=False)
    # Numbers.
    min_value = models.FloatField(_("valeur minimale"), null=True, blank=True)
    max_value = models.FloatField(_("valeur maximale"), null=True, blank=True)
    # An XLSForm-style constraint beyond the bounds: {"pattern": "regular expression" (texts),
    # "also": [9999, …] (numbers accepted outside the bounds: sentinel codes such as "no answer"),
    # "message": "French message shown when the answer breaks the constraint"}.
    constraint = models.JSONField(_("contrainte"), default=dict, blank=True)
    # Dates: refuse a day after today (a past event: "your last outing").
    no_future = models.BooleanField(_("pas de date dans le futur"), default=False)
    # Matrices: [{"code": "r1", "label": "…", "label_en": "…"}].
    rows = models.JSONField(_("lignes"), default=list, blank=True)
    condition = models.JSONField(_("condition d'affichage"), default=dict, blank=True)
    # A question that one territory adds for itself (None: asked in every territory).
    participation = models.ForeignKey(
        "projects.Participation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("territoire (question propre)"),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["section__position", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["survey", "code"], name="unique_question_code_per_survey")]

    def __str__(self):
        return f"{self.code} — {self.label}"

    @property
    def handler(self):
        """The kind's object (territoires/surveys/kinds/): what differs between kinds lives there."""
        from territoires.surveys.kinds import kind_of

        return kind_of(self.kind)


def new_public_token() -> str:
    return secrets.token_urlsafe(9)


class Deployment(TimeStampedModel):
    """The questionnaire in one participating territory: its public link, its collectors, its
    neighbourhoods and its census margins."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="deployments")
    participation = models.ForeignKey("projects.Participation", on_delete=models.PROTECT, related_name="+")
    public_token = models.CharField(_("jeton du lien public"), max_length=20, unique=True, default=new_public_token)
    is_open = models.BooleanField(_("collecte ouverte"), default=True)
    # [{"code": "centre", "label": "Centre-ville"}]
    neighbourhoods = models.JSONField(_("quartiers"), default=list, blank=True)

    class Meta:
        verbose_name = _("déploiement")
        verbose_name_plural = _("déploiements")
        constraints = [models.UniqueConstraint(fields=["survey", "participation"], name="one_deployment_per_territory")]

    def __str__(self):
        return f"{self.survey} — {self.participation.organisation}"


class Collector(models.Model):
    """A member of the territory's survey group, allowed to collect answers in the field."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="collectors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_collections")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enquêteur ou enquêtrice")
        verbose_name_plural = _("groupe d'enquête")
        constraints = [models.UniqueConstraint(fields=["deployment", "user"], name="unique_collector")]

    def __str__(self):
        return str(self.user)


class Response(models.Model):
    """One respondent's answers. Anonymous: no account, no IP address, no contact details."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("En ligne")
        FIELD = "field", _("Sur le terrain")
        PAPER = "paper", _("Questionnaire papier")

    # Every index is work on each answer stored, the platform's hottest write: only those a read
    # needs. The survey's is the (survey, id) index below, which serves both its lookups and the
    # dashboards' incremental reads; the receipt code's uniqueness is a constraint (on PostgreSQL a
    # unique field would add a second index for LIKE searches, which nothing makes).
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses", db_index=False)
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="responses")
    structure_version = models.PositiveIntegerField()
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    # The survey group member who collected it (field) or typed it in (paper); None online.
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Generated by the browser or the device: a resent answer is stored once.
    idempotency_key = models.UUIDField(unique=True)
    receipt_code = models.CharField(_("code de suivi"), max_length=12, default=new_receipt_code)
    submitted_at = models.DateTimeField(_("reçue le"), auto_now_add=True)
    collected_at = models.DateTimeField(_("recueillie le"), null=True, blank=True)  # device time (field)
    # The number written on a paper sheet, when the survey group numbers them: the entered answer
    # can then be found from the sheet and back. Unique per territory's deployment when given; a
    # database default too, so that an INSERT naming only the other columns still stores "".
    sheet_number = models.CharField(_("n° de feuille"), max_length=20, blank=True, default="", db_default="")
    answers = models.JSONField(_("réponses"), default=dict)
    age_band = models.CharField(max_length=8, blank=True, choices=AGE_BANDS)
    gender = models.CharField(max_length=2, blank=True, choices=GENDERS)
    # Demo and benchmark answers generated by a program, never mixed up with real ones.
    is_synthetic = models.BooleanField(_("synthétique"), default=False)

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        indexes = [models.Index(fields=["survey", "id"], name="response_survey_id")]
        constraints = [
            models.UniqueConstraint(fields=["receipt_code"], name="response_receipt_code_unique"),
            # Partial: online and field answers (no sheet) add nothing to this index.
            models.UniqueConstraint(
                fields=["deployment", "sheet_number"],
                condition=~models.Q(sheet_number=""),
                name="response_sheet_number_unique",
            ),
        ]

    def __str__(self):
        return self.receipt_code


class ContactRequest(models.Model):
    """A respondent who wants to hear what became of the survey. Stored apart from the answers, with
    no link to them, and never exported with them."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="contact_requests")
    email = models.EmailField(_("adresse électronique"))
    # The day only: a timestamp would let someone with database access pair it with the answer
    # submitted in the same second.
    created_on = models.DateField(_("reçue le"), auto_now_add=True)

    class Meta:
        verbose_name = _("demande de recontact")
        verbose_name_plural = _("demandes de recontact")

    def __str__(self):
        return self.email


class PopulationCell(models.Model):
    """Census population of one age band × gender cell of a territory (INSEE), the weighting target."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="population_cells")
    age_band = models.CharField(_("tranche d'âge"), max_length=8, choices=AGE_BANDS)
    gender = models.CharField(_("genre"), max_length=2, choices=GENDERS[:2])
    population = models.PositiveIntegerField(_("population"))
    source = models.CharField(_("source"), max_length=200, default="INSEE, recensement de la population")
    year = models.PositiveSmallIntegerField(_("année"), validators=[MinValueValidator(1950), MaxValueValidator(2100)])

    class Meta:
        verbose_name = _("effectif de population")
        verbose_name_plural = _("marges de population")
        constraints = [
            models.UniqueConstraint(fields=["deployment", "age_band", "gender"], name="unique_population_cell")
        ]

    def __str__(self):
        return f"{self.deployment} {self.age_band} {self.gender}: {self.population}"


class ReferenceFigure(models.Model):
    """A national reference figure shown beside the territories' (e.g. the share of non-audiences)."""

    indicator = models.SlugField(_("indicateur"), max_length=60)
    label = models.CharField(_("libellé"), max_length=200)
    value_percent = models.FloatField(_("valeur (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)])
    scope = models.CharField(_("champ"), max_length=200, default="France entière")
    source = models.CharField(_("source"), max_length=300)
    year = models.PositiveSmallIntegerField(_("année"))

    class Meta:
        verbose_name = _("chiffre de référence")
        verbose_name_plural = _("chiffres de référence")
        ordering = ["indicator", "-year"]

    def __str__(self):
        return f"{self.label} ({self.year})"


def private_storage():
    from territoires.core.storage import private_storage

    return private_storage()


class Export(TimeStampedModel):
    """An export built by a background task; the page polls its progress, then offers the file."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel (XLSX)")
        SAV = "sav", _("SPSS (.sav)")
        CODEBOOK = "codebook", _("Dictionnaire des variables")
        XLSFORM = "xlsform", _("XLSForm (KoboToolbox, ODK)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    options = models.JSONField(_("options"), default=dict, blank=True)  # delimiter, territory…
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    row_count = models.PositiveIntegerField(_("lignes"), default=0)
    # One territory (a participating authority's export) or None (every territory: leads only).
    deployment = models.ForeignKey(
        Deployment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exports",
        verbose_name=_("territoire"),
    )
    # Private storage, outside MEDIA_ROOT: never served by a media URL, only by the download view
    # that checks the permission (territoires/surveys/views/exports.py).
    file = models.FileField(_("fichier"), upload_to="surveys/exports/%Y/%m/", blank=True, storage=private_storage)
    error = models.TextField(_("erreur"), blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.survey} — {self.get_format_display()}"


class TextTopics(TimeStampedModel):
    """Topics found automatically in the free-text answers of one question (background task)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="text_topics")
    question_code = models.SlugField(max_length=60)
    # The deployments whose answers were analysed, ids sorted and comma-separated: a referent's
    # topics are computed on their territory's answers, a facilitator's on every territory's.
    scope = models.CharField(max_length=400, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    response_count = models.PositiveIntegerField(default=0)
    # [{"label": "…", "keywords": ["…"], "count": 12, "examples": [{"text": "…", "deployment": 3}]}]
    topics = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("thèmes des réponses libres")
        verbose_name_plural = _("thèmes des réponses libres")
        constraints = [
            models.UniqueConstraint(fields=["survey", "question_code", "scope"], name="unique_text_topics_scope")
        ]

    def __str__(self):
        return f"{self.survey} — {self.question_code}"
