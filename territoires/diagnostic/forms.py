from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DateInput, DsfrForm, SubmissionKeyMixin
from territoires.diagnostic.geo import check_position
from territoires.diagnostic.kinds import EntryKind
from territoires.diagnostic.models import Entry

HELP = {
    "latitude": _("En degrés décimaux, par exemple 46.3237 pour Niort (nord positif)."),
    "longitude": _("En degrés décimaux, par exemple -0.4588 pour Niort (est positif, ouest négatif)."),
    "siret": _("14 chiffres ; la clé de contrôle est vérifiée."),
    "rna": _("Pour une association : W suivi de 9 caractères."),
    "contact_name": _("Visible des seuls membres du projet, jamais du public."),
    "bpe_code": _("Code TYPEQU de la base permanente des équipements de l'INSEE."),
}


class EntryForm(SubmissionKeyMixin, DsfrForm):
    """The fields of one kind of entry (`entry_form_class` adds them); the service checks them as a whole."""

    kind: type[EntryKind]

    def __init__(self, *args, entry: Entry | None, territory, families, **kwargs):
        super().__init__(*args, **kwargs)
        neighbours = Entry.objects.current().filter(territory=territory).exclude(pk=getattr(entry, "pk", None))
        if "family" in self.fields:
            self.fields["family"].queryset = families
            self.fields["family"].required = True
        if "operator" in self.fields:
            self.fields["operator"].queryset = neighbours.filter(kind=Entry.Kind.ACTOR)
        if "involved" in self.fields:
            self.fields["involved"].queryset = neighbours.exclude(kind=Entry.Kind.ENGAGEMENT)
        if "engagement_type" in self.fields:
            self.fields["engagement_type"].required = True
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs.update({"step": "any", "inputmode": "decimal"})
        if entry is not None and not self.is_bound:
            for name in self.fields:
                if name == "involved":
                    self.initial[name] = list(entry.involved.all())
                elif name != "submission_key":
                    self.initial[name] = getattr(entry, name)

    def clean(self):
        """The kind's checks and the position's, here too, so that every error shows at once."""
        data = super().clean()
        for check in (
            lambda: self.kind.clean(dict(data)),
            lambda: check_position(data.get("latitude"), data.get("longitude")),
        ):
            try:
                check()
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    if field in self.fields and field not in self.errors:
                        self.add_error(field, messages)
        return data

    def entry_data(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "submission_key"}


WIDGETS = {
    "starts_on": DateInput,
    "ends_on": DateInput,
    "description": forms.Textarea(attrs={"rows": 4}),
    "missions": forms.Textarea(attrs={"rows": 3}),
    "audiences": forms.Textarea(attrs={"rows": 3}),
    "accessibility": forms.Textarea(attrs={"rows": 3}),
    "involved": forms.CheckboxSelectMultiple,
}


def entry_form_class(kind: type[EntryKind]) -> type[EntryForm]:
    """The form of a kind: the model's fields that the kind names, in its order."""
    fields = fields_for_model(Entry, fields=kind.form_fields(), widgets=WIDGETS)
    for name, field in fields.items():
        if name in HELP:
            field.help_text = HELP[name]
    return type(f"{kind.__name__}Form", (EntryForm,), {**fields, "kind": kind})


class FamilyForm(DsfrForm):
    name = forms.CharField(label=_("Nom de la famille"), max_length=120)


class MergeForm(DsfrForm):
    duplicate = forms.ModelChoiceField(
        label=_("Fiche en double à fusionner dans celle-ci"), queryset=Entry.objects.none(), empty_label=None
    )

    def __init__(self, *args, entry: Entry, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        # The entries of the project this person may read (published ones of other territories
        # included): the service refuses, with its reason, a duplicate from another territory.
        self.fields["duplicate"].queryset = (
            candidates.filter(kind=entry.kind).exclude(pk=entry.pk)
            .select_related("territory__organisation").order_by("name", "pk")
        )  # fmt: skip
        self.fields["duplicate"].label_from_instance = lambda e: (
            f"{e.name} — {e.territory.organisation.name} (n° {e.pk})"
        )
