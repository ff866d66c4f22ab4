from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DsfrForm, SubmissionKeyMixin


def _territory_choices(territories) -> list[tuple[str, str]]:
    return [(str(t.pk), t.organisation.name) for t in territories]


class ExportForm(DsfrForm):
    """What to export: the whole project (consultancy, facilitators) or one territory (its referent too)."""

    scope = forms.ChoiceField(label=_("Périmètre"))

    def __init__(self, *args, territories, whole_project: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Tout le projet (tous les territoires)"))] if whole_project else []
        self.fields["scope"].choices = choices + _territory_choices(territories)
        self.fields["scope"].required = not whole_project
        self.territories = {str(t.pk): t for t in territories}

    def territory(self):
        return self.territories.get(self.cleaned_data.get("scope") or "")


class _UploadForm(SubmissionKeyMixin, DsfrForm):
    extensions: tuple[str, ...] = ()
    max_mb_setting = ""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(self.extensions):
            raise ValidationError(
                _("Le fichier doit avoir l'extension %(ext)s (celui-ci s'appelle « %(name)s »).")
                % {"ext": " ou ".join(self.extensions), "name": upload.name[:100]}
            )
        limit = getattr(settings, self.max_mb_setting) * 1024 * 1024
        if upload.size > limit:
            raise ValidationError(
                _("Le fichier pèse %(size)s ; la limite est de %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        if upload.size == 0:
            raise ValidationError(_("Le fichier est vide."))
        return upload


class CodebookImportForm(_UploadForm):
    extensions = (".qdc", ".xml")
    max_mb_setting = "QDPX_CODEBOOK_MAX_MB"
    file = forms.FileField(
        label=_("Grille de codage REFI-QDA (.qdc)"),
        help_text=_(
            "Exportée de QualCoder, MAXQDA, ATLAS.ti ou NVivo. Un code déjà présent (même identifiant, ou même "
            "nom) est gardé tel quel ; les autres sont ajoutés à leur place dans la hiérarchie."
        ),
    )


class ProjectImportForm(_UploadForm):
    extensions = (".qdpx",)
    max_mb_setting = "QDPX_IMPORT_MAX_MB"
    territory = forms.ChoiceField(
        label=_("Territoire où importer les entretiens"),
        error_messages={
            "required": _("Choisissez un territoire du projet."),
            "invalid_choice": _("Choisissez un territoire du projet."),
        },
    )
    file = forms.FileField(
        label=_("Projet REFI-QDA (.qdpx)"),
        help_text=_(
            "Chaque source texte devient un entretien « importé » du territoire, avec ses passages codés, leurs "
            "mémos et leurs codeurs ; la grille du fichier est fusionnée dans celle du projet. Tout ou rien : au "
            "moindre problème, rien n'est ajouté et chaque problème est nommé."
        ),
    )

    def __init__(self, *args, territories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].choices = [("", _("— choisir —"))] + _territory_choices(territories)
        self.territories = {str(t.pk): t for t in territories}

    def clean_territory(self):
        value = self.cleaned_data["territory"]
        if value not in self.territories:
            raise ValidationError(_("Choisissez un territoire du projet."))
        return self.territories[value]
