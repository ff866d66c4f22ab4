"""Writes on the interview guide, the interviews, their transcripts and the pseudonymisation list.
Keyword-only; the views check the rules first (rules.py). Every write done by a person is logged.

A guide version that interviews were held with is frozen: changing it would rewrite what those
interviews were asked. It is changed by making a new version (a copy), which becomes the current one.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.diagnostic.coding.anchoring import Reanchoring, codings_reanchor
from territoires.diagnostic.interviews.extraction import MAX_TRANSCRIPT_CHARS, clean_text
from territoires.diagnostic.interviews.models import (
    GuideQuestion,
    GuideTheme,
    Interview,
    InterviewGuide,
    InterviewParticipant,
    Pseudonym,
    Transcript,
)
from territoires.diagnostic.models import ActorFamily, Entry

Action = AuditEvent.Action
MAX_PARTICIPANTS = 40


def _actor(user):
    return user if user is not None and user.is_authenticated else None


# The guide ---------------------------------------------------------------------------------------


def guide_create(*, project, user, title: str, introduction: str = "") -> InterviewGuide:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Donnez un titre au guide.")})
    with transaction.atomic():
        if InterviewGuide.objects.select_for_update().filter(project=project).exists():
            raise ValidationError(
                _("Ce projet a déjà un guide d'entretien : modifiez-le ou créez-en une nouvelle version.")
            )
        guide = InterviewGuide.objects.create(
            project=project, title=title[:200], introduction=(introduction or "").strip(), version=1,
            is_current=True, created_by=_actor(user),
        )  # fmt: skip
        audit_log(actor=user, action=Action.INTERVIEW_GUIDE_CHANGED, target=guide, project_id=project.pk)
    return guide


def guide_is_frozen(guide: InterviewGuide) -> bool:
    return not guide.is_current or guide.interviews.exists()


def _editable(guide: InterviewGuide) -> InterviewGuide:
    guide = InterviewGuide.objects.select_for_update().get(pk=guide.pk)
    if not guide.is_current:
        raise ValidationError(_("Seule la version en cours du guide se modifie."))
    used = guide.interviews.count()
    if used:
        raise ValidationError(
            ngettext(
                "Cette version du guide a servi à %(n)d entretien : créez une nouvelle version pour la modifier.",
                "Cette version du guide a servi à %(n)d entretiens : créez une nouvelle version pour la modifier.",
                used,
            )
            % {"n": used}
        )
    return guide


def guide_update(*, guide: InterviewGuide, user, title: str, introduction: str) -> InterviewGuide:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Donnez un titre au guide.")})
    with transaction.atomic():
        guide = _editable(guide)
        guide.title, guide.introduction = title[:200], (introduction or "").strip()
        guide.save(update_fields=["title", "introduction", "updated_at"])
        audit_log(actor=user, action=Action.INTERVIEW_GUIDE_CHANGED, target=guide, project_id=guide.project_id)
    return guide


def guide_new_version(*, guide: InterviewGuide, user) -> InterviewGuide:
    """A copy of `guide` (its themes and questions) as the project's new current version."""
    with transaction.atomic():
        versions = InterviewGuide.objects.select_for_update().filter(project_id=guide.project_id)
        number = (versions.aggregate(top=Max("version"))["top"] or 0) + 1
        source = versions.get(pk=guide.pk)
        versions.filter(is_current=True).update(is_current=False)
        copy = InterviewGuide.objects.create(
            project_id=source.project_id, title=source.title, introduction=source.introduction, version=number,
            is_current=True, created_by=_actor(user),
        )  # fmt: skip
        for theme in source.themes.prefetch_related("questions"):
            new_theme = GuideTheme.objects.create(guide=copy, title=theme.title, position=theme.position)
            GuideQuestion.objects.bulk_create(
                GuideQuestion(theme=new_theme, text=q.text, prompts=q.prompts, position=q.position)
                for q in theme.questions.all()
            )
        audit_log(
            actor=user, action=Action.INTERVIEW_GUIDE_CHANGED, target=copy, project_id=copy.project_id,
            previous_version=source.version,
        )  # fmt: skip
    return copy


