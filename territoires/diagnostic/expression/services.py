"""Writes on residents' expression. Keyword-only; the views check the rules first (rules.py)."""

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.core.receipts import new_receipt_code, receipt_code_normalise
from territoires.diagnostic.expression.models import (
    AGE_BANDS,
    MAX_TEXT_LENGTH,
    MIN_TEXT_LENGTH,
    Expression,
    ExpressionPrompt,
)

Action = AuditEvent.Action


def prompt_set(
    *, territory, user, question: str, introduction: str = "", neighbourhoods: str = "", is_open: bool
) -> ExpressionPrompt:
    if not territory.is_participant:
        raise ValidationError(_("Seul un territoire participant au projet appelle ses habitants à s'exprimer."))
    question = " ".join((question or "").split())
    if len(question) < 10:
        raise ValidationError({"question": _("Écrivez la question posée aux habitants (10 caractères au moins).")})
    if len(question) > 300:
        raise ValidationError({"question": _("La question tient en 300 caractères au plus.")})
    lines = [" ".join(line.split())[:120] for line in (neighbourhoods or "").splitlines() if line.strip()]
    if len(lines) > 60:
        raise ValidationError({"neighbourhoods": _("60 quartiers au plus.")})
    with transaction.atomic():
        prompt, _created = ExpressionPrompt.objects.select_for_update().get_or_create(
            territory=territory, defaults={"project_id": territory.project_id, "question": question}
        )
        prompt.question, prompt.introduction = question, (introduction or "").strip()
        prompt.neighbourhoods, prompt.is_open, prompt.updated_by = "\n".join(lines), is_open, user
        prompt.save()
        audit_log(
            actor=user, action=Action.EXPRESSION_PROMPT_CHANGED, target=prompt, project_id=prompt.project_id,
            is_open=is_open,
        )  # fmt: skip
    return prompt


def expression_submit(
    *,
    prompt: ExpressionPrompt,
    text: str,
    neighbourhood: str = "",
    age_band: str = "",
    consent_to_publish: bool = False,
    submission_key: uuid.UUID | None = None,
    is_synthetic: bool = False,
) -> tuple[Expression, bool]:
    """Store a resident's text once: (expression, created). A resend with the same submission key
    returns the first one (its receipt code), whatever the form says the second time."""
    if submission_key is not None:
        existing = Expression.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing, False
    if not prompt.is_open and not is_synthetic:
        raise ValidationError(_("Cet appel à expression est fermé : les textes ne sont plus recueillis."))
    text = (text or "").replace("\r\n", "\n").replace("\x00", "").strip()
    errors = {}
    if len(text) < MIN_TEXT_LENGTH:
        errors["text"] = _("Écrivez quelques mots au moins (%(n)s caractères).") % {"n": MIN_TEXT_LENGTH}
    elif len(text) > MAX_TEXT_LENGTH:
        errors["text"] = _("Le texte tient en %(n)s caractères au plus (il en compte %(count)s).") % {
            "n": MAX_TEXT_LENGTH,
            "count": len(text),
        }
    neighbourhood = " ".join((neighbourhood or "").split())[:120]
    choices = prompt.neighbourhood_choices
    if neighbourhood and choices and neighbourhood not in choices:
        errors["neighbourhood"] = _("Choisissez un quartier de la liste, ou aucun.")
    if age_band and age_band not in dict(AGE_BANDS):
        errors["age_band"] = _("Choisissez une tranche d'âge de la liste, ou aucune.")
    if errors:
        raise ValidationError(errors)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                expression = Expression.objects.create(
                    prompt=prompt,
                    territory_id=prompt.territory_id,
                    project_id=prompt.project_id,
                    question=prompt.question,
                    text=text,
                    neighbourhood=neighbourhood,
                    age_band=age_band,
                    consent_to_publish=bool(consent_to_publish),
                    submission_key=submission_key,
                    receipt_code=new_receipt_code(),
                    is_synthetic=is_synthetic,
                )
            return expression, True
        except IntegrityError:
            # The same key sent twice at once: the other request stored it. Otherwise a receipt
            # code drawn twice (31^10 codes): draw again.
            if submission_key is not None:
                existing = Expression.objects.filter(submission_key=submission_key).first()
                if existing is not None:
                    return existing, False
    raise ValidationError(_("Votre texte n'a pas pu être enregistré ; réessayez dans un instant."))


def expression_moderate(*, expression: Expression, user, status: str, reason: str = "") -> Expression:
    if status not in (Expression.Status.PUBLISHED, Expression.Status.KEPT, Expression.Status.REJECTED):
        raise ValidationError(_("Choisissez une décision de modération."))
    if reason and reason not in Expression.Reason.values:
        raise ValidationError({"reason": _("Choisissez un motif de la liste.")})
    with transaction.atomic():
        expression = Expression.objects.select_for_update().get(pk=expression.pk)
        if status == Expression.Status.PUBLISHED and not expression.consent_to_publish:
            raise ValidationError(_("Son auteur n'a pas donné son accord : ce texte ne peut pas être publié."))
        if status == Expression.Status.PUBLISHED:
            reason = ""
        elif status == Expression.Status.KEPT and not expression.consent_to_publish:
            reason = reason or Expression.Reason.NO_CONSENT
        elif not reason:
            raise ValidationError({"reason": _("Indiquez le motif : il est dit à l'auteur avec son code de suivi.")})
        if (expression.status, expression.reason) == (status, reason):
            return expression
        previous = expression.status
        expression.status, expression.reason = status, reason
        expression.moderated_at, expression.moderated_by = timezone.now(), user
        expression.save()
        audit_log(
            actor=user, action=Action.EXPRESSION_MODERATED, target=expression, project_id=expression.project_id,
            status=status, previous_status=previous,
        )  # fmt: skip
    return expression


def receipt_lookup(code: str) -> Expression | None:
    """The text a receipt code belongs to (core/receipts.py asks every module in turn)."""
    code = receipt_code_normalise(code)
    if code is None:
        return None
    return (
        Expression.objects.select_related("territory__organisation", "project", "prompt")
        .filter(receipt_code=code)
        .first()
    )
