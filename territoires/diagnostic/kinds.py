"""The three kinds of directory entries, each as one class that owns its form fields, its
validation and its card template (CONVENTIONS.md, "kinds as objects"). Views, forms and templates
ask the kind; none of them branches on `entry.kind`.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoires.diagnostic.identifiers import normalise_rna, normalise_siret, validate_rna, validate_siret

COMMON_FIELDS = ("name", "description", "neighbourhood", "address", "latitude", "longitude", "website")


class EntryKind:
    code: str
    label: str
    plural: str
    add_label: str
    fields: tuple[str, ...] = ()
    card_template: str

    @classmethod
    def form_fields(cls) -> tuple[str, ...]:
        return COMMON_FIELDS + cls.fields

    @classmethod
    def clean(cls, data: dict) -> dict:
        """Kind-specific checks on cleaned form data; raises a ValidationError by field."""
        return data


class ActorKind(EntryKind):
    code = "actor"
    label = gettext_lazy("Acteur")
    plural = gettext_lazy("Acteurs")
    add_label = gettext_lazy("Ajouter un acteur")
    fields = (
        "family",
        "legal_form",
        "missions",
        "audiences",
        "siret",
        "rna",
        "contact_name",
        "contact_email",
        "contact_phone",
    )
    card_template = "diagnostic/cards/_actor.html"

    @classmethod
    def clean(cls, data):
        errors = {}
        if "siret" in data:
            data["siret"] = normalise_siret(data["siret"])
            try:
                validate_siret(data["siret"])
            except ValidationError as error:
                errors["siret"] = error.messages
        if "rna" in data:
            data["rna"] = normalise_rna(data["rna"])
            try:
                validate_rna(data["rna"])
            except ValidationError as error:
                errors["rna"] = error.messages
        if "family" in data and data.get("family") is None:
            errors["family"] = [_("Choisissez la famille de cet acteur.")]
        if errors:
            raise ValidationError(errors)
        return data


class PlaceKind(EntryKind):
    code = "place"
    label = gettext_lazy("Lieu")
    plural = gettext_lazy("Lieux")
    add_label = gettext_lazy("Ajouter un lieu")
    fields = ("basilic_type", "bpe_code", "capacity", "accessibility", "operator")
    card_template = "diagnostic/cards/_place.html"

    @classmethod
    def clean(cls, data):
        if data.get("capacity") is not None and data["capacity"] > 200_000:
            raise ValidationError({"capacity": _("Une capacité de plus de 200 000 places est une erreur de saisie.")})
        return data


class EngagementKind(EntryKind):
    code = "engagement"
    label = gettext_lazy("Objet d'engagement")
    plural = gettext_lazy("Objets d'engagement")
    add_label = gettext_lazy("Ajouter un objet d'engagement")
    fields = ("engagement_type", "starts_on", "ends_on", "involved")
    card_template = "diagnostic/cards/_engagement.html"

    @classmethod
    def clean(cls, data):
        if not data.get("engagement_type"):
            raise ValidationError(
                {
                    "engagement_type": _(
                        "Dites s'il s'agit d'un événement, d'un festival, d'un programme, d'un collectif ou d'un réseau."
                    )
                }
            )
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            raise ValidationError({"ends_on": _("La fin ne peut précéder le début.")})
        return data


KINDS: dict[str, type[EntryKind]] = {kind.code: kind for kind in (ActorKind, PlaceKind, EngagementKind)}


def kind_of(code: str) -> type[EntryKind]:
    return KINDS[code]
