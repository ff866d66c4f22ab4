"""Writes and computation of the opinion map: keyword-only, atomic, audited when a person of the
project acts.

Permissions are checked by the views (opinion/rules.py) before calling; these services check the
business rules (an open conversation, a published statement, one vote per participant and
statement, a statement's length and content) and raise ValidationError with a French message;
nothing is written then. `result_run` is called by the background task only.
"""

import hashlib
import hmac
import itertools
import re
import time
import unicodedata

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoires.codesign.opinion import compute
from territoires.codesign.opinion.models import (
    STATEMENT_MAX_LENGTH,
    OpinionCode,
    OpinionConversation,
    OpinionMap,
    OpinionParticipant,
    OpinionResult,
    OpinionVote,
    Statement,
)
from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.core.receipts import new_receipt_code, receipt_code_normalise

Action = AuditEvent.Action
STATEMENT_MIN_LENGTH = 8
MAX_STATEMENTS = 1000
MAX_CODES = 500
# A resident proposes at most this many statements per conversation (pending or not): a flood
# from one participant stops here; a flood of new participants from one client is stopped by
# the view's per-address window (opinion/flood.py).
PROPOSALS_PER_PARTICIPANT = 5
LINK = re.compile(r"(https?://|www\.|\b[\w-]+\.(?:com|fr|net|org|io|info|ru|xyz)\b)", re.IGNORECASE)


def statement_clean(text: str) -> str:
    """The statement as stored: control characters dropped, spaces collapsed; a French message
    when it is empty, too short, too long or carries a link."""
    text = "".join(ch for ch in str(text) if unicodedata.category(ch)[0] != "C" or ch in " \t\n")
    text = " ".join(text.split())
    if len(text) < STATEMENT_MIN_LENGTH:
        raise ValidationError(
            {"text": _("Écrivez une affirmation d'au moins %(n)d caractères.") % {"n": STATEMENT_MIN_LENGTH}}
        )
    if len(text) > STATEMENT_MAX_LENGTH:
        raise ValidationError(
            {"text": _("Une affirmation tient en %(n)d caractères au plus.") % {"n": STATEMENT_MAX_LENGTH}}
        )
    if LINK.search(text):
        raise ValidationError({"text": _("Les liens ne sont pas acceptés dans une affirmation.")})
    return text


def _text_key(text: str) -> str:
    return " ".join(text.casefold().split())[:STATEMENT_MAX_LENGTH]


def _statement_create(*, opinion_map, text, **fields) -> Statement:
    text = statement_clean(text)
    if opinion_map.statements.count() >= MAX_STATEMENTS:
        raise ValidationError({"text": _("Cette carte a atteint le nombre maximal d'affirmations.")})
    try:
        with transaction.atomic():
            return Statement.objects.create(opinion_map=opinion_map, text=text, text_key=_text_key(text), **fields)
    except IntegrityError as error:
        raise ValidationError({"text": _("Cette affirmation existe déjà.")}) from error


@transaction.atomic
def opinion_map_create(
    *,
    project,
    user,
    title: str,
    description: str = "",
    residents_propose: bool = True,
    statements=(),
    synthetic: bool = False,
) -> OpinionMap:
    """A map for the project, with one conversation (in preparation) per participating territory."""
    title = " ".join(str(title).split())
    if not title:
        raise ValidationError({"title": _("Posez la question de la carte.")})
    opinion_map = OpinionMap.objects.create(
        project=project, title=title[:200], description=description.strip(), residents_propose=residents_propose,
        synthetic=synthetic, created_by=user if user is not None and user.is_authenticated else None,
    )  # fmt: skip
    for territory in project.participations.all():
        if territory.is_participant:
            OpinionConversation.objects.create(opinion_map=opinion_map, territory=territory)
    for text in statements:
        _statement_create(opinion_map=opinion_map, text=text)
    audit_log(actor=user, action=Action.OPINION_MAP_SAVED, target=opinion_map, project_id=project.pk)
    return opinion_map


@transaction.atomic
def statement_add(*, opinion_map: OpinionMap, user, text: str) -> Statement:
    """A statement seeded by the team: published at once, in every town."""
    statement = _statement_create(opinion_map=opinion_map, text=text)
    audit_log(
        actor=user, action=Action.OPINION_MAP_SAVED, target=opinion_map, project_id=opinion_map.project_id,
        statement=statement.text,
    )  # fmt: skip
    return statement


