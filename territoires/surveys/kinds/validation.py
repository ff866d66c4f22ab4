"""Shared pieces of answer validation: the French messages and the small helpers the kinds use.

Kept apart from schema.py so that the kinds (which schema.py compiles into each question) can use
them without importing schema.py back.
"""

import math
import re

from django.utils.translation import gettext_lazy

from territoires.surveys.models import OTHER

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000
OTHER_TEXT_MAX = SHORT_TEXT_MAX
# Metropolitan and overseas French postcodes (01000–98999; Corsica's 20xxx included).
POSTCODE_RE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")
# Control characters other than tab and line breaks: never useful in an answer, and PostgreSQL's
# jsonb refuses NUL outright (a 500 if it got that far).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# What a fast check returns when the value needs the general path (see schema.py).
SLOW_PATH = object()

MESSAGES = {
    "required": gettext_lazy("Cette question est obligatoire."),
    "unknown_choice": gettext_lazy("Ce choix ne fait pas partie des réponses proposées."),
    "not_offered": gettext_lazy("Ce choix n'est pas proposé compte tenu de vos réponses précédentes."),
    "not_a_list": gettext_lazy("Réponse invalide : une liste de choix est attendue."),
    "duplicate": gettext_lazy("Un même choix est donné plusieurs fois."),
    "other_missing": gettext_lazy("Précisez votre réponse « Autre »."),
    "other_too_long": gettext_lazy("La précision « Autre » dépasse %(max)s caractères."),
    "not_integer": gettext_lazy("Donnez un nombre entier entre %(min)s et %(max)s."),
    "not_number": gettext_lazy("Donnez un nombre."),
    "not_whole": gettext_lazy("Donnez un nombre entier."),
    "too_small": gettext_lazy("Le nombre doit être supérieur ou égal à %(min)s."),
    "too_large": gettext_lazy("Le nombre doit être inférieur ou égal à %(max)s."),
    "not_text": gettext_lazy("Réponse invalide : un texte est attendu."),
    "too_long": gettext_lazy("Le texte dépasse %(max)s caractères (%(length)s reçus)."),
    "ranking": gettext_lazy("Classez chaque proposition une seule fois, de 1 à %(count)s."),
    "matrix_type": gettext_lazy("Réponse invalide : une note par ligne est attendue."),
    "matrix_row": gettext_lazy("Ligne inconnue dans ce tableau."),
    "matrix_value": gettext_lazy("Ligne « %(row)s » : donnez une note entre %(min)s et %(max)s."),
    "matrix_missing": gettext_lazy("Répondez à chaque ligne du tableau."),
    "date": gettext_lazy("Donnez une date valide (jour, mois, année)."),
    "date_range": gettext_lazy("La date doit être comprise entre 1900 et 2100."),
    "date_future": gettext_lazy("La date ne peut pas être dans le futur (au plus tard le %(today)s)."),
    "postcode": gettext_lazy("Donnez un code postal français à cinq chiffres, par exemple 79000."),
    "neighbourhood": gettext_lazy("Ce quartier ne fait pas partie de la liste du territoire."),
    "too_many": gettext_lazy("Choisissez au plus %(max)s réponses."),
    "geopoint": gettext_lazy(
        "Donnez une position : une latitude entre -90 et 90 et une longitude entre -180 et 180, en degrés décimaux."
    ),
    "pattern": gettext_lazy("La réponse n'a pas la forme attendue."),
}


def message(key: str, **params) -> str:
    text = str(MESSAGES[key])
    return text % params if params else text


def as_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ".").replace("\u202f", "").replace(" ", ""))
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def format_number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def clean_text(value, limit: int) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(message("not_text"))
    text = CONTROL_RE.sub("", value).strip()
    if len(text) > limit:
        raise ValueError(message("too_long", max=f"{limit:,}".replace(",", "\u202f"), length=len(text)))
    return text


def clean_scale_value(value, question):
    from territoires.surveys.models import DONT_KNOW

    if question.allow_dont_know and value == DONT_KNOW:
        return DONT_KNOW
    number = as_number(value)
    scale = question.scale
    if number is None or not number.is_integer() or int(number) not in scale:
        raise ValueError(message("not_integer", min=scale.start, max=scale.stop - 1))
    return int(number)


def clean_other(question, chosen: bool, raw: dict, cleaned: dict) -> None:
    if not chosen:
        return
    text = raw.get(question.other_field)
    if not isinstance(text, str) or not CONTROL_RE.sub("", text).strip():
        raise ValueError(message("other_missing"))
    text = CONTROL_RE.sub("", text).strip()
    if len(text) > OTHER_TEXT_MAX:
        raise ValueError(message("other_too_long", max=OTHER_TEXT_MAX))
    cleaned[question.other_field] = text


def other_code_of(question) -> str:
    return OTHER


def constraint_error(question, default: str) -> ValueError:
    """The question's own constraint message when it has one (XLSForm constraint_message)."""
    return ValueError(question.constraint_message or default)
