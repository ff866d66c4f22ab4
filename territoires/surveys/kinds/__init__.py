"""Question kinds: one class per kind, registered here, owning everything that differs between
kinds — the builder's settings, validation (general and fast path), the questionnaire's widget,
export columns, XLSForm rows, dashboard arrays. The rest of the survey module looks the kind up
(`kind_of(question.kind)`) instead of testing `kind == …`.

Adding a kind: a `Question.Kind` member (and its migration), one module here that subclasses
`QuestionKind` and is imported at the bottom of this file, its widget and preview templates
(templates/surveys/collect/kinds/, templates/surveys/builder/kinds/), its tests — the README's
"Ajouter un type de question" walks through the integer, note and geopoint kinds.
"""

from territoires.surveys.kinds.base import QuestionKind

KINDS: dict[str, QuestionKind] = {}


def register(cls):
    """Class decorator: one shared instance per kind, under its `Question.Kind` value."""
    if cls.code in KINDS:
        raise ValueError(f"question kind {cls.code!r} registered twice")
    KINDS[str(cls.code)] = cls()
    return cls


def kind_of(code: str) -> QuestionKind | None:
    """The kind registered under `code`; None for a code this version does not know."""
    return KINDS.get(code)


def kinds_with(setting: str) -> tuple[str, ...]:
    """The codes of the kinds that use one of the builder's settings (base.OPTIONS, …)."""
    from territoires.surveys.models import Question

    return tuple(code for code in Question.Kind.values if code in KINDS and setting in KINDS[code].settings)


# Registration order is the order of Question.Kind (the builder's list).
from territoires.surveys.kinds import choice, date, geopoint, note, number, scale, text  # noqa: E402, F401