@transaction.atomic
def statement_propose(*, conversation: OpinionConversation, participant: OpinionParticipant, text: str) -> Statement:
    """A resident's statement: waits for moderation, then joins the shared set."""
    conversation = OpinionConversation.objects.select_for_update().select_related("opinion_map").get(pk=conversation.pk)
    if not conversation.is_open:
        raise ValidationError(_("Cette conversation n'est pas ouverte : rien n'a été enregistré."))
    if not conversation.opinion_map.residents_propose:
        raise ValidationError(_("Les propositions d'affirmations ne sont pas ouvertes pour cette carte."))
    if Statement.objects.filter(proposed_by=participant).count() >= PROPOSALS_PER_PARTICIPANT:
        raise ValidationError(
            {"text": _("Vous avez déjà proposé %(n)d affirmations : merci, l'équipe les relit.")
             % {"n": PROPOSALS_PER_PARTICIPANT}}
        )  # fmt: skip
    return _statement_create(
        opinion_map=conversation.opinion_map, text=text, status=Statement.Status.PENDING, seeded=False,
        proposed_in=conversation, proposed_by=participant,
    )  # fmt: skip


@transaction.atomic
def statement_moderate(*, statement: Statement, user, decision: str, note: str = "") -> Statement:
    if decision not in (Statement.Status.PUBLISHED, Statement.Status.REJECTED):
        raise ValidationError({"decision": _("Choisissez de publier ou de refuser l'affirmation.")})
    statement.status = decision
    statement.moderation_note = note.strip()[:300]
    statement.save(update_fields=["status", "moderation_note"])
    audit_log(
        actor=user, action=Action.OPINION_STATEMENT_MODERATED, target=statement,
        project_id=statement.opinion_map.project_id, decision=decision,
    )  # fmt: skip
    return statement


@transaction.atomic
def conversation_change(*, conversation: OpinionConversation, user, status=None, results_public=None,
                        configuration=None) -> OpinionConversation:  # fmt: skip
    conversation = OpinionConversation.objects.select_for_update().get(pk=conversation.pk)
    if status is not None:
        allowed = {"draft": {"open"}, "open": {"closed"}, "closed": {"open"}}
        if status not in allowed.get(conversation.status, set()):
            raise ValidationError(_("Cette conversation ne peut pas passer à cet état."))
        if status == "open" and not conversation.opinion_map.statements.published().exists():
            raise ValidationError(_("Ajoutez au moins une affirmation avant d'ouvrir le vote."))
        conversation.status = status
    if results_public is not None:
        if results_public and not conversation.results.filter(status=OpinionResult.Status.DONE).exists():
            raise ValidationError(_("Calculez la carte avant de la publier."))
        conversation.results_public = results_public
    if configuration is not None:
        if configuration not in OpinionConversation.Configuration.values:
            raise ValidationError(_("Réglage de calcul inconnu."))
        conversation.configuration = configuration
    conversation.save()
    audit_log(
        actor=user, action=Action.OPINION_CONVERSATION_CHANGED, target=conversation,
        project_id=conversation.territory.project_id, status=conversation.status,
        public=conversation.results_public, configuration=conversation.configuration,
    )  # fmt: skip
    return conversation


# Participants and votes ---------------------------------------------------------------------------