def _next_position(queryset) -> int:
    return (queryset.aggregate(top=Max("position"))["top"] or 0) + 1


def theme_save(*, guide: InterviewGuide, user, title: str, theme: GuideTheme | None = None) -> GuideTheme:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Donnez un titre au thème.")})
    with transaction.atomic():
        guide = _editable(guide)
        if theme is None:
            theme = GuideTheme(guide=guide, position=_next_position(guide.themes.all()))
        theme.title = title[:200]
        theme.save()
        audit_log(actor=user, action=Action.INTERVIEW_GUIDE_CHANGED, target=guide, project_id=guide.project_id)
    return theme


def theme_delete(*, theme: GuideTheme, user) -> None:
    with transaction.atomic():
        guide = _editable(theme.guide)
        theme.delete()
        audit_log(actor=user, action=Action.INTERVIEW_GUIDE_CHANGED, target=guide, project_id=guide.project_id)


def theme_move(*, theme: GuideTheme, user, step: int) -> None:
    with transaction.atomic():
        guide = _editable(theme.guide)
        _swap(list(guide.themes.all()), theme, step)
        audit_log(actor=user, action=Action.INTERVIEW_GUIDE_CHANGED, target=guide, project_id=guide.project_id)


def question_save(
    *, theme: GuideTheme, user, text: str, prompts: str = "", question: GuideQuestion | None = None
) -> GuideQuestion:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Écrivez la question.")})
    with transaction.atomic():
        guide = _editable(theme.guide)
        if question is None:
            question = GuideQuestion(theme=theme, position=_next_position(theme.questions.all()))
        question.text, question.prompts = text[:2000], (prompts or "").strip()[:4000]
        question.save()
        audit_log(actor=user, action=Action.INTERVIEW_GUIDE_CHANGED, target=guide, project_id=guide.project_id)
    return question


def question_delete(*, question: GuideQuestion, user) -> None:
    with transaction.atomic():
        guide = _editable(question.theme.guide)
        question.delete()
        audit_log(actor=user, action=Action.INTERVIEW_GUIDE_CHANGED, target=guide, project_id=guide.project_id)


def question_move(*, question: GuideQuestion, user, step: int) -> None:
    with transaction.atomic():
        guide = _editable(question.theme.guide)
        _swap(list(question.theme.questions.all()), question, step)
        audit_log(actor=user, action=Action.INTERVIEW_GUIDE_CHANGED, target=guide, project_id=guide.project_id)


def _swap(items: list, item, step: int) -> None:
    """Move `item` one place up (step -1) or down (+1) among `items`, renumbering them 1..n."""
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, other in enumerate(items, start=1):
        if other.position != position:
            other.position = position
            other.save(update_fields=["position"])


# Interviews --------------------------------------------------------------------------------------

FIELDS = ("title", "kind", "held_on", "place", "place_label", "interviewer", "guide", "consent_given", "consent_on",
          "notes")  # fmt: skip


