from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "territoires.projects"
    verbose_name = _("Projets partagés")

    def ready(self):
        from territoires.core.cache import watch_models_for_public_cache
        from territoires.projects import search_documents

        watch_models_for_public_cache(self)
        register_own_counts()
        register_audit_wording()
        search_documents.register()


def register_audit_wording():
    """How the journal words the details of the steering committee's events (core/audit.py)."""
    from territoires.core.audit import AuditDetail, register_audit_details

    register_audit_details(
        kind=AuditDetail(_("qualité")),
        organisation=AuditDetail(_("organisation")),
        starts_at=AuditDetail(_("date")),
        decisions=AuditDetail(_("décisions")),
        changes=AuditDetail(_("modifié")),
        invited=AuditDetail(_("personnes invitées")),
        owner=AuditDetail(_("responsable")),
        due_on=AuditDetail(_("échéance")),
        text=AuditDetail(_("texte")),
    )


def register_own_counts():
    """The project page's counts that this app fills in; later modules register theirs."""
    from django.db.models import Count

    from territoires.core.registry import ProjectCount, register_project_count
    from territoires.projects.models import Decision, Meeting

    def count_by_project(queryset, project_field):
        def count_for(project_ids):
            rows = queryset.filter(**{f"{project_field}__in": list(project_ids)}).values(project_field)
            return {row[project_field]: row["n"] for row in rows.annotate(n=Count("pk"))}

        return count_for

    register_project_count(
        ProjectCount(
            "committee_meetings",
            _("Réunions du comité de pilotage"),
            count_by_project(Meeting.objects.all(), "committee__project_id"),
            order=10,
        )
    )
    register_project_count(
        ProjectCount(
            "committee_decisions",
            _("Décisions prises"),
            count_by_project(Decision.objects.all(), "meeting__committee__project_id"),
            order=20,
        )
    )
