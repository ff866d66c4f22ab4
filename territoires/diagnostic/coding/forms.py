from django import forms
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DsfrForm, SubmissionKeyMixin, id_from
from territoires.diagnostic.coding.models import Code
from territoires.diagnostic.coding.services import MAX_MEMO_LENGTH


def codebook_choices(codes, *, blank=None) -> list:
    """The codebook in tree order, sub-codes indented, for a select."""
    by_parent: dict = {}
    for code in codes:
        by_parent.setdefault(code.parent_id, []).append(code)
    choices = [("", blank)] if blank is not None else []

    def walk(parent_id, depth):
        for code in by_parent.get(parent_id, []):
            choices.append((str(code.pk), f"{'— ' * depth}{code.name}"))
            walk(code.pk, depth + 1)

    walk(None, 0)
    return choices


def tree_order(codes) -> list[tuple[Code, int]]:
    """(code, depth) in the codebook's order: each code followed by its sub-codes."""
    by_parent: dict = {}
    for code in codes:
        by_parent.setdefault(code.parent_id, []).append(code)
    ordered = []

    def walk(parent_id, depth):
        for code in by_parent.get(parent_id, []):
            ordered.append((code, depth))
            walk(code.pk, depth + 1)

    walk(None, 0)
    known = {code.pk for code, _depth in ordered}
    ordered += [(code, 0) for code in codes if code.pk not in known]  # a broken parent chain still shows
    return ordered


class CodeForm(DsfrForm):
    name = forms.CharField(label=_("Nom du code"), max_length=120)
    parent = forms.ChoiceField(label=_("Rangé sous"), required=False)
    definition = forms.CharField(
        label=_("Définition"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Quand appliquer ce code, et quand ne pas l'appliquer."),
    )  # fmt: skip
    example = forms.CharField(
        label=_("Exemple"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Un passage typique, sans nom de personne."),
    )  # fmt: skip
    colour = forms.CharField(
        label=_("Couleur"), max_length=7, initial="#6a6af4", widget=forms.TextInput(attrs={"type": "color"}),
        help_text=_("Elle surligne les passages ; le nom du code est toujours écrit à côté."),
    )  # fmt: skip

    def __init__(self, *args, codes, code=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.codes = {c.pk: c for c in codes}
        choices = [(pk, label) for pk, label in codebook_choices(codes) if code is None or pk != str(code.pk)]
        self.fields["parent"].choices = [("", _("Aucun : code de premier niveau"))] + choices

    def clean_parent(self):
        value = self.cleaned_data.get("parent")
        if not value:
            return None
        code = self.codes.get(id_from(value))
        if code is None:
            raise forms.ValidationError(_("Choisissez un code de la grille de ce projet."))
        return code


class CodeDeleteForm(DsfrForm):
    target = forms.ChoiceField(
        label=_("Fusionner avec"),
        required=False,
        help_text=_(
            "Les passages codés avec ce code le seront avec celui-ci ; sans choix, le code n'est supprimé que s'il n'est appliqué nulle part."
        ),
    )

    def __init__(self, *args, codes, code, **kwargs):
        super().__init__(*args, **kwargs)
        self.codes = {c.pk: c for c in codes if c.pk != code.pk}
        self.fields["target"].choices = codebook_choices(
            [c for c in codes if c.pk != code.pk], blank=_("Ne pas fusionner : supprimer le code")
        )

    def clean_target(self):
        value = self.cleaned_data.get("target")
        if not value:
            return None
        code = self.codes.get(id_from(value))
        if code is None:
            raise forms.ValidationError(_("Choisissez un autre code de la grille de ce projet."))
        return code


class CodingForm(SubmissionKeyMixin, DsfrForm):
    """The passage by its offsets (filled by the script from a selection, typed without it)."""

    start = forms.IntegerField(
        label=_("Début du passage"), min_value=0, max_value=10**9,
        help_text=_("Position du premier caractère, à partir de 0."),
    )  # fmt: skip
    end = forms.IntegerField(
        label=_("Fin du passage"), min_value=0, max_value=10**9,
        help_text=_("Position juste après le dernier caractère."),
    )  # fmt: skip
    codes = forms.MultipleChoiceField(label=_("Codes à appliquer"), widget=forms.CheckboxSelectMultiple)
    participant = forms.ChoiceField(label=_("Personne qui parle"), required=False)
    memo = forms.CharField(
        label=_("Mémo"), required=False, max_length=MAX_MEMO_LENGTH, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Une remarque d'analyse sur ce passage (facultatif)."),
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31)

    def __init__(self, *args, codes, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.codes = {c.pk: c for c in codes}
        self.fields["codes"].choices = codebook_choices(codes)
        self.fields["codes"].error_messages["invalid_choice"] = _(
            "Choisissez des codes de la grille de ce projet : « %(value)s » n'en fait pas partie."
        )
        self.fields["codes"].error_messages["required"] = _("Choisissez au moins un code.")
        self.fields["start"].error_messages["invalid"] = _("Le début du passage s'écrit en nombre de caractères.")
        self.fields["end"].error_messages["invalid"] = _("La fin du passage s'écrit en nombre de caractères.")
        # Same words as the service's refusal, with the count the coder has to cut down from.
        self.fields["memo"].error_messages["max_length"] = _(
            "Le mémo tient en %(limit_value)d caractères au plus : le vôtre en compte %(show_value)d, raccourcissez-le."
        )
        self.participants = {p.pk: p for p in participants}
        if participants:
            self.fields["participant"].choices = [("", _("Non précisée"))] + [(str(p.pk), str(p)) for p in participants]
        else:
            del self.fields["participant"]

    def clean_codes(self):
        return [self.codes[int(pk)] for pk in self.cleaned_data["codes"]]

    def clean_participant(self):
        value = self.cleaned_data.get("participant")
        if not value:
            return None
        participant = self.participants.get(id_from(value))
        if participant is None:
            raise forms.ValidationError(_("Choisissez une personne interrogée dans cet entretien."))
        return participant
