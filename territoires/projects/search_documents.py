"""How themes and shared projects become search documents (registered in apps.py).

Themes are public (anyone reads a theme's page). A published project is found by everyone; an
unpublished one by those who may open it (projects.view_project): its members and accepted observers.
"""

from django.utils.translation import gettext_lazy as _

from territoires.projects.models import SharedProject, Theme

PROJECT_STATUS_LABELS = {
    "project_draft": _("Projet en préparation"),
    "project_launched": _("Projet en cours"),
    "project_closed": _("Projet terminé"),
}
THEME_STATUS_LABELS = {
    "theme_proposed": _("Thème proposé"),
    "theme_project": _("Thème devenu projet"),
    "theme_archived": _("Thème archivé"),
}


def theme_document(theme: Theme) -> dict:
    return {
        "category": "theme",
        "title": theme.title,
        "text": theme.description,
        "url": theme.get_absolute_url(),
        "audience": "public",
        "theme_ids": [theme.pk],
        "kind": f"theme_{theme.status}",
        "year": theme.created_at.year,
    }


def project_document(project: SharedProject) -> dict:
    territories = [p.organisation.name for p in project.participations.all() if p.is_participant]
    return {
        "category": "project",
        "title": project.title,
        "text": "\n\n".join(filter(None, [project.summary, project.description, ", ".join(territories)])),
        "url": project.get_absolute_url(),
        "audience": "public" if project.is_public else "project_observers",
        "project_id": project.pk,
        "theme_ids": [project.theme_id] if project.theme_id else [],
        "kind": f"project_{project.status}",
        "year": (project.starts_on or project.created_at).year,
    }


def register() -> None:
    from territoires.search.registry import register_labels, register_source

    register_labels("kind", PROJECT_STATUS_LABELS)
    register_labels("kind", THEME_STATUS_LABELS)
    register_source(Theme, document=theme_document)
    register_source(
        SharedProject,
        document=project_document,
        queryset=lambda: SharedProject.objects.prefetch_related("participations__organisation"),
    )
