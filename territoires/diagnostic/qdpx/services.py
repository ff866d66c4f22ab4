"""Exports and imports of the project's coding (REFI-QDA), each a `CodingExchange` run by a task.

The request only records what was asked (and, for an import, stores the uploaded file privately);
the task builds or imports, then marks the exchange done or failed with every problem in French.
An import is all or nothing: one transaction, after the whole file was read and checked
(reader.py). The task re-checks the person's right, since it runs later than the click.
"""

import logging
import os
import secrets
import tempfile
import uuid

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.diagnostic.coding.services import coding_revision_bump
from territoires.diagnostic.qdpx import reader, writer
from territoires.diagnostic.qdpx.models import CodingExchange

logger = logging.getLogger(__name__)
Action = AuditEvent.Action
Kind = CodingExchange.Kind
Status = CodingExchange.Status

UNEXPECTED = _(
    "Une erreur inattendue a interrompu l'opération ; rien n'a été modifié. Relancez-la ; si l'échec se répète, "
    "signalez-le."
)


def _mark(exchange_id: int, **fields) -> None:
    CodingExchange.objects.filter(pk=exchange_id).update(updated_at=timezone.now(), **fields)


def _enqueue(exchange: CodingExchange) -> None:
    from territoires.diagnostic.qdpx.tasks import coding_exchange_run

    transaction.on_commit(lambda: coding_exchange_run.enqueue(exchange.pk))


# --- requests (from the views) --------------------------------------------------------------------


def coding_export_request(*, project, user, kind: str, territory=None) -> CodingExchange:
    """Queue an export for this person; a second click while one is pending returns the pending one."""
    if kind not in (Kind.EXPORT_QDPX, Kind.EXPORT_QDC):
        raise ValueError(kind)
    with transaction.atomic():
        pending = CodingExchange.objects.filter(
            project=project,
            requested_by=user,
            kind=kind,
            territory=territory,
            status__in=[Status.QUEUED, Status.RUNNING],
        ).first()
        if pending is not None:
            return pending
        exchange = CodingExchange.objects.create(
            project=project, territory=territory, kind=kind, requested_by=user, token=secrets.token_hex(12)
        )
        _enqueue(exchange)
    return exchange


def coding_import_request(*, project, user, kind: str, upload, territory=None) -> CodingExchange:
    """Store the uploaded file privately and queue its import."""
    if kind not in (Kind.IMPORT_QDPX, Kind.IMPORT_QDC):
        raise ValueError(kind)
    with transaction.atomic():
        exchange = CodingExchange(
            project=project,
            territory=territory,
            kind=kind,
            requested_by=user,
            token=secrets.token_hex(12),
            original_name=os.path.basename(upload.name or "")[:255],
        )
        exchange.file.save("upload", upload, save=False)
        exchange.save()
        _enqueue(exchange)
    return exchange


# --- the task's work ------------------------------------------------------------------------------


def exchange_still_allowed(exchange: CodingExchange) -> bool:
    user, project = exchange.requested_by, exchange.project
    if exchange.kind == Kind.EXPORT_QDPX:
        if exchange.territory_id:
            return user.has_perm("diagnostic.export_coding_territory", exchange.territory)
        return user.has_perm("diagnostic.export_coding_project", project)
    if exchange.kind == Kind.EXPORT_QDC:
        return user.has_perm("diagnostic.export_codebook", project)
    if exchange.kind == Kind.IMPORT_QDC:
        return user.has_perm("diagnostic.import_codebook", project)
    return exchange.territory_id is not None and user.has_perm("diagnostic.import_coding_project", exchange.territory)


def coding_exchange_run(*, exchange_id: int) -> CodingExchange | None:
    exchange = (
        CodingExchange.objects.select_related(
            "project", "territory__organisation", "territory__project", "requested_by"
        )
        .filter(pk=exchange_id)
        .first()
    )
    if exchange is None or not exchange.is_pending:
        return exchange
    _mark(exchange.pk, status=Status.RUNNING)
    if not exchange_still_allowed(exchange):
        _mark(
            exchange.pk,
            status=Status.FAILED,
            errors=[_("Vous n'avez plus le droit de faire cette opération sur ce projet : elle n'a pas été faite.")],
            finished_at=timezone.now(),
        )
        return CodingExchange.objects.get(pk=exchange.pk)
    try:
        if exchange.is_export:
            summary = _build_export(exchange)
        elif exchange.kind == Kind.IMPORT_QDC:
            summary = _import_codebook_file(exchange)
        else:
            summary = _import_project_file(exchange)
    except reader.ExchangeFileError as error:
        _mark(exchange.pk, status=Status.FAILED, errors=error.problems, finished_at=timezone.now())
    except Exception:
        logger.exception("Coding exchange %s failed", exchange.pk)
        _mark(exchange.pk, status=Status.FAILED, errors=[str(UNEXPECTED)], finished_at=timezone.now())
    else:
        _mark(exchange.pk, status=Status.DONE, summary=summary, errors=[], finished_at=timezone.now())
    return CodingExchange.objects.get(pk=exchange.pk)


