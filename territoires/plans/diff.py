"""Two versions of a plan compared in words: what a council member or a resident reads to know
what changed between the version they saw and this one."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What each part of a plan is called, and which of its fields a reader cares about.
_PARTS = (
    ("axes", "title", {"title": gettext_lazy("intitulé"), "description": gettext_lazy("description")}),
    (
        "objectives",
        "title",
        {"title": gettext_lazy("intitulé"), "description": gettext_lazy("description"), "axis": gettext_lazy("axe")},
    ),
    (
        "actions",
        "title",
        {
            "title": gettext_lazy("intitulé"),
            "description": gettext_lazy("description"),
            "lead": gettext_lazy("pilote"),
            "budget": gettext_lazy("budget"),
            "starts_on": gettext_lazy("début"),
            "ends_on": gettext_lazy("fin"),
            "objective": gettext_lazy("objectif"),
            "audiences": gettext_lazy("publics visés"),
        },
    ),
    (
        "indicators",
        "name",
        {
            "name": gettext_lazy("nom"),
            "unit": gettext_lazy("unité"),
            "baseline": gettext_lazy("valeur de départ"),
            "target": gettext_lazy("cible"),
            "target_on": gettext_lazy("date de la cible"),
        },
    ),
)

_NOUNS = {
    "axes": (
        gettext_lazy("L'axe « %(name)s » est ajouté."),
        gettext_lazy("L'axe « %(name)s » est retiré."),
        gettext_lazy("Axe « %(name)s »"),
    ),
    "objectives": (
        gettext_lazy("L'objectif « %(name)s » est ajouté."),
        gettext_lazy("L'objectif « %(name)s » est retiré."),
        gettext_lazy("Objectif « %(name)s »"),
    ),
    "actions": (
        gettext_lazy("L'action « %(name)s » est ajoutée."),
        gettext_lazy("L'action « %(name)s » est retirée."),
        gettext_lazy("Action « %(name)s »"),
    ),
    "indicators": (
        gettext_lazy("L'indicateur « %(name)s » est ajouté."),
        gettext_lazy("L'indicateur « %(name)s » est retiré."),
        gettext_lazy("Indicateur « %(name)s »"),
    ),
}

_LONG = ("description",)


def _shown(value) -> str:
    if value in (None, "", []):
        return _("(vide)")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def versions_diff(old: dict, new: dict) -> list[str]:
    """Sentences saying what changed from `old` to `new` (snapshots from services.plan_snapshot)."""
    sentences = []
    if old.get("title") != new.get("title"):
        sentences.append(
            _("Le titre du plan devient « %(new)s » (il était « %(old)s »).")
            % {"new": new.get("title"), "old": old.get("title")}
        )
    if old.get("summary") != new.get("summary"):
        sentences.append(_("La présentation du plan est modifiée."))
    for part, name_field, fields in _PARTS:
        added, removed, named = _NOUNS[part]
        before = {item["id"]: item for item in old.get(part, [])}
        after = {item["id"]: item for item in new.get(part, [])}
        for pk, item in after.items():
            if pk not in before:
                sentences.append(added % {"name": item[name_field]})
        for pk, item in before.items():
            if pk not in after:
                sentences.append(removed % {"name": item[name_field]})
        for pk in after.keys() & before.keys():
            changes = []
            for field, label in fields.items():
                was, now = before[pk].get(field), after[pk].get(field)
                if was == now:
                    continue
                if field in _LONG or field in ("axis", "objective"):
                    changes.append(_("%(field)s modifié(e)") % {"field": label})
                else:
                    changes.append(
                        _("%(field)s : « %(old)s » → « %(new)s »")
                        % {"field": label, "old": _shown(was), "new": _shown(now)}
                    )
            if changes:
                sentences.append(f"{named % {'name': after[pk][name_field]}} : {' ; '.join(changes)}.")
    return sentences
