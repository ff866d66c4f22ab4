"""Full-text search over the documents a user may see, with facets and highlighted snippets.

One query finds every match the user may see (ids, facet columns, score) in rank order; facets are
counted in Python from those rows; the page's documents and facet labels are then loaded by id.
The query count is fixed whatever the number of matches.
"""

import difflib
from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from territoires.search import backends
from territoires.search.access import reach_of
from territoires.search.models import SearchDocument
from territoires.search.registry import label_for
from territoires.search.text import (
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
    WORD_RE,
    highlight,
    query_terms,
    strip_accents,
    term_of,
)

PER_PAGE = 20
# Filters a user can set from the page, in the order the facets are shown.
FACET_FIELDS = ("category", "kind", "theme", "territory", "project", "licence", "year")
FACET_TITLES = {
    "category": _("Type de contenu"),
    "kind": _("Nature"),
    "theme": _("Thème"),
    "territory": _("Territoire"),
    "project": _("Projet"),
    "licence": _("Licence"),
    "year": _("Année"),
}
FACET_VALUES_SHOWN = 12
# The badge of each kind of result (DSFR illustrative colours), so that kinds tell apart at a glance.
CATEGORY_COLOURS = {
    "project": "purple-glycine",
    "theme": "green-menthe",
    "resource": "blue-ecume",
    "news": "orange-terre-battue",
    "event": "pink-tuile",
    "lesson": "green-archipel",
    "discussion": "brown-cafe-creme",
}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    field: str
    title: str
    values: list[FacetValue]


@dataclass
class SearchHit:
    document: SearchDocument
    title_html: str
    snippet_html: str

    @property
    def category_label(self):
        return self.document.get_category_display()

    @property
    def category_colour(self) -> str:
        return CATEGORY_COLOURS.get(self.document.category, "blue-ecume")

    @property
    def kind_label(self):
        return label_for("kind", self.document.kind) if self.document.kind else ""


@dataclass
class SearchOutcome:
    query: str = ""
    message: str = ""
    total: int = 0
    page: object = None
    hits: list[SearchHit] = field(default_factory=list)
    facets: list[Facet] = field(default_factory=list)
    filters: dict = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    # True when facets count only the RANKED_LIMIT best matches (the total is still exact).
    facets_sampled: bool = False
    # No result: a corrected query that finds something ("did you mean"), else "".
    suggestion: str = ""

    @property
    def groups(self) -> Facet | None:
        """The kinds of content found, shown above the results (the other facets beside them)."""
        return next((facet for facet in self.facets if facet.field == "category"), None)

    @property
    def side_facets(self) -> list[Facet]:
        return [facet for facet in self.facets if facet.field != "category"]


def clean_filters(params) -> dict:
    """Known filters with well-formed values only; anything forged is ignored, never an error."""
    filters = {}
    for name in FACET_FIELDS:
        value = (params.get(name) or "").strip()[:40]
        if not value:
            continue
        if name in ("theme", "territory", "project", "year"):
            if not value.isdigit() or len(value) > 12:
                continue
            filters[name] = int(value)
        elif name == "category":
            if value in SearchDocument.Category.values:
                filters[name] = value
        elif WORD_RE.fullmatch(value.replace("-", "_")):
            filters[name] = value
    return filters


class RankedMatches:
    """The ranked matches as a sequence for the paginator: the first RANKED_LIMIT are in memory, a
    page beyond them is fetched with its own ranked query (LIMIT/OFFSET)."""

    def __init__(self, rows, total, fetch):
        self.rows, self.total, self.fetch = rows, total, fetch

    def __len__(self):
        return self.total

    def __getitem__(self, index):
        if isinstance(index, slice) and (index.stop or 0) > len(self.rows):
            return self.fetch(limit=index.stop - index.start, offset=index.start)
        return self.rows[index]


def matching_rows(user, terms: list[str], words: list[str], filters: dict, **window) -> list[tuple]:
    """(id, category, kind, licence, territory_id, project_id, year, theme_ids) of the best visible matches."""
    return backends.ranked_matches(terms=terms, words=words, reach=reach_of(user), filters=filters, **window)[0]


def _facets(rows, filters: dict) -> list[Facet]:
    # Counted column by column with C-level Counters: a few milliseconds for a thousand rows.
    columns = list(zip(*rows, strict=True)) if rows else [()] * 8
    counters = {
        "category": Counter(columns[1]),
        "kind": Counter(columns[2]),
        "licence": Counter(columns[3]),
        "territory": Counter(columns[4]),
        "project": Counter(columns[5]),
        "year": Counter(columns[6]),
        "theme": Counter(map(int, " ".join(columns[7]).split())),
    }
    for counter in counters.values():
        counter.pop(None, None)
        counter.pop("", None)
    shown = {name: counter.most_common(FACET_VALUES_SHOWN) for name, counter in counters.items()}
    labels = _facet_labels({name: [value for value, _count in values] for name, values in shown.items()})
    facets = []
    for name in FACET_FIELDS:
        values = [
            FacetValue(str(value), labels[name].get(value, str(value)), count, filters.get(name) == value)
            for value, count in shown[name]
        ]
        if name == "year":
            values.sort(key=lambda v: v.value, reverse=True)
        elif name == "category":
            order = list(SearchDocument.Category.values)
            values.sort(key=lambda v: order.index(v.value) if v.value in order else len(order))
        if values:
            facets.append(Facet(name, str(FACET_TITLES[name]), values))
    return facets


