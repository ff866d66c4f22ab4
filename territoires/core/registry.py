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
