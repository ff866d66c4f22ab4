from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoires.accounts.models import Membership, Organisation, User
from territoires.core.forms import DateInput, DateTimeInput, DsfrForm, DsfrModelForm, SubmissionKeyMixin
from territoires.core.validators import validate_pdf_upload
from territoires.projects.deliberations import (
    COUNT_FIELDS,
    DELIBERATION_FIELDS,
    MAX_COUNT,
    PRESENCE_FIELDS,
    REFERENCE_FIELDS,
    DeliberativeBody,
)
from territoires.projects.models import (
    MAX_PARTICIPANTS,
    CharterArticle,
    CommitteeMember,
    Decision,
    Meeting,
    Method,
    Participation,
    SharedProject,
    Signature,
)


class ThemeProposeForm(SubmissionKeyMixin, DsfrForm):
    organisation = forms.ModelChoiceField(label=_("Au nom de"), queryset=Organisation.objects.none(), empty_label=None)
    title = forms.CharField(label=_("Intitulé du thème"), max_length=200, min_length=5)
    description = forms.CharField(
        label=_("Pourquoi ce thème ?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        min_length=20,
        help_text=_("Décrivez l'enjeu, ce que votre collectivité en attend et ce qu'elle peut apporter."),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class OrganisationChoiceForm(DsfrForm):
    organisation = forms.ModelChoiceField(
        label=_("Collectivité"), queryset=Organisation.objects.none(), empty_label=None
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class ProjectForm(DsfrModelForm):
    class Meta:
        model = SharedProject
        fields = ["title", "summary", "description", "starts_on", "ends_on", "consultancy", "is_public"]
        widgets = {"starts_on": DateInput, "ends_on": DateInput, "description": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"description": _("Mise en forme Markdown possible (titres, listes, liens).")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultancy"].queryset = Organisation.objects.filter(kind=Organisation.Kind.CONSULTANCY)
        self.fields["consultancy"].empty_label = _("Pas de prestataire")


class MethodTemplateField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} — {obj.description}" if obj.description else obj.name


def method_template_field(*, required: bool = True) -> MethodTemplateField:
    """The choice of a method template, as the project creation and the theme conversion ask it; the
    form sets its queryset and preselects the default template (`offer_method_templates`)."""
    return MethodTemplateField(
        label=_("Méthode du projet"),
        queryset=Method.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        required=required,
        help_text=_(
            "Le projet en reçoit sa propre copie : modèle de charte, qualité des responsables au comité de "
            "pilotage, rubriques de la fiche territoire, phases et étapes. Vous pourrez l'adapter ensuite."
        ),
        error_messages={
            "required": _("Choisissez la méthode du projet."),
            "invalid_choice": _("Cette méthode n'est plus proposée : choisissez-en une autre."),
        },
    )


def offer_method_templates(form) -> None:
    from territoires.projects.methods import template_default, templates

    form.fields["method_template"].queryset = templates()
    if not form.is_bound:
        form.initial["method_template"] = template_default().pk


class ProjectCreateForm(SubmissionKeyMixin, ProjectForm):
    method_template = method_template_field()

    class Meta(ProjectForm.Meta):
        fields = ["title", "summary", "description", "starts_on", "ends_on", "consultancy"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_method_templates(self)


class MethodForm(SubmissionKeyMixin, DsfrForm):
    """A project's own method: its texts, the labels of its phases and steps, steps to add or remove."""

    lead_role_label = forms.CharField(
        label=_("Qualité du ou de la responsable de chaque collectivité au comité de pilotage"), max_length=150
    )
    context_heading = forms.CharField(label=_("Fiche territoire : première rubrique"), max_length=150)
    landscape_heading = forms.CharField(label=_("Fiche territoire : deuxième rubrique"), max_length=150)
    landscape_help = forms.CharField(
        label=_("Fiche territoire : aide de la deuxième rubrique"), max_length=250, required=False
    )
    attention_heading = forms.CharField(label=_("Fiche territoire : troisième rubrique"), max_length=150)

    TEXT_FIELDS = ("lead_role_label", "context_heading", "landscape_heading", "landscape_help", "attention_heading")

    def __init__(self, *args, method, done_codes=frozenset(), **kwargs):
        super().__init__(*args, initial={name: getattr(method, name) for name in self.TEXT_FIELDS}, **kwargs)
        self.method = method
        self.phases = method.phase_list()
        for phase in self.phases:
            self.fields[f"phase-{phase.pk}-label"] = forms.CharField(
                label=_("Intitulé de la phase"), max_length=200, initial=phase.label
            )
            self.fields[f"phase-{phase.pk}-description"] = forms.CharField(
                label=_("Description de la phase"), max_length=400, required=False, initial=phase.description
            )
            for number, step in enumerate(phase.step_list, 1):
                self.fields[f"step-{step.pk}-label"] = forms.CharField(
                    label=_("Étape %(number)d") % {"number": number}, max_length=200, initial=step.label
                )
                if step.code not in done_codes:
                    self.fields[f"step-{step.pk}-remove"] = forms.BooleanField(
                        label=_("Retirer l'étape « %(step)s »") % {"step": step.label}, required=False
                    )
            self.fields[f"phase-{phase.pk}-new"] = forms.CharField(
                label=_("Ajouter une étape à la fin de la phase"), max_length=200, required=False
            )
        # Group each phase's fields for the template: (phase, fields of the phase, [(step fields)]).
        self.phase_groups = [
            (
                phase,
                [self[f"phase-{phase.pk}-label"], self[f"phase-{phase.pk}-description"]],
                [
                    (
                        self[f"step-{step.pk}-label"],
                        self[f"step-{step.pk}-remove"] if f"step-{step.pk}-remove" in self.fields else None,
                    )
                    for step in phase.step_list
                ],
                self[f"phase-{phase.pk}-new"],
            )
            for phase in self.phases
        ]

    def clean(self):
        data = super().clean()
        for phase in self.phases:
            kept = [s for s in phase.step_list if not data.get(f"step-{s.pk}-remove")]
            if not kept and not data.get(f"phase-{phase.pk}-new"):
                self.add_error(
                    f"phase-{phase.pk}-label",
                    _("Une phase garde au moins une étape : ajoutez-en une avant de retirer la dernière."),
                )
        return data

    def changes(self) -> dict:
        """The keyword arguments of methods.method_update."""
        data = self.cleaned_data
        phases, steps, new_steps, removed = {}, {}, {}, []
        for phase in self.phases:
            phases[phase.pk] = {
                "label": data[f"phase-{phase.pk}-label"],
                "description": data[f"phase-{phase.pk}-description"],
            }
            if data.get(f"phase-{phase.pk}-new", "").strip():
                new_steps[phase.pk] = data[f"phase-{phase.pk}-new"].strip()
            for step in phase.step_list:
                steps[step.pk] = {"label": data[f"step-{step.pk}-label"]}
                if data.get(f"step-{step.pk}-remove"):
                    removed.append(step.pk)
        return {
            "values": {name: data[name] for name in self.TEXT_FIELDS},
            "phases": phases,
            "steps": steps,
            "new_steps": new_steps,
            "removed_steps": removed,
        }


class AddParticipantForm(DsfrForm):
    organisation = forms.ModelChoiceField(
        label=_("Collectivité"),
        empty_label=_("Choisir une collectivité"),
        queryset=Organisation.objects.filter(kind__in=Organisation.LOCAL_AUTHORITY_KINDS),
        help_text=_("Commune, intercommunalité, département ou région."),
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=Participation.Role.choices)

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            # Not the authorities already in the project, whatever their place (a pending or refused
            # observation request included): adding them again could only fail.
            self.fields["organisation"].queryset = self.fields["organisation"].queryset.exclude(
                participations__project=project
            )


DELIBERATION_HELP_TEXTS = {
    "deliberation_number": _("Par exemple D-2021-317."),
    "members_present": _("Présents et absents font le nombre de membres en exercice."),
    "members_represented": _("Absents ayant donné pouvoir à un membre présent ; 0 s'il n'y en a pas."),
    "members_absent": _("Tous les absents, qu'ils aient donné pouvoir ou non."),
    "votes_for": _(
        "Pour, contre, abstentions et ne prenant pas part au vote font le nombre de votants (présents et représentés)."
    ),
    "deliberation_document": _("Fichier PDF, 10 Mo au plus."),
}


def deliberation_fields_configure(form) -> None:
    """The deliberation's fields of a form on a DeliberationRecord (a charter signature, a plan's
    adoption): required where the law asks, counts bounded, the PDF upload. One place for both."""
    document = form.fields["deliberation_document"]
    document.required = True
    # The design system's upload component; the browser offers PDF files first.
    document.widget = forms.FileInput(attrs={"class": "fr-upload", "accept": "application/pdf,.pdf"})
    document.widget.group_class = "fr-upload-group"
    for name in (*REFERENCE_FIELDS, "members_in_office", *PRESENCE_FIELDS, "votes_for"):
        form.fields[name].required = True
    for name in ("members_represented", "votes_against", "abstentions", "not_taking_part"):
        form.fields[name].initial = 0
    # The model's own validation is skipped by these forms (the service builds the record): bound
    # the counts here, or a PostgreSQL smallint overflows into a server error.
    for name in COUNT_FIELDS:
        form.fields[name].validators.append(MaxValueValidator(MAX_COUNT))
        form.fields[name].widget.attrs["max"] = MAX_COUNT
    form.fields["deliberative_body"].choices = [("", _("Choisir l'instance")), *DeliberativeBody.choices]


class SignatureForm(SubmissionKeyMixin, DsfrModelForm):
    class Meta:
        model = Signature
        fields = [
            "signatory_name",
            "signatory_title",
            "signed_on",
            *DELIBERATION_FIELDS,
            "deliberation_document",
        ]
        widgets = {"signed_on": DateInput, "deliberation_date": DateInput}
        help_texts = DELIBERATION_HELP_TEXTS

    def __init__(self, *args, with_deliberation: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.with_deliberation = with_deliberation
        if not with_deliberation:
            for name in (*DELIBERATION_FIELDS, "deliberation_document"):
                del self.fields[name]
        else:
            deliberation_fields_configure(self)
        self.fields["signed_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if self.with_deliberation:
            # The service's checks run here too, so that every problem shows at once, not round by round.
            from territoires.projects.services import signature_check_deliberation

            try:
                signature_check_deliberation({**self.deliberation_values(), "signed_on": data.get("signed_on")})
            except forms.ValidationError as error:
                for field, messages in error.message_dict.items():
                    if field not in self.errors:
                        self.add_error(field if field in self.fields else None, messages)
        return data

    def clean_deliberation_document(self):
        document = self.cleaned_data.get("deliberation_document")
        if document:
            validate_pdf_upload(document)
        return document

    def deliberation_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in DELIBERATION_FIELDS if name in self.fields}

    def _post_clean(self):
        # The service builds the Signature; the model's own validation (which would need the charter
        # and the party) is not run on this partial instance.
        pass


class CharterVersionForm(SubmissionKeyMixin, DsfrForm):
    title = forms.CharField(label=_("Titre de la charte"), max_length=250)
    preamble = forms.CharField(label=_("Préambule"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class CharterArticleForm(DsfrForm):
    kind = forms.ChoiceField(label=_("Nature"), choices=CharterArticle.Kind.choices)
    title = forms.CharField(label=_("Titre"), max_length=250)
    body = forms.CharField(label=_("Texte"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000)


CharterArticleFormSet = forms.formset_factory(
    CharterArticleForm, extra=1, min_num=1, validate_min=True, max_num=30, validate_max=True, can_delete=True
)


class WithdrawalForm(SubmissionKeyMixin, DsfrForm):
    letter_received_on = forms.DateField(
        label=_("Date de réception du courrier recommandé"),
        widget=DateInput,
        required=False,
        help_text=_("Le retrait prend effet trois mois après cette date, une fois closes les actions engagées."),
    )
    reason = forms.CharField(
        label=_("Motif"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )


class WithdrawalCloseForm(DsfrForm):
    closed_on = forms.DateField(label=_("Date de clôture des actions engagées"), widget=DateInput, required=False)


class TerritoryForm(DsfrModelForm):
    class Meta:
        model = Participation
        fields = ["referent", "context", "cultural_landscape", "points_of_attention"]
        widgets = {
            "context": forms.Textarea(attrs={"rows": 5}),
            "cultural_landscape": forms.Textarea(attrs={"rows": 6}),
            "points_of_attention": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"cultural_landscape": _("Lieux, équipements, acteurs, dispositifs existants. Markdown possible.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from territoires.accounts.models import User

        # The sheet's headings are the project's method's ("Paysage culturel" for a cultural project).
        # (Bound fields, made by the design system's mixin already, copied the labels: set both.)
        method = self.instance.method
        if method is not None:
            for name, label, help_text in (
                ("context", method.context_heading, None),
                ("cultural_landscape", method.landscape_heading, method.landscape_help),
                ("points_of_attention", method.attention_heading, None),
            ):
                for target in (self.fields[name], self[name]):
                    target.label = label
                    if help_text is not None:
                        target.help_text = help_text

        self.fields["referent"].queryset = User.objects.filter(
            memberships__organisation=self.instance.organisation
        ).order_by("last_name")
        self.fields["referent"].empty_label = _("À désigner")


class PersonWithOrganisationsField(forms.ModelChoiceField):
    """A person shown with their organisations and roles in the project ("Anne Martin — Niort
    (élu·e)"): two namesakes, or an agent and an elected official, are told apart before being seated."""

    def label_from_instance(self, user):
        places = ", ".join(
            f"{membership.organisation.name} ({membership.get_role_display()})"
            for membership in getattr(user, "project_memberships", [])
        )
        return f"{user} — {places}" if places else str(user)


class CommitteeMemberForm(DsfrForm):
    user = PersonWithOrganisationsField(
        label=_("Personne"), queryset=User.objects.none(), empty_label=_("Choisir une personne")
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), empty_label=_("Choisir son organisation")
    )
    kind = forms.ChoiceField(
        label=_("Qualité"),
        choices=[("", _("Choisir sa qualité")), *CommitteeMember.Kind.choices],
        help_text=_(
            "Elle doit correspondre à son rôle dans l'organisation : un·e élu·e de la collectivité pour « Élu·e », "
            "une personne de l'Agence ou du prestataire pour ces qualités."
        ),
    )

    def __init__(self, *args, project, **kwargs):
        from territoires.projects.methods import committee_kind_choices

        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["kind"].choices = committee_kind_choices(project)  # the lead role as the method names it
        involved = [project.facilitator_organisation_id, project.consultancy_id] + [
            p.organisation_id for p in project.participations.all() if p.is_participant
        ]
        involved = [i for i in involved if i]
        self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=involved).order_by("name")
        memberships = Membership.objects.filter(organisation_id__in=involved).select_related("organisation")
        self.fields["user"].queryset = (
            User.objects.filter(memberships__organisation_id__in=involved, is_active=True)
            .distinct()
            .order_by("last_name", "first_name")
            .prefetch_related(
                Prefetch(
                    "memberships", queryset=memberships.order_by("organisation__name"), to_attr="project_memberships"
                )
            )
        )

    def clean(self):
        data = super().clean()
        person, organisation, kind = data.get("user"), data.get("organisation"), data.get("kind")
        if person and organisation and kind:
            from territoires.projects.services import committee_seat_check

            try:
                committee_seat_check(project=self.project, person=person, organisation=organisation, kind=kind)
            except forms.ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return data


class MeetingForm(SubmissionKeyMixin, DsfrModelForm):
    video_link = forms.URLField(label=_("Lien de visioconférence"), required=False, assume_scheme="https")
    minutes_file = forms.FileField(
        label=_("Compte rendu signé (PDF)"),
        required=False,
        help_text=_("Fichier PDF, 10 Mo au plus ; il remplace le précédent s'il y en a un."),
        widget=forms.FileInput(attrs={"class": "fr-upload", "accept": "application/pdf,.pdf"}),
    )
    decisions_text = forms.CharField(
        label=_("Décisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Une décision par ligne ; elles sont numérotées dans l'ordre. Responsable, échéance et suivi se "
            "renseignent ensuite sur la page de la réunion."
        ),
    )
    invite = forms.BooleanField(
        label=_("Envoyer l'invitation aux membres du comité"),
        required=False,
        initial=True,
        help_text=_("Chaque membre la reçoit une fois, dans ses notifications et par courriel."),
    )

    class Meta:
        model = Meeting
        fields = ["title", "starts_at", "place", "video_link", "agenda", "attendees", "minutes"]
        widgets = {
            "starts_at": DateTimeInput,
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "minutes": forms.Textarea(attrs={"rows": 6}),
            "attendees": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["minutes_file"].widget.group_class = "fr-upload-group"
        # Those who sit now, and those who attended this meeting before they left.
        attended = self.instance.attendees.values("pk") if self.instance.pk else CommitteeMember.objects.none()
        self.fields["attendees"].queryset = committee.members.filter(
            Q(left_at__isnull=True) | Q(pk__in=attended)
        ).select_related("user", "organisation")
        if self.instance.pk:
            # An existing meeting's invitations and decisions are handled from its page.
            del self.fields["invite"]
            del self.fields["decisions_text"]

    def clean(self):
        data = super().clean()
        if not data.get("place") and not data.get("video_link"):
            raise forms.ValidationError(_("Indiquez un lieu ou un lien de visioconférence."))
        return data

    def clean_minutes_file(self):
        document = self.cleaned_data.get("minutes_file")
        if document:
            validate_pdf_upload(document)
        return document


class DecisionForm(SubmissionKeyMixin, DsfrForm):
    """A decision recorded by the facilitator (with its status, when it is changed later)."""

    text = forms.CharField(label=_("Décision"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    owner = forms.ModelChoiceField(
        label=_("Responsable"), queryset=User.objects.none(), required=False, empty_label=_("À désigner")
    )
    due_on = forms.DateField(label=_("Échéance"), widget=DateInput, required=False)
    status = forms.ChoiceField(label=_("Statut"), choices=Decision.Status.choices, initial=Decision.Status.TODO)

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            pk__in=committee.members.current().values("user_id")
        ).order_by("last_name", "first_name")


class DecisionStatusForm(DsfrForm):
    """What the member in charge of a decision changes: its status."""

    status = forms.ChoiceField(label=_("Statut"), choices=Decision.Status.choices)


class DecisionFilterForm(DsfrForm):
    OPEN = "open"
    ALL = "all"

    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[(OPEN, _("À suivre (à faire ou en cours)")), (ALL, _("Toutes")), *Decision.Status.choices],
    )
    owner = forms.ModelChoiceField(
        label=_("Responsable"), queryset=User.objects.none(), required=False, empty_label=_("Tous")
    )
    overdue = forms.BooleanField(label=_("En retard seulement"), required=False)

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            pk__in=Decision.objects.filter(meeting__committee=committee).values("owner_id")
        ).order_by("last_name", "first_name")

    def filter(self, decisions):
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or self.OPEN
        if status == self.OPEN:
            decisions = decisions.open()
        elif status != self.ALL:
            decisions = decisions.filter(status=status)
        if data.get("owner"):
            decisions = decisions.filter(owner=data["owner"])
        if data.get("overdue"):
            decisions = decisions.overdue()
        return decisions


class ThemeConvertForm(SubmissionKeyMixin, DsfrForm):
    """The project's title and facilitating organisation, and what becomes of each interested authority."""

    title = forms.CharField(label=_("Titre du projet partagé"), max_length=250)
    facilitator_organisation = forms.ModelChoiceField(
        label=_("Organisation animatrice"), queryset=Organisation.objects.none(), empty_label=None
    )
    # Not required: without a choice the project gets the default template, as project_create does.
    method_template = method_template_field(required=False)

    PLACE_CHOICES = [
        (Participation.Role.PARTICIPANT, _("Participante")),
        (Participation.Role.OBSERVER, _("Observatrice")),
        ("later", _("Pas maintenant")),
    ]

    def __init__(self, *args, organisations, interested=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitator_organisation"].queryset = organisations
        offer_method_templates(self)
        self.interested = list(interested)
        # Pre-filled from the interests: the earliest ones participate (up to the maximum), the others observe.
        for index, organisation in enumerate(self.interested):
            self.fields[self.place_field(organisation)] = forms.ChoiceField(
                label=organisation.name,
                choices=self.PLACE_CHOICES,
                initial=Participation.Role.PARTICIPANT if index < MAX_PARTICIPANTS else Participation.Role.OBSERVER,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def place_field(organisation) -> str:
        return f"place_{organisation.pk}"

    def place_fields(self):
        return [self[self.place_field(organisation)] for organisation in self.interested]

    def chosen(self, role: str) -> list:
        return [o for o in self.interested if self.cleaned_data.get(self.place_field(o)) == role]

    def clean(self):
        data = super().clean()
        participants = self.chosen(Participation.Role.PARTICIPANT)
        if not self.interested:
            raise forms.ValidationError(
                _(
                    "Aucune collectivité n'a encore manifesté son intérêt pour ce thème : un projet partagé "
                    "réunit des collectivités. Invitez-en une à le soutenir avant d'en faire un projet."
                )
            )
        if not participants and not self.errors:
            raise forms.ValidationError(
                _(
                    "Choisissez au moins une collectivité participante : un projet partagé sans collectivité "
                    "n'aurait personne pour le conduire."
                )
            )
        if len(participants) > MAX_PARTICIPANTS:
            raise forms.ValidationError(
                _(
                    "Un projet partagé réunit au plus %(max)d collectivités participantes ; vous en avez choisi "
                    "%(n)d. Les autres peuvent le suivre comme observatrices."
                )
                % {"max": MAX_PARTICIPANTS, "n": len(participants)}
            )
        return data