def _build_export(exchange: CodingExchange) -> dict:
    from territoires.diagnostic.coding.models import Code

    project = exchange.project
    if exchange.kind == Kind.EXPORT_QDC:
        if not Code.objects.filter(project=project).exists():
            raise reader.ExchangeFileError([_("La grille de codage du projet est vide : il n'y a rien à exporter.")])
        name = exchange.file.storage.save(exchange_export_name(exchange), ContentFile(writer.codebook_xml(project)))
        summary = {"codes": Code.objects.filter(project=project).count()}
    else:
        storage = exchange.file.storage
        name = exchange_export_name(exchange)
        final_path = storage.path(name)
        os.makedirs(os.path.dirname(final_path), exist_ok=True)
        # Written beside its final place, then renamed: a half-written file is never downloadable.
        handle = tempfile.NamedTemporaryFile(dir=os.path.dirname(final_path), suffix=".part", delete=False)  # noqa: SIM115 (closed below, renamed or removed)
        try:
            with handle:
                summary = writer.write_qdpx(
                    handle, project=project, territory=exchange.territory, requested_by=exchange.requested_by
                )
            os.replace(handle.name, final_path)
        except BaseException:
            if os.path.exists(handle.name):
                os.unlink(handle.name)
            raise
    CodingExchange.objects.filter(pk=exchange.pk).update(file=name)
    audit_log(
        actor=exchange.requested_by,
        action=Action.CODING_EXPORTED,
        target=exchange,
        project_id=project.pk,
        file=exchange.get_kind_display(),
        territory=exchange.territory.organisation.name if exchange.territory_id else _("tout le projet"),
    )
    return summary


def exchange_export_name(exchange: CodingExchange) -> str:
    return f"diagnostic/qdpx/{exchange.project_id}/{exchange.kind}-{exchange.token}.{exchange.extension}"


# --- codebook merge -------------------------------------------------------------------------------


def _free_guid(model, guid: str | None) -> uuid.UUID:
    """The file's guid when no row of `model` holds it yet (on this platform, any project), else a new one."""
    if guid and not model.objects.filter(guid=guid).exists():
        return uuid.UUID(guid)
    return uuid.uuid4()


def codebook_merge(*, project, codes: list[reader.ParsedCode]) -> tuple[dict, dict]:
    """Merge parsed codes into the project's codebook, parents before children: a code of the same
    guid, or else of the same name (letter case aside), is the same code and stays as it is; any
    other is created under its parent. Returns ({file guid: Code}, counts). Call inside a transaction."""
    from territoires.diagnostic.coding.models import Code

    existing = list(Code.objects.select_for_update().filter(project=project))
    by_guid = {str(code.guid): code for code in existing}
    by_name = {code.name.casefold(): code for code in existing}
    position = (Code.objects.filter(project=project).aggregate(top=Max("position"))["top"] or 0) + 1
    mapping, created, matched = {}, 0, 0
    for parsed in codes:
        code = by_guid.get(parsed.guid) or by_name.get(parsed.name.casefold())
        if code is None:
            code = Code.objects.create(
                guid=_free_guid(Code, parsed.guid),
                project=project,
                parent=mapping.get(parsed.parent_guid),
                name=parsed.name,
                definition=parsed.definition,
                example=parsed.example,
                colour=parsed.colour if len(parsed.colour) == 7 else Code._meta.get_field("colour").default,
                position=min(position, 32767),
            )
            position += 1
            created += 1
            by_name[code.name.casefold()] = code
        else:
            matched += 1
        mapping[parsed.guid] = code
    return mapping, {"codes_created": created, "codes_matched": matched}


def _import_codebook_file(exchange: CodingExchange) -> dict:
    with exchange.file.open("rb") as handle:
        codes = reader.read_qdc(handle)
    try:
        with transaction.atomic():
            _mapping, counts = codebook_merge(project=exchange.project, codes=codes)
            coding_revision_bump(exchange.project_id)
            audit_log(
                actor=exchange.requested_by, action=Action.CODEBOOK_IMPORTED, target=exchange,
                project_id=exchange.project_id, file=exchange.original_name, created=counts["codes_created"],
            )  # fmt: skip
    except IntegrityError:
        raise reader.ExchangeFileError(
            [_("La grille n'a pas pu être fusionnée (un code a été ajouté en même temps) : relancez l'import.")]
        ) from None
    return counts


# --- project import -------------------------------------------------------------------------------


