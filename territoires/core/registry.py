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
