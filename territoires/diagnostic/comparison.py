"""Territory at a glance: the territories of a project side by side, for the facilitator and the
teams comparing them (issue 13, item 5).

Figures per territory, each shown with its table: actors and places per family (actors) and per
domain (places), per 10,000 inhabitants (population.py says where the population comes from);
objects of engagement; and, once the directory has links between actors, the share of actors with no
link and the network's density. Everything is computed over the entries the person may read
(`selectors.visible_entries`): the public compares published entries only.

The link model belongs to the network slice. Until a model with two foreign keys to `Entry` exists
in this app, `link_pairs` returns None and the page shows no link figure: a figure is never made up.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count

from territoires.diagnostic import domains
from territoires.diagnostic.kinds import KINDS
from territoires.diagnostic.models import Entry
from territoires.diagnostic.population import Population, population_of


@dataclass
class LinkFigures:
    linked_actors: int
    isolated_actors: int
    pairs: int

    @property
    def isolated_share(self) -> float | None:
        total = self.linked_actors + self.isolated_actors
        return self.isolated_actors / total if total else None

    def density(self, actors: int) -> float | None:
        """Linked pairs over possible pairs (links read as undirected, one per pair)."""
        possible = actors * (actors - 1) / 2
        return self.pairs / possible if possible else None


@dataclass
class TerritoryFigures:
    territory: object
    population: Population | None
    kinds: Counter = field(default_factory=Counter)
    families: Counter = field(default_factory=Counter)
    domains: Counter = field(default_factory=Counter)
    links: LinkFigures | None = None

    @property
    def name(self) -> str:
        return self.territory.organisation.name

    def per_10k(self, count: int) -> float | None:
        if self.population is None:
            return None
        return count * 10_000 / self.population.count

    @property
    def actors(self) -> int:
        return self.kinds.get(Entry.Kind.ACTOR, 0)

    @property
    def places(self) -> int:
        return self.kinds.get(Entry.Kind.PLACE, 0)

    @property
    def engagements(self) -> int:
        return self.kinds.get(Entry.Kind.ENGAGEMENT, 0)

    @property
    def density(self) -> float | None:
        return self.links.density(self.actors) if self.links else None


@dataclass
class Row:
    """One line of a table: a label and, per territory, a count and its rate per 10,000."""

    label: str
    cells: list[tuple[int, float | None]]

    @property
    def peak(self) -> int:
        return max((count for count, _rate in self.cells), default=0)

    @property
    def bars(self) -> list[tuple[int, float | None, int]]:
        """(count, rate, width in % of the row's largest) per territory: the bar compares the
        territories on the rate per 10,000 when every territory has one, on the count otherwise."""
        rated = all(rate is not None for _count, rate in self.cells)
        values = [rate if rated else count for count, rate in self.cells]
        top = max(values, default=0) or 1
        return [
            (count, rate, round(100 * value / top)) for (count, rate), value in zip(self.cells, values, strict=True)
        ]


@dataclass
class Comparison:
    territories: list[TerritoryFigures]
    kind_rows: list[Row]
    family_rows: list[Row]
    domain_rows: list[Row]
    has_links: bool

    @property
    def has_population(self) -> bool:
        return any(t.population for t in self.territories)


def compare(*, entries, territories, families) -> Comparison:
    """`entries`: what the person may read of the project; `territories`: its participating
    territories, in their order; `families`: the project's actor families. Three grouped queries,
    and one for the links when they exist."""
    figures = {t.pk: TerritoryFigures(t, population_of(t.organisation)) for t in territories}
    for territory_id, kind, n in entries.order_by().values_list("territory_id", "kind").annotate(n=Count("pk")):
        if territory_id in figures:
            figures[territory_id].kinds[kind] = n
    actors = entries.filter(kind=Entry.Kind.ACTOR)
    for territory_id, family_id, n in (
        actors.order_by().values_list("territory_id", "family_id").annotate(n=Count("pk"))
    ):
        if territory_id in figures:
            figures[territory_id].families[family_id] = n
    for territory_id, basilic, bpe, n in (
        entries.filter(kind=Entry.Kind.PLACE)
        .order_by()
        .values_list("territory_id", "basilic_type", "bpe_code")
        .annotate(n=Count("pk"))
    ):
        if territory_id in figures:
            figures[territory_id].domains[domains.domain_of(basilic, bpe) or "autre"] += n
    pairs = link_pairs(actors)
    if pairs is not None:
        actor_territory = dict(actors.values_list("pk", "territory_id"))
        for territory_id, links in link_figures(actor_territory, pairs).items():
            if territory_id in figures:
                figures[territory_id].links = links
    ordered = [figures[t.pk] for t in territories]

    def row(label, count_of):
        return Row(str(label), [(count_of(t), t.per_10k(count_of(t))) for t in ordered])

    family_rows = [row(f.name, lambda t, pk=f.pk: t.families.get(pk, 0)) for f in families]
    domain_rows = [row(label, lambda t, code=code: t.domains.get(code, 0)) for code, label in domains.DOMAIN_CHOICES]
    kind_rows = [row(kind.plural, lambda t, code=code: t.kinds.get(code, 0)) for code, kind in KINDS.items()]
    return Comparison(
        territories=ordered,
        kind_rows=kind_rows,
        family_rows=[r for r in family_rows if r.peak],
        domain_rows=[r for r in domain_rows if r.peak],
        has_links=pairs is not None,
    )


def link_model():
    """The model of links between actors, if this app has one: a model that names its two ends in
    `LINK_ENDS` (the names of two foreign keys to Entry), or else the one model with exactly two
    foreign keys to Entry. None today: the link model comes with the network slice."""
    for model in apps.get_app_config("diagnostic").get_models():
        if model is Entry:
            continue
        ends = [f for f in model._meta.concrete_fields if f.many_to_one and f.related_model is Entry]
        declared = getattr(model, "LINK_ENDS", None)
        if declared:
            by_name = {f.name: f for f in ends}
            return model, by_name[declared[0]].attname, by_name[declared[1]].attname
        if len(ends) == 2:
            return model, ends[0].attname, ends[1].attname
    return None


def link_pairs(actors) -> list[tuple[int, int]] | None:
    """The links whose two ends are among `actors`, as (id, id) pairs; None without a link model."""
    found = link_model()
    if found is None:
        return None
    model, source, target = found
    ids = actors.values("pk")
    return list(model.objects.filter(**{f"{source}__in": ids, f"{target}__in": ids}).values_list(source, target))


def link_figures(actor_territory: dict[int, int], pairs) -> dict[int, LinkFigures]:
    """Per territory: actors with and without a link, and the distinct linked pairs inside it (a
    link from an actor to itself, or between two territories, makes no pair of a territory's own
    network; between two territories it still counts as a link for both actors)."""
    linked = set()
    inside = defaultdict(set)
    for a, b in pairs:
        if a == b or a not in actor_territory or b not in actor_territory:
            continue
        linked.update((a, b))
        if actor_territory[a] == actor_territory[b]:
            inside[actor_territory[a]].add((min(a, b), max(a, b)))
    totals, with_links = Counter(actor_territory.values()), Counter(actor_territory[a] for a in linked)
    return {
        territory_id: LinkFigures(
            linked_actors=with_links[territory_id],
            isolated_actors=total - with_links[territory_id],
            pairs=len(inside[territory_id]),
        )
        for territory_id, total in totals.items()
    }
