"""Writes on the codebook and the codings. Keyword-only; the views check the rules first
(coding/rules.py), the services do not (their other callers, the demo loader and the REFI-QDA
import, act for the consultancy). Every write raises the project's coding revision, which the
analysis's cache is keyed on: a module that writes codings without these services (a bulk import)
calls `coding_revision_bump` in its transaction.
"""

import time
from collections.abc import Iterable

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from territoires.core.audit import audit_log
from territoires.core.cache import bump_content_version
from territoires.core.models import AuditEvent
from territoires.diagnostic.coding.analysis import revision_key
from territoires.diagnostic.coding.models import Code, Coding, colour_validator
from territoires.diagnostic.interviews.models import InterviewParticipant, Transcript

Action = AuditEvent.Action
MAX_MEMO_LENGTH = 2000
MAX_CODE_DEPTH = 4


def coding_revision_bump(project_id: int) -> None:
    """The analysis of this project (coding/analysis.py) is computed afresh: at once, for the
    writer's own next read, and again after the commit, for a reader who cached the figures of
    before the commit in between. The cached pages too (core/cache.py): codings are written by
    bulk_create and update(), which send no post_save, and the coding screen a member reloads is
    served from the cache until the content version moves."""

    def bump():
        cache.set(revision_key(project_id), str(time.time_ns()), timeout=None)

    bump()
    transaction.on_commit(bump)
    transaction.on_commit(bump_content_version)


# --- the codebook ------------------------------------------------------------------------------


def _ancestors(code: Code) -> list[int]:
    seen, current = [], code
    while current is not None and current.pk not in seen and len(seen) < 50:
        seen.append(current.pk)
        current = current.parent
    return seen


