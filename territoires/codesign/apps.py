from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodesignConfig(AppConfig):
    name = "territoires.codesign"
    verbose_name = _("Co-construction")

    def ready(self):
        from territoires.codesign import rules  # noqa: F401  (registers the permissions)
        from territoires.codesign.opinion import rules as opinion_rules  # noqa: F401
        from territoires.codesign.panels import rules as panel_rules  # noqa: F401

        register_project_module(self)


def register_project_module(app_config):
    """The one registration of co-design in a project: its tab, its count, its sections on the
    territory page and the phase timeline, its receipt codes, and the invalidation of the public
    page cache on every write to its models."""
    from django.db.models import Count

    from territoires.codesign import plug
    from territoires.codesign.models import Idea
    from territoires.core.audit import AuditDetail, register_audit_details
    from territoires.core.cache import watch_models_for_public_cache
    from territoires.core.receipts import ReceiptSource, register_receipt_source
    from territoires.core.registry import (
        ProjectCount,
        ProjectTab,
        StepContent,
        TerritorySection,
        register_project_count,
        register_project_tab,
        register_step_content,
        register_territory_section,
    )

    # Votes, voter codes and registrations show on no cached public page (the territory page counts
    # workshops, ideas and objectives): a vote does not empty the cache (make bench ONLY=codesign.vote).
    watch_models_for_public_cache(
        app_config,
        unseen=("BallotVote", "VoterCode", "WorkshopRegistration", "OpinionVote", "OpinionParticipant", "OpinionCode"),
    )
    register_audit_details(
        count=AuditDetail(_("codes émis")),
        criterion=AuditDetail(_("critère de réussite ajouté")),
        present=AuditDetail(_("personnes présentes")),
        votes=AuditDetail(_("bulletins")),
        milestone_added=AuditDetail(_("échéance ajoutée")),
        milestone_removed=AuditDetail(_("échéance retirée")),
        # the opinion map (codesign/opinion/services.py)
        statement=AuditDetail(_("affirmation")),
        decision=AuditDetail(_("décision"), values={"published": _("publiée"), "rejected": _("refusée")}),
        public=AuditDetail(_("résultats publiés")),
        configuration=AuditDetail(_("réglage du calcul")),
        # panels drawn by lot (codesign/panels/services.py)
        panel=AuditDetail(_("panel")),
        imported=AuditDetail(_("volontaires importés")),
        draw=AuditDetail(_("tirage")),
        seed=AuditDetail(_("graine du tirage")),
        withdrawn=AuditDetail(_("volontaire désisté (numéro)")),
    )
    register_project_tab(ProjectTab("codesign", _("Co-construction"), "codesign:project_plans", order=40))

    def published_ideas(project_ids):
        rows = (
            Idea.objects.published()
            .filter(plan__project_id__in=list(project_ids))
            .values("plan__project_id")
            .annotate(n=Count("pk"))
        )
        return {row["plan__project_id"]: row["n"] for row in rows}

    register_project_count(ProjectCount("codesign_ideas", _("Idées publiées"), published_ideas, order=40))
    register_territory_section(TerritorySection("codesign", "codesign/_territory_section.html", plug.territory_section))
    register_step_content(StepContent("codesign", plug.step_contents))
    register_receipt_source(ReceiptSource("codesign_idea", _("Idée de co-construction"), plug.idea_receipt, order=40))
    register_receipt_source(ReceiptSource("codesign_vote", _("Vote de co-construction"), plug.vote_receipt, order=41))