def _check(territory, data: dict, *, has_consent_file: bool) -> dict:
    errors = {}
    data = dict(data)
    data["title"] = " ".join((data.get("title") or "").split())[:200]
    data["place_label"] = " ".join((data.get("place_label") or "").split())[:200]
    data["notes"] = (data.get("notes") or "").strip()
    if not data["title"]:
        errors["title"] = _("Donnez un intitulé à l'entretien (sans nom de personne).")
    if data.get("kind") not in Interview.Kind.values:
        errors["kind"] = _("Choisissez le type d'entretien.")
    held_on = data.get("held_on")
    today = timezone.localdate()
    if held_on is None:
        errors["held_on"] = _("Indiquez la date de l'entretien.")
    elif held_on > today + datetime.timedelta(days=366):
        errors["held_on"] = _("Cette date est trop loin dans l'avenir.")
    place = data.get("place")
    if place is not None and (
        place.kind != Entry.Kind.PLACE or place.territory_id != territory.pk or place.merged_into_id is not None
    ):
        errors["place"] = _("Choisissez un lieu de l'annuaire de ce territoire.")
    if place is None and not data["place_label"]:
        errors["place_label"] = _("Indiquez un lieu de l'annuaire ou un autre lieu (« par téléphone », « en visio »…).")
    guide = data.get("guide")
    if guide is not None and guide.project_id != territory.project_id:
        errors["guide"] = _("Choisissez une version du guide de ce projet.")
    interviewer = data.get("interviewer")
    if interviewer is not None and interviewer.pk not in {u.pk for u in interviewer_choices(territory)}:
        errors["interviewer"] = _("Choisissez une personne de l'équipe du projet.")
    if data.get("consent_given"):
        consent_on = data.get("consent_on")
        if consent_on is None:
            errors["consent_on"] = _("Indiquez la date à laquelle le consentement a été recueilli.")
        elif consent_on > today:
            errors["consent_on"] = _("Le consentement ne peut pas être daté dans le futur.")
    else:
        data["consent_on"] = None
        if has_consent_file:
            errors["consent_given"] = _("Un formulaire signé est joint : cochez « consentement recueilli ».")
    if errors:
        raise ValidationError(errors)
    return data


def interviewer_choices(territory):
    """Who may be named as the interviewer: the project's consultancy and facilitators, the
    territory's staff."""
    from territoires.accounts.models import Membership, User
    from territoires.projects.rules import AUTHORITY_ROLES

    project = territory.project
    memberships = Membership.objects.filter(
        Q(organisation_id=project.consultancy_id, role="consultant")
        | Q(organisation_id=project.facilitator_organisation_id, role="facilitator")
        | Q(organisation_id=territory.organisation_id, role__in=AUTHORITY_ROLES)
    )
    return User.objects.filter(pk__in=memberships.values("user_id"), is_active=True).order_by(
        "last_name", "first_name", "email"
    )


def _check_participants(territory, rows: list[dict]) -> list[dict]:
    kept = [row for row in rows if not row.get("delete") and ((row.get("label") or "").strip() or row.get("id"))]
    if not kept:
        raise ValidationError({"participants": _("Indiquez au moins une personne interrogée (un libellé suffit).")})
    if len(kept) > MAX_PARTICIPANTS:
        raise ValidationError(
            {"participants": _("%(n)d personnes interrogées au plus par entretien.") % {"n": MAX_PARTICIPANTS}}
        )
    families = set(ActorFamily.objects.filter(project_id=territory.project_id).values_list("pk", flat=True))
    for row in kept:
        row["label"] = " ".join((row.get("label") or "").split())[:120]
        if not row["label"]:
            raise ValidationError(
                {"participants": _("Chaque personne interrogée a un libellé (« P1 », « Bénévole »…).")}
            )
        if row.get("profile") not in InterviewParticipant.Profile.values:
            raise ValidationError(
                {"participants": _("Choisissez le profil de « %(label)s ».") % {"label": row["label"]}}
            )
        family = row.get("family")
        if family is not None and (row["profile"] != InterviewParticipant.Profile.ACTOR or family.pk not in families):
            raise ValidationError(
                {"participants": _("La famille d'acteurs ne s'indique que pour un acteur, parmi celles du projet.")}
            )
    return kept


def _set_participants(interview: Interview, rows: list[dict], all_rows: list[dict]) -> None:
    existing = {p.pk: p for p in interview.participants.all()}
    for row in all_rows:
        if row.get("delete") and row.get("id") in existing:
            existing.pop(row["id"]).delete()
    for position, row in enumerate(rows, start=1):
        participant = existing.get(row.get("id")) or InterviewParticipant(interview=interview)
        participant.label, participant.profile, participant.family = row["label"], row["profile"], row.get("family")
        participant.position = position
        participant.save()


def _check_consent_file(upload) -> None:
    from territoires.core.validators import validate_pdf_upload

    try:
        validate_pdf_upload(upload)
    except ValidationError as error:
        raise ValidationError({"consent_file": error.messages[0]}) from None


