"""How a module plugs into a shared project without `projects` importing it.

A module registers the counts it adds to a project page (resources, contributions, answers, …).
Each count is computed for many projects in one query, so a page's query count does not grow with
the number of modules' rows.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProjectCount:
    key: str
    label: str
    # Given project ids, returns {project_id: count}; missing ids count 0.
    count_for: Callable[[Iterable[int]], dict[int, int]]
    order: int = 100


_project_counts: dict[str, ProjectCount] = {}


def register_project_count(count: ProjectCount) -> None:
    _project_counts[count.key] = count


def project_counts(project_id: int) -> list[tuple[str, int]]:
    return [
        (count.label, count.count_for([project_id]).get(project_id, 0))
        for count in sorted(_project_counts.values(), key=lambda c: c.order)
    ]


@dataclass(frozen=True)
class ProjectTab:
    """A section of a shared project that a module adds to the project's navigation.

    `url_name` is reversed with the project's slug; `permission` is a rules permission checked on the
    project (None: everyone who may see the project page).
    """

    key: str
    label: str
    url_name: str
    permission: str | None = None
    order: int = 100


_project_tabs: dict[str, ProjectTab] = {}


def register_project_tab(tab: ProjectTab) -> None:
    _project_tabs[tab.key] = tab


def project_tabs() -> list[ProjectTab]:
    return sorted(_project_tabs.values(), key=lambda t: t.order)


@dataclass(frozen=True)
class DashboardCard:
    """A block a module adds to the user's own space ("Mon espace").

    `context_for(user)` returns the template's context, or None when the block has nothing for this
    user (it is then left out); `template` renders it.
    """

    key: str
    template: str
    context_for: Callable[[object], dict | None]
    order: int = 100


_dashboard_cards: dict[str, DashboardCard] = {}


def register_dashboard_card(card: DashboardCard) -> None:
    _dashboard_cards[card.key] = card


def dashboard_cards(user) -> list[tuple[str, dict]]:
    """(template, context) of each registered block that has something for this user, in order."""
    cards = []
    for card in sorted(_dashboard_cards.values(), key=lambda c: c.order):
        context = card.context_for(user)
        if context is not None:
            cards.append((card.template, context))
    return cards


@dataclass(frozen=True)
class TerritorySection:
    """A block a module adds to a territory's page (a participating authority in a project).

    `context_for(participation, user)` returns the template's context, or None when the module has
    nothing to show this person there.
    """

    key: str
    template: str
    context_for: Callable[[object, object], dict | None]
    order: int = 100


_territory_sections: dict[str, TerritorySection] = {}


def register_territory_section(section: TerritorySection) -> None:
    _territory_sections[section.key] = section


def territory_sections(participation, user) -> list[tuple[str, dict]]:
    sections = []
    for section in sorted(_territory_sections.values(), key=lambda s: s.order):
        context = section.context_for(participation, user)
        if context is not None:
            sections.append((section.template, context))
    return sections


@dataclass(frozen=True)
class StepLink:
    label: str
    url: str


@dataclass(frozen=True)
class StepContent:
    """What a module has done behind the steps of a territory's timeline: `links_for(participation,
    user)` returns {step code: [StepLink]} (only what this person may open)."""

    key: str
    links_for: Callable[[object, object], dict[str, list[StepLink]]]


_step_contents: dict[str, StepContent] = {}


def register_step_content(content: StepContent) -> None:
    _step_contents[content.key] = content


def step_links(participation, user) -> dict[str, list[StepLink]]:
    links: dict[str, list[StepLink]] = {}
    for content in _step_contents.values():
        for code, items in content.links_for(participation, user).items():
            links.setdefault(code, []).extend(items)
    return links
