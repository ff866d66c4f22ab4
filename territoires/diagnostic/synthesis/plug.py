"""How the synthesis plugs into the platform: its rules, its journal wording, its tab and count.
Called once from DiagnosticConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def register_synthesis():
    from territoires.core.audit import AuditDetail, register_audit_details
    from territoires.diagnostic.synthesis import rules  # noqa: F401  (registers the permissions)
    from territoires.diagnostic.synthesis.models import Finding

    register_audit_details(
        previous_status=AuditDetail(_("statut précédent"), field="status"),
        evidence_kind=AuditDetail(_("type de preuve")),
    )
    return Finding