def participant_key(*, conversation_id: int, secret: str) -> str:
    """A keyed hash of the cookie's random id (or of a code): the id itself is never stored."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"opinion|{conversation_id}|{secret}".encode(), hashlib.sha256
    ).hexdigest()


def participant_for(*, conversation: OpinionConversation, secret: str, via_code: bool = False) -> OpinionParticipant:
    key = participant_key(conversation_id=conversation.pk, secret=secret)
    try:
        with transaction.atomic():
            participant, _created = OpinionParticipant.objects.get_or_create(
                conversation=conversation, key=key, defaults={"via_code": via_code}
            )
    except IntegrityError:  # two first votes at once: the other request created them
        participant = OpinionParticipant.objects.get(conversation=conversation, key=key)
    return participant


def participant_by_code(*, conversation: OpinionConversation, code: str) -> OpinionParticipant:
    normalised = receipt_code_normalise(code or "")
    found = OpinionCode.objects.filter(conversation=conversation, code=normalised).first() if normalised else None
    if found is None:
        raise ValidationError(
            {"code": _("Ce code n'est pas valable pour cette conversation. Vérifiez-le sur votre papier.")}
        )
    with transaction.atomic():
        found = OpinionCode.objects.select_for_update().get(pk=found.pk)
        if found.participant_id is None:
            found.participant = participant_for(conversation=conversation, secret=f"code:{found.code}", via_code=True)
            found.save(update_fields=["participant"])
    return found.participant


@transaction.atomic
def codes_issue(*, conversation: OpinionConversation, user, count: int) -> list[OpinionCode]:
    if not 1 <= count <= MAX_CODES:
        raise ValidationError(_("Entre 1 et %(n)d codes à la fois.") % {"n": MAX_CODES})
    codes = [OpinionCode(conversation=conversation, code=new_receipt_code()) for _i in range(count)]
    OpinionCode.objects.bulk_create(codes)
    audit_log(
        actor=user, action=Action.OPINION_CONVERSATION_CHANGED, target=conversation,
        project_id=conversation.territory.project_id, count=count,
    )  # fmt: skip
    return codes


def vote_cast(
    *, conversation: OpinionConversation, participant: OpinionParticipant, statement_id, value
) -> OpinionVote:
    """One vote: refused on a conversation that is not open, on a statement that is not published
    in this map, with a value other than agree/disagree/pass, or a second time."""
    try:
        value = int(value)
        statement_id = int(statement_id)
    except (TypeError, ValueError) as error:
        raise ValidationError(_("Choisissez « D'accord », « Pas d'accord » ou « Je passe ».")) from error
    if value not in (-1, 0, 1):
        raise ValidationError(_("Choisissez « D'accord », « Pas d'accord » ou « Je passe »."))
    current = OpinionConversation.objects.filter(pk=conversation.pk).values_list("status", flat=True).first()
    if current != OpinionConversation.Status.OPEN:
        raise ValidationError(_("Le vote est clos pour cette conversation : votre avis n'a pas été enregistré."))
    if participant.conversation_id != conversation.pk:
        raise ValidationError(_("Ce vote ne correspond pas à cette conversation."))
    if not Statement.objects.published().filter(pk=statement_id, opinion_map_id=conversation.opinion_map_id).exists():
        raise ValidationError(_("Cette affirmation n'est pas soumise au vote."))
    try:
        with transaction.atomic():
            return OpinionVote.objects.create(
                conversation=conversation, participant=participant, statement_id=statement_id, value=value
            )
    except IntegrityError as error:
        raise ValidationError(_("Vous avez déjà donné votre avis sur cette affirmation.")) from error


def next_statement(*, conversation: OpinionConversation, participant: OpinionParticipant | None):
    """The next published statement this participant has not voted on (in the map's order)."""
    statements = Statement.objects.published().filter(opinion_map_id=conversation.opinion_map_id)
    if participant is not None:
        statements = statements.exclude(votes__participant=participant)
    return statements.order_by("id").first()


# Computation --------------------------------------------------------------------------------------


def result_request(*, conversation: OpinionConversation, user) -> OpinionResult:
    """Queues a computation, run after commit by the background task; while one is queued or
    running, returns that one (a resent request starts nothing twice)."""
    from territoires.codesign.opinion.tasks import opinion_map_compute

    with transaction.atomic():
        OpinionConversation.objects.select_for_update().get(pk=conversation.pk)
        pending = conversation.results.filter(
            status__in=[OpinionResult.Status.QUEUED, OpinionResult.Status.RUNNING]
        ).first()
        if pending is not None:
            return pending
        result = OpinionResult.objects.create(
            conversation=conversation, requested_by=user if user is not None and user.is_authenticated else None
        )
        transaction.on_commit(lambda: opinion_map_compute.enqueue(result.pk))
    return result


def votes_load(conversation_id: int):
    """The conversation's votes as numpy arrays: (participant ids, statement ids, matrix), the
    matrix holding NaN where no vote. Published statements only. One query read from a covering
    index straight into an array; the statements' status is applied in numpy rather than joined
    row by row (make bench ONLY=codesign.opinion)."""
    conversation = OpinionConversation.objects.filter(pk=conversation_id).values("opinion_map_id").first()
    published = np.array(
        sorted(
            Statement.objects.published()
            .filter(opinion_map_id=conversation["opinion_map_id"] if conversation else None)
            .values_list("id", flat=True)
        ),
        dtype=np.int64,
    )
    # Table and column names are the models' own; the value is a parameter.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT participant_id, statement_id, value FROM {OpinionVote._meta.db_table} "  # noqa: S608
            "WHERE conversation_id = %s",
            [conversation_id],
        )
        # Straight from the cursor into one flat array: no list of a million tuples in between.
        flat = np.fromiter(itertools.chain.from_iterable(cursor), dtype=np.int64)
    data = flat.reshape(-1, 3)
    data = data[np.isin(data[:, 1], published)]
    participant_ids, rows_index = np.unique(data[:, 0], return_inverse=True)
    statement_ids, cols_index = np.unique(data[:, 1], return_inverse=True)
    matrix = compute.vote_matrix(rows_index, cols_index, data[:, 2], (len(participant_ids), len(statement_ids)))
    return participant_ids, statement_ids, matrix


