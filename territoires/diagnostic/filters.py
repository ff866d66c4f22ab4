"""The directory's filters, one form for every page that selects entries: the list, the map and its
GeoJSON, the exports (and the network view, which reuses it).

`EntryFilterForm` reads a query string; a value that names nothing (a family of another project, a
made-up kind) is left out of the selection and reported on the field, never a 500. `filter_entries`
applies the cleaned filters to a QuerySet the caller already scoped to what the person may read
(`selectors.visible_entries`): filtering never widens access.

Parameter names are French, as the addresses users share: type (kind of entry), categorie (venue
type or nature of an object of engagement), domaine, famille, quartier, source, territoire, q.
"""

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DsfrForm
from territoires.diagnostic import codes, domains
from territoires.diagnostic.kinds import KINDS

FILTER_NAMES = ("territoire", "type", "famille", "categorie", "domaine", "quartier", "source", "q")

_BASILIC = {code for code, _label in codes.BASILIC_TYPES}
CATEGORY_CHOICES = [
    (_("Types de lieux"), codes.BASILIC_TYPES),
    (_("Natures d'objets d'engagement"), codes.ENGAGEMENT_TYPES),
]


class EntryFilterForm(DsfrForm):
    territoire = forms.ChoiceField(label=_("Territoire"), required=False)
    type = forms.ChoiceField(label=_("Type de fiche"), required=False)
    famille = forms.TypedChoiceField(label=_("Famille d'acteurs"), required=False, coerce=int, empty_value=None)
    categorie = forms.ChoiceField(label=_("Type de lieu ou d'objet"), required=False)
    domaine = forms.ChoiceField(label=_("Domaine"), required=False)
    quartier = forms.CharField(label=_("Quartier"), required=False, max_length=120, widget=forms.Select)
    source = forms.CharField(label=_("Source"), required=False, max_length=200, widget=forms.Select)
    q = forms.CharField(label=_("Nom contient"), required=False, max_length=100)

    def __init__(self, data=None, *, families, territories=None, facets=None, **kwargs):
        """`families`: the project's ActorFamily list; `territories`: its participating territories,
        or None on one territory's page (no territory filter there); `facets`: counts from
        `filter_facets`, shown beside each choice and listing the neighbourhoods and
        sources to choose from."""
        super().__init__(data, **kwargs)
        facets = facets or {}
        self._territory_ids = {}
        if territories is None:
            del self.fields["territoire"]
        else:
            self._territory_ids = {t.organisation.slug: t.pk for t in territories}
            self.fields["territoire"].choices = _with_all(
                [(t.organisation.slug, t.organisation.name) for t in territories], _("Tous")
            )
        self.fields["type"].choices = _with_all(
            _counted([(code, kind.plural) for code, kind in KINDS.items()], facets.get("kinds")), _("Tous")
        )
        self.fields["famille"].choices = _with_all(
            _counted([(f.pk, f.name) for f in families], facets.get("families")), _("Toutes")
        )
        self.fields["categorie"].choices = _with_all(
            [(group, _counted(choices, facets.get("categories"))) for group, choices in CATEGORY_CHOICES], _("Tous")
        )
        self.fields["domaine"].choices = _with_all(_counted(domains.DOMAIN_CHOICES, facets.get("domains")), _("Tous"))
        for name, facet in (("quartier", "neighbourhoods"), ("source", "sources")):
            values = sorted(facets.get(facet, {}).items())
            chosen = (self.data.get(name) or "") if self.is_bound else ""
            if chosen and chosen not in dict(values):
                values.append((chosen, 0))  # keep a shared address's choice visible
            self.fields[name].widget.choices = _with_all([(v, f"{v} ({n})") for v, n in values], _("Tous"))

    def filters(self) -> dict:
        """The valid, non-empty filters (an invalid one is dropped and keeps its error)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        result = {name: cleaned[name] for name in FILTER_NAMES if cleaned.get(name) not in (None, "")}
        if "territoire" in result:
            result["territoire"] = self._territory_ids[result["territoire"]]
        return result

    def filter(self, entries: QuerySet) -> QuerySet:
        return filter_entries(entries, self.filters())

    def query_string(self) -> str:
        """The valid filters as a query string (for the map's data and export links)."""
        from urllib.parse import urlencode

        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return urlencode([(name, cleaned[name]) for name in FILTER_NAMES if cleaned.get(name) not in (None, "")])


def filter_entries(entries: QuerySet, filters: dict) -> QuerySet:
    """`filters` as `EntryFilterForm.filters()` returns them (the territory as a Participation id)."""
    if "territoire" in filters:
        entries = entries.filter(territory_id=filters["territoire"])
    if "type" in filters:
        entries = entries.filter(kind=filters["type"])
    if "famille" in filters:
        entries = entries.filter(family_id=filters["famille"])
    if "categorie" in filters:
        category = filters["categorie"]
        entries = (
            entries.filter(basilic_type=category) if category in _BASILIC else entries.filter(engagement_type=category)
        )
    if "domaine" in filters:
        entries = entries.filter(domains.domain_q(filters["domaine"]))
    if "quartier" in filters:
        entries = entries.filter(neighbourhood=filters["quartier"])
    if "source" in filters:
        entries = entries.filter(source=filters["source"])
    if "q" in filters:
        entries = entries.filter(Q(name__icontains=filters["q"]))
    return entries


def _with_all(choices, label):
    return [("", label), *choices]


def _counted(choices, counts):
    if counts is None:
        return list(choices)
    return [(code, f"{label} ({counts.get(code, 0)})") for code, label in choices]


def filter_facets(entries: QuerySet) -> dict:
    """Counts beside each choice of the form, over the entries given (what the person may read):
    by kind, family, category, domain, neighbourhood and source. One grouped query over the
    combinations, summed here (one scan of the directory rather than six)."""
    from collections import Counter

    from django.db.models import Count

    fields = ("kind", "family_id", "basilic_type", "engagement_type", "bpe_code", "neighbourhood", "source")
    facets = {name: Counter() for name in ("kinds", "families", "categories", "domains", "neighbourhoods", "sources")}
    rows = entries.order_by().values_list(*fields).annotate(n=Count("pk")).order_by()
    for kind, family_id, basilic, engagement, bpe, neighbourhood, source, n in rows:
        for facet, value in (
            ("kinds", kind),
            ("families", family_id),
            ("categories", basilic),
            ("categories", engagement),
            ("domains", domains.domain_of(basilic, bpe)),
            ("neighbourhoods", neighbourhood),
            ("sources", source),
        ):
            if value not in (None, ""):
                facets[facet][value] += n
    return {name: dict(counter) for name, counter in facets.items()}