def interview_create(
    *, territory, user, data: dict, participants: list[dict], consent_file=None, is_synthetic: bool = False
) -> Interview:
    if not territory.is_participant:
        raise ValidationError(_("Seul un territoire participant au projet a des entretiens."))
    data = _check(territory, data, has_consent_file=consent_file is not None)
    rows = _check_participants(territory, participants)
    if consent_file is not None:
        _check_consent_file(consent_file)
    interview = Interview(territory=territory, project_id=territory.project_id, created_by=_actor(user),
                          is_synthetic=is_synthetic)  # fmt: skip
    for name in FIELDS:
        setattr(interview, name, data.get(name))
    with transaction.atomic():
        interview.save()
        _set_participants(interview, rows, participants)
        if consent_file is not None:
            interview.consent_file.save("consent.pdf", consent_file, save=True)
        audit_log(actor=user, action=Action.INTERVIEW_CREATED, target=interview, project_id=interview.project_id)
    return interview


def interview_update(
    *, interview: Interview, user, data: dict, participants: list[dict], consent_file=None,
    remove_consent_file: bool = False,
) -> Interview:  # fmt: skip
    keeps_file = bool(interview.consent_file) and not remove_consent_file
    data = _check(interview.territory, data, has_consent_file=consent_file is not None or keeps_file)
    rows = _check_participants(interview.territory, participants)
    if consent_file is not None:
        _check_consent_file(consent_file)
    old_file = None
    with transaction.atomic():
        interview = Interview.objects.select_for_update().select_related("territory__project").get(pk=interview.pk)
        changed = [name for name in FIELDS if getattr(interview, name) != data.get(name)]
        for name in FIELDS:
            setattr(interview, name, data.get(name))
        before = list(interview.participants.values_list("pk", "label", "profile", "family_id"))
        _set_participants(interview, rows, participants)
        if before != list(interview.participants.values_list("pk", "label", "profile", "family_id")):
            changed.append("participants")
        if (consent_file is not None or remove_consent_file) and interview.consent_file:
            old_file = interview.consent_file.name
            interview.consent_file = ""
            changed.append("consent_file")
        if consent_file is not None:
            interview.consent_file.save("consent.pdf", consent_file, save=False)
            if "consent_file" not in changed:
                changed.append("consent_file")
        interview.save()
        if changed:
            audit_log(
                actor=user, action=Action.INTERVIEW_CHANGED, target=interview, project_id=interview.project_id,
                fields=", ".join(changed),
            )  # fmt: skip
    if old_file and old_file != interview.consent_file.name:
        transaction.on_commit(lambda: interview.consent_file.storage.delete(old_file))
    return interview


def interview_delete(*, interview: Interview, user) -> None:
    files = [interview.consent_file.name] if interview.consent_file else []
    transcript = Transcript.objects.filter(interview=interview).first()
    if transcript is not None and transcript.source_file:
        files.append(transcript.source_file.name)
    storage = interview.consent_file.storage
    with transaction.atomic():
        audit_log(actor=user, action=Action.INTERVIEW_DELETED, target=interview, project_id=interview.project_id)
        interview.delete()
    for name in files:
        transaction.on_commit(lambda name=name: storage.delete(name))


# Transcripts -------------------------------------------------------------------------------------