def _facet_labels(values: dict) -> dict:
    from territoires.projects.models import Participation, SharedProject, Theme

    labels = {name: {} for name in FACET_FIELDS}
    labels["category"] = {code: str(label) for code, label in SearchDocument.Category.choices}
    labels["kind"] = {code: label_for("kind", code) for code in values["kind"]}
    labels["licence"] = {code: label_for("licence", code) for code in values["licence"]}
    if values["theme"]:
        labels["theme"] = dict(Theme.objects.filter(id__in=values["theme"]).values_list("id", "title"))
    if values["territory"]:
        labels["territory"] = dict(
            Participation.objects.filter(id__in=values["territory"]).values_list("id", "organisation__name")
        )
    if values["project"]:
        labels["project"] = dict(SharedProject.objects.filter(id__in=values["project"]).values_list("id", "title"))
    return labels


def search_documents(user, query: str, params=None, page_number=1, per_page: int = PER_PAGE) -> SearchOutcome:
    query = (query or "").strip()
    filters = clean_filters(params or {})
    outcome = SearchOutcome(query=query[:MAX_QUERY_CHARS], filters=filters)
    if not query:
        outcome.message = str(_("Saisissez un ou plusieurs mots à rechercher."))
        return outcome
    if len(query) > MAX_QUERY_CHARS:
        outcome.message = str(
            _("Votre recherche est trop longue : %(limit)s caractères au plus. Raccourcissez-la.")
            % {"limit": MAX_QUERY_CHARS}
        )
        return outcome
    terms = query_terms(query)
    if not terms:
        outcome.message = str(_("Votre recherche ne contient aucun mot significatif : précisez-la."))
        return outcome
    words = [word for word in WORD_RE.findall(query) if term_of(word)]
    rows, known_total = backends.ranked_matches(terms=terms, words=words, reach=reach_of(user), filters=filters)
    total = len(rows)
    if total >= backends.RANKED_LIMIT:
        total = known_total
        if total is None:
            total = backends.count_matches(terms=terms, words=words, reach=reach_of(user), filters=filters)
        outcome.facets_sampled = total > len(rows)
    outcome.terms = terms
    outcome.total = total
    outcome.facets = _facets(rows, filters)
    matches = RankedMatches(rows, total, lambda **window: matching_rows(user, terms, words, filters, **window))
    page = Paginator(matches, per_page).get_page(page_number)
    documents = SearchDocument.objects.in_bulk([row[0] for row in page.object_list])
    outcome.page = page
    outcome.hits = [
        SearchHit(
            document=documents[row[0]],
            title_html=mark_safe(highlight(documents[row[0]].title, terms, whole=True)),  # noqa: S308  (escaped by highlight)
            snippet_html=mark_safe(highlight(documents[row[0]].text, terms)),  # noqa: S308
        )
        for row in page.object_list
        if row[0] in documents
    ]
    if not rows and not filters:
        # With filters, the page suggests removing them instead.
        outcome.suggestion = suggest_query(user, query, filters)
    return outcome


VOCABULARY_SECONDS = 3600
MAX_VOCABULARY = 50_000


def _vocabulary() -> dict[str, dict[str, str]]:
    """{first letter: {word without accents, lower-cased: the word as written}} over the titles of
    public documents: the words a suggestion may use (never a word of a document the user may not
    see), grouped so that a word is compared with the words of its first letter only."""
    version = SearchDocument.objects.filter(audience="public").aggregate(n=Count("id"), last=Max("indexed_at"))
    last = version["last"].timestamp() if version["last"] else 0
    key = f"search:vocabulary:{version['n']}:{last}"
    words = cache.get(key)
    if words is None:
        counts = Counter()
        titles = SearchDocument.objects.filter(audience="public").values_list("title", flat=True)
        for title in titles.iterator(chunk_size=2000):
            counts.update(word for word in WORD_RE.findall(title) if len(word) >= 3 and not word.isdigit())
        words = {}
        for word, _count in counts.most_common(MAX_VOCABULARY):
            plain = strip_accents(word.lower())
            words.setdefault(plain[0], {}).setdefault(plain, word.lower())
        cache.set(key, words, VOCABULARY_SECONDS)
    return words


def suggest_query(user, query: str, filters: dict) -> str:
    """For a search without result: the query with each unknown word replaced by the closest known
    one, if that finds something the user may see; else ""."""
    vocabulary = _vocabulary()
    if not vocabulary:
        return ""
    changed, words = False, []
    for word in WORD_RE.findall(query)[:MAX_QUERY_TERMS]:
        plain = strip_accents(word.lower())
        known = vocabulary.get(plain[:1], {})
        if not term_of(word) or plain in known or len(plain) < 3:
            words.append(word)
            continue
        close = difflib.get_close_matches(plain, known.keys(), n=1, cutoff=0.75)
        if close:
            changed = True
            words.append(known[close[0]])
        else:
            words.append(word)
    if not changed:
        return ""
    suggestion = " ".join(words)
    terms = query_terms(suggestion)
    found = backends.ranked_matches(
        terms=terms,
        words=[word for word in words if term_of(word)],
        reach=reach_of(user),
        filters=filters,
        limit=1,
    )[0]
    return suggestion if found else ""