def _local_users(guids) -> dict:
    """{file user guid: local user} for the guids this platform gave its own accounts (writer.user_guid)."""
    from territoires.accounts.models import User

    wanted = set(guids)
    if not wanted:
        return {}
    found = {}
    for pk in User.objects.values_list("pk", flat=True).iterator(chunk_size=5000):
        guid = writer.user_guid(pk)
        if guid in wanted:
            found[guid] = pk
    return found


def coding_project_import(*, territory, user, parsed: reader.ParsedProject, file_name: str = "") -> dict:
    """Import a parsed project into a territory, all or nothing: its codebook merged into the
    project's, each text source an interview marked as imported (its transcript's origin is
    "Projet REFI-QDA importé"), each coded passage a coding with its offsets and memo. A coder this
    platform knows (same guid) stays the coder; another one is named in the coding's memo."""
    from territoires.diagnostic.coding.models import Coding
    from territoires.diagnostic.interviews.models import Interview, Transcript

    project = territory.project
    local_users = _local_users(parsed.users)
    today = timezone.localdate()
    imported_on = timezone.now()
    with transaction.atomic():
        mapping, counts = codebook_merge(project=project, codes=parsed.codes)
        interviews, transcripts = [], []
        for source in parsed.sources:
            created = parse_datetime(source.created) if source.created else None
            interviews.append(
                Interview(
                    guid=uuid.uuid4(),
                    territory=territory,
                    project=project,
                    title=source.name,
                    held_on=created.date() if created else today,
                    notes=_("Importé le %(date)s du projet REFI-QDA « %(name)s » (%(file)s).")
                    % {"date": f"{imported_on:%d/%m/%Y}", "name": parsed.name, "file": file_name},
                    created_by=user,
                )
            )
        Interview.objects.bulk_create(interviews, batch_size=500)
        for interview, source in zip(interviews, parsed.sources, strict=True):
            transcripts.append(
                Transcript(
                    guid=_free_guid(Transcript, source.guid),
                    interview=interview,
                    text=source.text,
                    source=Transcript.Source.QDPX,
                    updated_by=user,
                )
            )
        Transcript.objects.bulk_create(transcripts, batch_size=200)
        codings = []
        taken = set()
        for transcript, source in zip(transcripts, parsed.sources, strict=True):
            for selection in source.selections:
                coder_id = local_users.get(selection.user_guid)
                memo = selection.memo
                if selection.user_guid and coder_id is None:
                    name = parsed.users.get(selection.user_guid) or selection.user_guid
                    memo = (_("Codé par « %(name)s » (fichier importé).") % {"name": name}) + (
                        "\n\n" + memo if memo else ""
                    )
                for code_guid in selection.code_guids:
                    guid = selection.guid if selection.guid not in taken else None
                    taken.add(selection.guid)
                    codings.append(
                        Coding(
                            guid=_free_guid(Coding, guid),
                            code=mapping[code_guid],
                            project=project,
                            territory=territory,
                            transcript=transcript,
                            start=selection.start,
                            end=selection.end,
                            quote=source.text[selection.start : selection.end],
                            transcript_version=transcript.version,
                            memo=memo,
                            coder_id=coder_id,
                        )
                    )
        Coding.objects.bulk_create(codings, batch_size=1000)
        coding_revision_bump(project.pk)  # the analysis' cache (coding/analysis.py) is keyed on it
        counts.update(interviews=len(interviews), codings=len(codings), skipped_sources=parsed.skipped)
        audit_log(
            actor=user, action=Action.CODING_IMPORTED, target=territory, project_id=project.pk,
            file=file_name, created=_("%(interviews)d entretiens, %(codings)d codages") % counts,
        )  # fmt: skip
    return counts


def _import_project_file(exchange: CodingExchange) -> dict:
    from django.conf import settings

    if exchange.file.size > settings.QDPX_IMPORT_MAX_MB * 1024 * 1024:
        raise reader.ExchangeFileError([_("Le fichier dépasse %(max)d Mo.") % {"max": settings.QDPX_IMPORT_MAX_MB}])
    with exchange.file.open("rb") as handle:
        parsed = reader.read_qdpx(handle)
    try:
        return coding_project_import(
            territory=exchange.territory, user=exchange.requested_by, parsed=parsed, file_name=exchange.original_name
        )
    except IntegrityError:
        raise reader.ExchangeFileError(
            [_("Le projet n'a pas pu être importé (une donnée a changé en même temps) : relancez l'import.")]
        ) from None


def coding_exchange_file_purge(*, exchange: CodingExchange) -> None:
    """Deletes the exchange's file (an export downloaded, an import done): the row stays as its trace."""
    if exchange.file:
        exchange.file.delete(save=False)
        CodingExchange.objects.filter(pk=exchange.pk).update(file="")
