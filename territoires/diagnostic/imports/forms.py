from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DsfrForm, SubmissionKeyMixin
from territoires.diagnostic.imports.mapping import REQUIRED, targets_for
from territoires.diagnostic.imports.models import ImportJob
from territoires.diagnostic.imports.presets import presets_for
from territoires.diagnostic.kinds import KINDS


class UploadForm(SubmissionKeyMixin, DsfrForm):
    target = forms.ChoiceField(
        label=_("Le fichier contient"), choices=ImportJob.Target.choices, initial=ImportJob.Target.DIRECTORY
    )
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_(
            "CSV (séparateur virgule ou point-virgule ; UTF-8, UTF-8 avec BOM ou Latin-1), classeur XLSX "
            "(première feuille) ou GeoJSON (points). La première ligne nomme les colonnes."
        ),
    )


class MappingForm(DsfrForm):
    """The preset, the kind of entries, the source and its year, then one column per field."""

    preset = forms.ChoiceField(label=_("Modèle de colonnes"), required=False)
    kind = forms.ChoiceField(label=_("Type des fiches à créer"), required=False)
    source = forms.CharField(
        label=_("Source"), max_length=200, help_text=_("Affichée sur chaque fiche, avec son année.")
    )
    source_year = forms.IntegerField(label=_("Année des données"), min_value=1900)

    def __init__(self, *args, job: ImportJob, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        self.fields["preset"].choices = [("", _("— aucun, je choisis les colonnes —"))] + [
            (preset.code, preset.label) for preset in presets_for(job.target)
        ]
        self.fields["source_year"].max_value = timezone.localdate().year + 1
        if job.target == ImportJob.Target.DIRECTORY:
            self.fields["kind"].choices = [(code, kind.plural) for code, kind in KINDS.items()]
            self.fields["kind"].required = True
        else:
            del self.fields["kind"]
        columns = [("", _("— aucune —"))] + [(column, column) for column in job.columns]
        self.target_names = []
        for target in targets_for(job.target):
            name = f"col_{target.code}"
            self.fields[name] = forms.ChoiceField(
                label=target.label, choices=columns, required=target.code in REQUIRED[job.target], help_text=target.help
            )
            self.target_names.append(name)

    def mapping_fields(self):
        return [self[name] for name in self.target_names]

    def mapping(self) -> dict:
        return {name[4:]: self.cleaned_data.get(name, "") for name in self.target_names}


def mapping_initial(job: ImportJob) -> dict:
    initial = {"preset": job.preset, "kind": job.kind, "source": job.source, "source_year": job.source_year}
    initial.update({f"col_{target}": column for target, column in job.mapping.items()})
    return initial