def _clean_code(*, project, code: Code | None, name: str, parent: Code | None, colour: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Donnez un nom au code.")})
    if len(name) > 120:
        raise ValidationError({"name": _("Le nom d'un code tient en 120 caractères au plus.")})
    same_name = Code.objects.filter(project=project, name__iexact=name)
    if code is not None:
        same_name = same_name.exclude(pk=code.pk)
    if same_name.exists():
        raise ValidationError({"name": _("La grille a déjà un code nommé « %(name)s ».") % {"name": name}})
    if parent is not None:
        if parent.project_id != project.pk:
            raise ValidationError({"parent": _("Le code parent doit appartenir à la grille de ce projet.")})
        if code is not None and code.pk in _ancestors(parent):
            raise ValidationError(
                {"parent": _("Un code ne peut pas être rangé sous lui-même ni sous un de ses sous-codes.")}
            )
        if len(_ancestors(parent)) >= MAX_CODE_DEPTH:
            raise ValidationError({"parent": _("La grille compte %(n)s niveaux au plus.") % {"n": MAX_CODE_DEPTH}})
    try:
        colour_validator(colour)
    except ValidationError as error:
        raise ValidationError({"colour": error.messages}) from None
    return name


def code_create(
    *, project, user, name: str, parent: Code | None = None, definition: str = "", example: str = "",
    colour: str = "#6a6af4",
) -> Code:  # fmt: skip
    with transaction.atomic():
        name = _clean_code(project=project, code=None, name=name, parent=parent, colour=colour)
        position = Code.objects.filter(project=project, parent=parent).count()
        try:
            with transaction.atomic():
                code = Code.objects.create(
                    project=project, parent=parent, name=name, definition=(definition or "").strip(),
                    example=(example or "").strip(), colour=colour.lower(), position=position,
                )  # fmt: skip
        except IntegrityError:
            raise ValidationError(
                {"name": _("La grille a déjà un code nommé « %(name)s ».") % {"name": name}}
            ) from None
        coding_revision_bump(project.pk)
        audit_log(actor=user, action=Action.CODE_SAVED, target=code, project_id=project.pk, name=name)
    return code


def code_update(
    *, code: Code, user, name: str, parent: Code | None, definition: str, example: str, colour: str
) -> Code:
    with transaction.atomic():
        code = Code.objects.select_for_update().get(pk=code.pk)
        name = _clean_code(project=code.project, code=code, name=name, parent=parent, colour=colour)
        renamed_from = code.name if code.name != name else ""
        code.name, code.parent, code.colour = name, parent, colour.lower()
        code.definition, code.example = (definition or "").strip(), (example or "").strip()
        try:
            with transaction.atomic():
                code.save()
        except IntegrityError:
            raise ValidationError(
                {"name": _("La grille a déjà un code nommé « %(name)s ».") % {"name": name}}
            ) from None
        coding_revision_bump(code.project_id)
        audit_log(
            actor=user, action=Action.CODE_SAVED, target=code, project_id=code.project_id, name=name,
            renamed_from=renamed_from,
        )  # fmt: skip
    return code


def code_delete(*, code: Code, user) -> int:
    """Deletes a code that no passage uses; its sub-codes move up to its parent (their number is
    returned). A code in use is refused with its count: merge it into another code instead."""
    with transaction.atomic():
        code = Code.objects.select_for_update().get(pk=code.pk)
        used = Coding.objects.filter(code=code).count()
        if used:
            raise ValidationError(
                ngettext(
                    "Le code « %(name)s » est appliqué à %(n)s passage : il n'est pas supprimé. "
                    "Fusionnez-le avec un autre code pour garder ce codage.",
                    "Le code « %(name)s » est appliqué à %(n)s passages : il n'est pas supprimé. "
                    "Fusionnez-le avec un autre code pour garder ces codages.",
                    used,
                )
                % {"name": code.name, "n": used}
            )
        moved = Code.objects.filter(parent=code).update(parent=code.parent)
        audit_log(actor=user, action=Action.CODE_DELETED, target=code, project_id=code.project_id, name=code.name)
        project_id = code.project_id
        code.delete()
        coding_revision_bump(project_id)
    return moved


def code_merge(*, source: Code, target: Code, user) -> int:
    """Moves every coding of `source` to `target`, then deletes `source`; its sub-codes move under
    `target`. A coding that would repeat one the same coder made on the same passage with `target`
    is dropped (it says nothing more). Returns the number of codings moved."""
    if source.pk == target.pk:
        raise ValidationError({"target": _("Choisissez un autre code que celui à fusionner.")})
    if source.project_id != target.project_id:
        raise ValidationError({"target": _("Choisissez un code de la grille de ce projet.")})
    with transaction.atomic():
        locked = {c.pk: c for c in Code.objects.select_for_update().filter(pk__in=[source.pk, target.pk])}
        if len(locked) != 2:
            raise ValidationError(_("Un des deux codes vient d'être supprimé : rechargez la page."))
        source, target = locked[source.pk], locked[target.pk]
        existing = set(
            Coding.objects.filter(code=target).values_list("transcript_id", "expression_id", "start", "end", "coder_id")
        )
        duplicates = [
            pk
            for pk, *key in Coding.objects.filter(code=source).values_list(
                "pk", "transcript_id", "expression_id", "start", "end", "coder_id"
            )
            if tuple(key) in existing
        ]
        Coding.objects.filter(pk__in=duplicates).delete()
        moved = Coding.objects.filter(code=source).update(code=target)
        if source.pk in _ancestors(target):
            # The target was under the code merged into it: it takes that code's place.
            Code.objects.filter(pk=target.pk).update(parent=source.parent)
        Code.objects.filter(parent=source).exclude(pk=target.pk).update(parent=target)
        audit_log(
            actor=user, action=Action.CODES_MERGED, target=target, project_id=target.project_id,
            merged=source.name, kept=target.name,
        )  # fmt: skip
        source.delete()
        coding_revision_bump(target.project_id)
    return moved


# --- codings -----------------------------------------------------------------------------------


def _participant_for(source, participant) -> InterviewParticipant | None:
    if not isinstance(source, Transcript):
        return None
    participants = list(source.interview.participants.all())
    if participant is None:
        # An interview of one person: every passage is theirs.
        return participants[0] if len(participants) == 1 else None
    if participant.pk not in {p.pk for p in participants}:
        raise ValidationError({"participant": _("Choisissez une personne interrogée dans cet entretien.")})
    return participant


def coding_create(
    *,
    source,
    codes: Iterable[Code],
    start: int,
    end: int,
    user,
    memo: str = "",
    participant: InterviewParticipant | None = None,
    version: int | None = None,
) -> list[Coding]:
    """Applies each code to the passage [start, end) of a transcript or a resident's text (offsets
    in characters of the text). Nothing is saved if anything is wrong; a code this coder already
    applied to the same passage is not repeated. Returns the codings created."""
    codes = list(codes)
    is_transcript = isinstance(source, Transcript)
    territory = source.interview.territory if is_transcript else source.territory
    if not codes:
        raise ValidationError({"codes": _("Choisissez au moins un code.")})
    if any(code.project_id != territory.project_id for code in codes):
        raise ValidationError({"codes": _("Choisissez des codes de la grille de ce projet.")})
    memo = (memo or "").strip()
    if len(memo) > MAX_MEMO_LENGTH:
        raise ValidationError({"memo": _("Le mémo tient en %(n)s caractères au plus.") % {"n": MAX_MEMO_LENGTH}})
    with transaction.atomic():
        if is_transcript:
            # Locked: an edit of the transcript cannot slip between the version check and the write.
            current = Transcript.objects.select_for_update().get(pk=source.pk)
            if version is not None and version != current.version:
                raise ValidationError(
                    _(
                        "La transcription a été modifiée depuis l'ouverture de cette page (version %(old)s, "
                        "maintenant %(new)s) : rien n'a été enregistré. Rechargez la page et sélectionnez "
                        "à nouveau le passage."
                    )
                    % {"old": version, "new": current.version}
                )
            text, text_version = current.text, current.version
        else:
            text, text_version = source.text, 1
        _check_offsets(text, start, end)
        participant = _participant_for(source, participant)
        if participant is not None:
            profile = participant.profile
        else:
            profile = "" if is_transcript else InterviewParticipant.Profile.RESIDENT
        source_filter = {"transcript": source} if is_transcript else {"expression": source}
        already = set(
            Coding.objects.filter(**source_filter, start=start, end=end, coder=user).values_list("code_id", flat=True)
        )
        created = Coding.objects.bulk_create(
            [
                Coding(
                    code=code,
                    project_id=territory.project_id,
                    territory_id=territory.pk,
                    **source_filter,
                    participant=participant,
                    profile=profile,
                    start=start,
                    end=end,
                    quote=text[start:end],
                    transcript_version=text_version,
                    memo=memo,
                    coder=user,
                )  # fmt: skip
                for code in dict.fromkeys(codes)
                if code.pk not in already
            ]
        )
        if created:
            coding_revision_bump(territory.project_id)
    return created


def _check_offsets(text: str, start, end) -> None:
    if not isinstance(start, int) or not isinstance(end, int):
        raise ValidationError(_("Indiquez le début et la fin du passage par des nombres de caractères."))
    length = len(text)
    if start < 0 or end < 0 or start > length or end > length:
        raise ValidationError(
            _("Le passage sort du texte : le texte compte %(n)s caractères (positions 0 à %(n)s).") % {"n": length}
        )
    if end <= start:
        raise ValidationError(_("La fin du passage doit venir après son début."))
    if not text[start:end].strip():
        raise ValidationError(_("Le passage choisi ne contient que des espaces : sélectionnez des mots."))


def coding_delete(*, coding: Coding, user) -> None:
    with transaction.atomic():
        project_id = coding.project_id
        deleted, _rows = Coding.objects.filter(pk=coding.pk).delete()
        if deleted:
            coding_revision_bump(project_id)
