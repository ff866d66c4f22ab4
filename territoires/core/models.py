from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """Who did what, when, on which object: signatures, withdrawals, roles, publication."""

    class Action(models.TextChoices):
        CHARTER_SIGNED = "charter_signed", _("Charte signée")
        CHARTER_IN_FORCE = "charter_in_force", _("Charte entrée en vigueur")
        CHARTER_VERSION_PUBLISHED = "charter_version_published", _("Version de charte publiée")
        WITHDRAWAL_NOTIFIED = "withdrawal_notified", _("Retrait notifié")
        WITHDRAWAL_ACTIONS_CLOSED = "withdrawal_actions_closed", _("Actions engagées closes")
        ROLE_GRANTED = "role_granted", _("Rôle attribué")
        ROLE_CHANGED = "role_changed", _("Rôle modifié")
        ROLE_REVOKED = "role_revoked", _("Rôle retiré")
        PROJECT_LAUNCHED = "project_launched", _("Projet lancé")
        PUBLICATION_CHANGED = "publication_changed", _("Publication modifiée")
        PARTICIPANT_ADDED = "participant_added", _("Participant ajouté")
        PARTICIPANT_REMOVED = "participant_removed", _("Participant retiré avant lancement")
        OBSERVER_REQUESTED = "observer_requested", _("Demande d'observation")
        OBSERVER_ACCEPTED = "observer_accepted", _("Observation acceptée")
        OBSERVER_REFUSED = "observer_refused", _("Observation refusée")
        PHASE_STEP_DONE = "phase_step_done", _("Étape marquée faite")
        PHASE_STEP_UNDONE = "phase_step_undone", _("Étape rouverte")
        METHOD_CHANGED = "method_changed", _("Méthode du projet modifiée")
        DISCUSSION_MESSAGE_HIDDEN = "discussion_message_hidden", _("Message de discussion masqué")
        DISCUSSION_MESSAGE_RESTORED = "discussion_message_restored", _("Message de discussion rétabli")
        DISCUSSION_OBSERVER_ACCESS = "discussion_observer_access", _("Accès des observateurs aux discussions modifié")
        SURVEY_CREATED = "survey_created", _("Enquête créée")
        SURVEY_PUBLISHED = "survey_published", _("Enquête publiée")
        SURVEY_CLOSED = "survey_closed", _("Enquête close")
        SURVEY_REOPENED = "survey_reopened", _("Enquête rouverte")
        SURVEY_NEW_VERSION = "survey_new_version", _("Nouvelle version d'enquête")
        SURVEY_MARGINS_CHANGED = "survey_margins_changed", _("Marges de population modifiées")
        SURVEY_NON_AUDIENCE_CHANGED = "survey_non_audience_changed", _("Définition des non-publics modifiée")
        SURVEY_EXPORT_REQUESTED = "survey_export_requested", _("Export des réponses demandé")
        THEME_PROPOSED = "theme_proposed", _("Thème proposé")
        THEME_CONVERTED = "theme_converted", _("Thème devenu projet partagé")
        ORGANISATION_CREATED = "organisation_created", _("Organisation créée")
        INVITATION_SENT = "invitation_sent", _("Invitation envoyée")
        INVITATION_RESENT = "invitation_resent", _("Invitation renvoyée")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation annulée")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation acceptée")
        COMMITTEE_MEMBER_ADDED = "committee_member_added", _("Membre ajouté au comité de pilotage")
        COMMITTEE_MEMBER_REMOVED = "committee_member_removed", _("Membre retiré du comité de pilotage")
        MEETING_SCHEDULED = "meeting_scheduled", _("Réunion du comité programmée")
        MEETING_CHANGED = "meeting_changed", _("Réunion du comité modifiée")
        MEETING_INVITATIONS_SENT = "meeting_invitations_sent", _("Invitations à une réunion envoyées")
        DECISION_RECORDED = "decision_recorded", _("Décision du comité enregistrée")
        DECISION_CHANGED = "decision_changed", _("Décision du comité modifiée")
        DIRECTORY_ENTRY_CREATED = "directory_entry_created", _("Fiche de l'annuaire créée")
        DIRECTORY_ENTRY_CHANGED = "directory_entry_changed", _("Fiche de l'annuaire modifiée")
        DIRECTORY_ENTRIES_MERGED = "directory_entries_merged", _("Fiches de l'annuaire fusionnées")
        DIRECTORY_FAMILIES_CHANGED = "directory_families_changed", _("Familles d'acteurs modifiées")
        PLAN_CREATED = "plan_created", _("Plan d'action créé")
        PLAN_VERSION_SAVED = "plan_version_saved", _("Version du plan d'action enregistrée")
        PLAN_SUBMITTED = "plan_submitted", _("Plan d'action soumis au vote")
        PLAN_ADOPTED = "plan_adopted", _("Plan d'action adopté")
        PLAN_AMENDMENT_OPENED = "plan_amendment_opened", _("Modification du plan d'action ouverte")
        PLAN_ACTION_FOLLOWED = "plan_action_followed", _("Suivi d'une action mis à jour")
        PLAN_MEASUREMENT_RECORDED = "plan_measurement_recorded", _("Mesure d'un indicateur enregistrée")
        PLAN_MEASUREMENTS_IMPORTED = "plan_measurements_imported", _("Mesures importées")
        PLAN_FEEDBACK_PUBLISHED = "plan_feedback_published", _("Retour aux habitants publié")
        FINDING_CREATED = "finding_created", _("Constat du diagnostic rédigé")
        FINDING_CHANGED = "finding_changed", _("Constat du diagnostic modifié")
        FINDING_VALIDATED = "finding_validated", _("Constat du diagnostic validé")
        FINDING_PUBLISHED = "finding_published", _("Constat du diagnostic publié")
        FINDING_WITHDRAWN = "finding_withdrawn", _("Constat du diagnostic dépublié")
        FINDING_DELETED = "finding_deleted", _("Constat du diagnostic supprimé")
        FINDING_EVIDENCE_ADDED = "finding_evidence_added", _("Preuve ajoutée à un constat")
        FINDING_EVIDENCE_REMOVED = "finding_evidence_removed", _("Preuve retirée d'un constat")
        EXPRESSION_PROMPT_CHANGED = "expression_prompt_changed", _("Appel à expression modifié")
        EXPRESSION_MODERATED = "expression_moderated", _("Expression d'habitant modérée")
        CODE_SAVED = "code_saved", _("Code de la grille de codage enregistré")
        CODE_DELETED = "code_deleted", _("Code de la grille de codage supprimé")
        CODES_MERGED = "codes_merged", _("Codes de la grille de codage fusionnés")
        OBSERVATION_CREATED = "observation_created", _("Note d'observation rédigée")
        OBSERVATION_CHANGED = "observation_changed", _("Note d'observation modifiée")
        OBSERVATION_DELETED = "observation_deleted", _("Note d'observation supprimée")
        INTERVIEW_GUIDE_CHANGED = "interview_guide_changed", _("Guide d'entretien modifié")
        INTERVIEW_CREATED = "interview_created", _("Entretien enregistré")
        INTERVIEW_CHANGED = "interview_changed", _("Entretien modifié")
        INTERVIEW_DELETED = "interview_deleted", _("Entretien supprimé")
        TRANSCRIPT_CHANGED = "transcript_changed", _("Transcription d'entretien modifiée")
        PSEUDONYMS_CHANGED = "pseudonyms_changed", _("Liste de pseudonymisation modifiée")
        DIRECTORY_IMPORTED = "directory_imported", _("Fichier importé dans l'annuaire")
        DIRECTORY_DUPLICATE_DISMISSED = "directory_duplicate_dismissed", _("Doublon proposé écarté")
        POPULATION_IMPORTED = "population_imported", _("Population par âge et sexe importée")
        PERSONAL_DATA_EXPORTED = "personal_data_exported", _("Données personnelles téléchargées")
        ACCOUNT_CLOSED = "account_closed", _("Compte fermé")
        TWO_FACTOR_ENABLED = "two_factor_enabled", _("Double authentification activée")
        TWO_FACTOR_DISABLED = "two_factor_disabled", _("Double authentification désactivée")
        PROCONNECT_LINKED = "proconnect_linked", _("Compte lié à ProConnect")
        CODESIGN_PLAN_CHANGED = "codesign_plan_changed", _("Plan de co-construction modifié")
        WORKSHOP_SAVED = "workshop_saved", _("Atelier de co-construction enregistré")
        WORKSHOP_ATTENDANCE = "workshop_attendance", _("Présences à un atelier relevées")
        IDEA_MODERATED = "idea_moderated", _("Idée modérée")
        IDEAS_MERGED = "ideas_merged", _("Idées fusionnées")
        OBJECTIVE_SAVED = "objective_saved", _("Objectif de co-construction enregistré")
        BALLOT_OPENED = "ballot_opened", _("Scrutin ouvert")
        BALLOT_CLOSED = "ballot_closed", _("Scrutin clos")
        VOTER_CODES_ISSUED = "voter_codes_issued", _("Codes de vote émis")
        DIRECTORY_LINK_CREATED = "directory_link_created", _("Lien de coopération ajouté")
        DIRECTORY_LINK_CHANGED = "directory_link_changed", _("Lien de coopération modifié")
        DIRECTORY_LINK_DELETED = "directory_link_deleted", _("Lien de coopération supprimé")
        OPINION_MAP_SAVED = "opinion_map_saved", _("Carte des opinions enregistrée")
        OPINION_STATEMENT_MODERATED = "opinion_statement_moderated", _("Affirmation modérée")
        OPINION_CONVERSATION_CHANGED = (
            "opinion_conversation_changed",
            _("Conversation de la carte des opinions modifiée"),
        )
        CODING_EXPORTED = "coding_exported", _("Codage exporté (REFI-QDA)")
        CODEBOOK_IMPORTED = "codebook_imported", _("Grille de codage importée (REFI-QDA)")
        CODING_IMPORTED = "coding_imported", _("Projet de codage importé (REFI-QDA)")

    occurred_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    # The project the event belongs to, when there is one: facilitators read the log per project.
    # A plain id, not a foreign key, so that core depends on no domain app and the log outlives
    # what it speaks of.
    project_id = models.PositiveBigIntegerField(_("projet"), null=True, blank=True, db_index=True)
    target_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    object_repr = models.CharField(_("objet"), max_length=300)
    details = models.JSONField(_("détails"), default=dict, blank=True)

    class Meta:
        verbose_name = _("événement du journal")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_action_display()} — {self.object_repr}"

    def readable_details(self) -> list[tuple[str, str]]:
        """(label, value) pairs in French words (core/audit.py says how each detail is worded)."""
        from territoires.core.audit import audit_detail_rows

        return audit_detail_rows(self)


from territoires.core.idempotency import SubmissionKey  # noqa: E402,F401  (model lives beside its helpers)
from territoires.core.population import PopulationFigure  # noqa: E402,F401  (model lives beside its helpers)
from territoires.core.task_workers import TaskWorker  # noqa: E402,F401  (model lives beside its helpers)