def transcript_save(
    *, interview: Interview, user, text: str, source: str = Transcript.Source.TYPED,
    expected_version: int | None = None,
) -> tuple[Transcript, Reanchoring | None]:  # fmt: skip
    """Store the transcript's text. A changed text raises the version and re-anchors the codings made
    on the previous one (coding/anchoring.py). `expected_version` is the version the person edited:
    if someone saved another since, nothing is written and they are told."""
    text = clean_text(text or "")
    if not text.strip():
        raise ValidationError({"text": _("La transcription est vide.")})
    if len(text) > MAX_TRANSCRIPT_CHARS:
        raise ValidationError({"text": _("La transcription dépasse %(n)s caractères : découpez-la.") % {
            "n": f"{MAX_TRANSCRIPT_CHARS:,}".replace(",", " ")}})  # fmt: skip
    if source not in Transcript.Source.values:
        source = Transcript.Source.TYPED
    with transaction.atomic():
        interview = Interview.objects.select_for_update().get(pk=interview.pk)
        if not interview.consent_given:
            raise ValidationError(
                _(
                    "Le consentement de la personne interrogée n'est pas enregistré : renseignez-le avant la transcription."
                )
            )
        transcript = Transcript.objects.select_for_update().filter(interview=interview).first()
        if transcript is None:
            if expected_version not in (None, 0):
                raise ValidationError(_("La transcription a été supprimée entre-temps : rechargez la page."))
            try:
                with transaction.atomic():
                    transcript = Transcript.objects.create(
                        interview=interview, text=text, source=source, updated_by=_actor(user)
                    )
            except IntegrityError:
                raise ValidationError(
                    _("Une autre personne vient d'enregistrer la transcription : rechargez la page.")
                ) from None
            audit_log(
                actor=user, action=Action.TRANSCRIPT_CHANGED, target=interview, project_id=interview.project_id,
                version=transcript.version, transcript_source=source,
            )  # fmt: skip
            return transcript, None
        if expected_version is not None and expected_version != transcript.version:
            raise ValidationError(
                _(
                    "La transcription a été modifiée par une autre personne depuis que vous l'avez ouverte "
                    "(version %(current)d) : rien n'a été enregistré. Rechargez la page, puis refaites votre modification."
                )
                % {"current": transcript.version}
            )
        if transcript.text == text:
            return transcript, None
        previous = transcript.text
        transcript.text, transcript.source, transcript.updated_by = text, source, _actor(user)
        transcript.version += 1
        transcript.save()
        result = codings_reanchor(transcript, previous)
        audit_log(
            actor=user, action=Action.TRANSCRIPT_CHANGED, target=interview, project_id=interview.project_id,
            version=transcript.version, transcript_source=source, stale_codings=result.stale,
        )  # fmt: skip
    return transcript, result


# Pseudonymisation list ---------------------------------------------------------------------------


def pseudonym_save(*, territory, user, name: str, replacement: str, pseudonym: Pseudonym | None = None) -> Pseudonym:
    name = " ".join((name or "").split())[:120]
    replacement = " ".join((replacement or "").split())[:120]
    errors = {}
    if len(name) < 2:
        errors["name"] = _("Écrivez le nom tel qu'il apparaît dans les transcriptions (2 caractères au moins).")
    if not replacement:
        errors["replacement"] = _("Écrivez ce qui le remplace, par exemple « [la directrice du centre social] ».")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Compared in Python: SQLite folds the case of ASCII letters only ("HÉLÈNE" ≠ "hélène").
        others = Pseudonym.objects.select_for_update().filter(territory=territory)
        if pseudonym is not None:
            others = others.exclude(pk=pseudonym.pk)
        if any(other.casefold() == name.casefold() for other in others.values_list("name", flat=True)):
            raise ValidationError({"name": _("« %(name)s » est déjà dans la liste.") % {"name": name}})
        if pseudonym is None:
            pseudonym = Pseudonym(territory=territory)
        pseudonym.name, pseudonym.replacement = name, replacement
        try:
            with transaction.atomic():
                pseudonym.save()
        except IntegrityError:
            raise ValidationError({"name": _("« %(name)s » est déjà dans la liste.") % {"name": name}}) from None
        audit_log(actor=user, action=Action.PSEUDONYMS_CHANGED, target=territory, project_id=territory.project_id)
    return pseudonym


def pseudonym_delete(*, pseudonym: Pseudonym, user) -> None:
    territory = pseudonym.territory
    with transaction.atomic():
        pseudonym.delete()
        audit_log(actor=user, action=Action.PSEUDONYMS_CHANGED, target=territory, project_id=territory.project_id)
