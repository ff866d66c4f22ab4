"""Official identifiers of an actor: SIRET (INSEE's establishment number) and RNA (the national
register of associations)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

RNA_PATTERN = re.compile(r"^W[0-9][0-9A-Z][0-9]{7}$")
# La Poste's establishments do not follow the Luhn key (INSEE's documented exception).
LA_POSTE_SIREN = "356000000"


def normalise_siret(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2 == 1:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return total % 10 == 0


def validate_siret(value: str) -> None:
    siret = normalise_siret(value)
    if not siret:
        return
    if not (len(siret) == 14 and siret.isascii() and siret.isdigit()):
        raise ValidationError(_("Un numéro SIRET compte 14 chiffres."), code="siret_length")
    if siret.startswith(LA_POSTE_SIREN):
        if sum(int(char) for char in siret) % 5 != 0:
            raise ValidationError(_("Ce numéro SIRET n'est pas valide (clé de contrôle)."), code="siret_key")
        return
    if not luhn_ok(siret):
        raise ValidationError(_("Ce numéro SIRET n'est pas valide (clé de contrôle)."), code="siret_key")


def normalise_rna(value: str) -> str:
    return re.sub(r"\s", "", value or "").upper()


def validate_rna(value: str) -> None:
    rna = normalise_rna(value)
    if rna and not RNA_PATTERN.match(rna):
        raise ValidationError(
            _("Un numéro RNA s'écrit W suivi de 9 caractères (par exemple W751234567)."), code="rna_format"
        )