def result_run(*, result_id: int) -> OpinionResult | None:
    """Computes a queued result (the task's body): loads the votes, runs compute.py, stores plain
    data for the pages. A conversation without enough votes ends "failed" with a French message."""
    with transaction.atomic():
        result = OpinionResult.objects.select_for_update().filter(pk=result_id).first()
        if result is None or result.status != OpinionResult.Status.QUEUED:
            return result
        result.status = OpinionResult.Status.RUNNING
        result.save(update_fields=["status"])
    started = time.perf_counter()
    conversation = OpinionConversation.objects.select_related("opinion_map").get(pk=result.conversation_id)
    participant_ids, statement_ids, matrix = votes_load(conversation.pk)
    config = compute.config_for(conversation.configuration, len(participant_ids))
    result.participant_count = len(participant_ids)
    result.vote_count = int((~np.isnan(matrix)).sum())
    try:
        computed = compute.opinion_compute(matrix, config)
    except compute.NotEnoughVotes:
        result.status = OpinionResult.Status.FAILED
        result.error = _(
            "Pas assez de votes pour dessiner des groupes : il faut au moins %(n)d participant·es ayant "
            "donné %(votes)d avis."
        ) % {"n": max(2 * config.min_group_size, config.k_min + 1), "votes": config.min_votes}
        result.data = {"config": config.as_dict()}
    else:
        result.status = OpinionResult.Status.DONE
        result.data = result_data(computed, participant_ids, statement_ids)
    result.duration_ms = int((time.perf_counter() - started) * 1000)
    result.finished_at = timezone.now()
    result.save()
    return result


def result_data(computed: dict, participant_ids, statement_ids) -> dict:
    """Plain JSON for the pages: statement indices become statement ids; participants are kept
    as anonymous points (x, y, group), never with their ids."""
    ids = [int(pk) for pk in statement_ids]

    def with_ids(entries):
        return [{**entry, "statement": ids[entry["statement"]]} for entry in entries]

    stats = computed["stats"]
    groups = []
    for g, size in enumerate(computed["group_sizes"]):
        groups.append({
            "label": chr(ord("A") + g),
            "size": size,
            "repness": with_ids(computed["repness"][g]),
            # {statement id: [agrees, disagrees, votes]} for the comparison and the table.
            "votes": {str(ids[c]): [int(stats["na"][g, c]), int(stats["nd"][g, c]), int(stats["ns"][g, c])]
                      for c in range(len(ids))},
        })  # fmt: skip
    points = computed["points"]
    return {
        "config": computed["config"],
        "k": computed["k"],
        "silhouettes": computed["silhouettes"],
        "groups": groups,
        "consensus": {direction: with_ids(entries) for direction, entries in computed["consensus"].items()},
        "participant_ids": [int(pk) for pk in participant_ids],
        "participants": [
            [round(float(x), 3), round(float(y), 3), int(label)]
            for (x, y), label in zip(points, computed["labels"], strict=True)
        ],
    }


def latest_result(conversation: OpinionConversation) -> OpinionResult | None:
    return conversation.results.filter(status=OpinionResult.Status.DONE).order_by("-finished_at", "-id").first()
