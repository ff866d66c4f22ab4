"""What can be followed from a button, and who may follow it.

A module registers its followable models (community registers threads; this app registers shared
projects and themes), with a `can_see(user, obj)` check: the follow view refuses (404) an object the
user cannot see, so a forged id reveals nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Followable:
    key: str
    model: type
    can_see: Callable[[object, object], bool]
    # What a list of followed objects loads with them (e.g. a thread's project, for its URL).
    queryset: Callable | None = None

    def objects(self):
        return self.queryset() if self.queryset else self.model._default_manager.all()


_by_key: dict[str, Followable] = {}


def register_followable(
    key: str, model: type, can_see: Callable[[object, object], bool], queryset: Callable | None = None
) -> None:
    _by_key[key] = Followable(key, model, can_see, queryset)


def followable_for_model(model) -> Followable | None:
    for entry in _by_key.values():
        if entry.model is model:
            return entry
    return None


def followable(key: str) -> Followable | None:
    return _by_key.get(key)


def followable_for(obj) -> Followable | None:
    for entry in _by_key.values():
        if isinstance(obj, entry.model):
            return entry
    return None


def register_project_and_theme() -> None:
    from territoires.projects.models import SharedProject, Theme

    register_followable(
        "project",
        SharedProject,
        lambda user, project: user.has_perm("projects.view_project", project),
        # The view rule reads the project's participations: loaded with the projects, not one by one.
        queryset=lambda: SharedProject.objects.prefetch_related("participations"),
    )
    register_followable("theme", Theme, lambda user, theme: True)
