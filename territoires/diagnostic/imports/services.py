"""Imports into a territory's directory (and INSEE population into core's table): upload, mapping,
preview, the background run, and the review of proposed duplicates.

Permissions are checked by the views (diagnostic.import_entries, diagnostic.merge_entry); the task
runs what a permitted person started, and `import_run` re-reads only the job's own territory.

The run reads the file twice at most and never holds it whole: a first pass converts and checks each
row (progress stored as it goes, nothing written to the directory), then ONE transaction writes the
new entries (bulk_create), the changed ones (bulk_update), the report lines and the duplicate
proposals. An error anywhere rolls it all back: an import failing halfway leaves the directory as it
was. A line is recognised on re-import by (territory, source, identifier in the source) — the
file's own identifier, or a key made from name, address and commune — so re-importing the same file
changes nothing.
"""

import hashlib
import logging
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.core.population import PopulationFigure
from territoires.core.storage import local_copy
from territoires.diagnostic.imports import mapping as mapping_module
from territoires.diagnostic.imports.dedup import Created, propose_duplicates
from territoires.diagnostic.imports.models import DuplicateProposal, ImportJob, ImportLineError
from territoires.diagnostic.imports.presets import PRESETS
from territoires.diagnostic.imports.readers import Table, TableError, format_of, open_table
from territoires.diagnostic.kinds import KINDS
from territoires.diagnostic.models import Entry
from territoires.diagnostic.services import entries_merge
from territoires.projects.models import Participation

logger = logging.getLogger(__name__)
Action = AuditEvent.Action
PREVIEW_ROWS = 20
PROGRESS_EVERY = 2000
BATCH = 1000


def _max_bytes() -> int:
    return settings.DIRECTORY_IMPORT_MAX_MB * 1024 * 1024


# --- Upload and mapping ------------------------------------------------------------------------


def import_upload(*, territory, user, uploaded_file, target: str = ImportJob.Target.DIRECTORY) -> ImportJob:
    """Stores the file privately and reads its head (encoding, delimiter, columns, row count); a file
    that cannot be read is refused here and nothing is kept."""
    if target not in ImportJob.Target.values:
        raise ValidationError({"target": _("Choisissez ce que contient le fichier.")})
    name = Path(uploaded_file.name or "").name[:200] or "fichier"
    file_format = format_of(name)
    if file_format is None:
        raise ValidationError({"file": _("Déposez un fichier CSV, XLSX ou GeoJSON (.csv, .xlsx, .geojson).")})
    if uploaded_file.size > _max_bytes():
        raise ValidationError(
            {"file": _("Ce fichier pèse %(size)s ; la limite est de %(limit)s. Découpez-le et importez les morceaux.")
             % {"size": filesizeformat(uploaded_file.size), "limit": filesizeformat(_max_bytes())}}
        )  # fmt: skip
    if target == ImportJob.Target.POPULATION and not territory.organisation.insee_code:
        raise ValidationError(
            _("La population s'importe par commune : ce territoire n'a pas de code INSEE de commune.")
        )
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    job = ImportJob(
        project_id=territory.project_id, territory=territory, target=target, requested_by=user, filename=name,
        file_format=file_format, sha256=digest.hexdigest(),
    )  # fmt: skip
    extension = Path(name).suffix.lower()
    stored = job.file.storage.save(f"diagnostic/imports/{timezone.now():%Y/%m}/{secrets.token_urlsafe(12)}{extension}",
                                   File(uploaded_file))  # fmt: skip
    job.file.name = stored
    try:
        with local_copy(job.file, suffix=extension) as path:
            table = open_table(path, file_format, max_rows=settings.DIRECTORY_IMPORT_MAX_ROWS)
    except TableError as error:
        job.file.storage.delete(stored)
        raise ValidationError({"file": error.messages}) from error
    except Exception as error:
        job.file.storage.delete(stored)
        logger.exception("Unreadable import file %s", name)
        raise ValidationError({"file": _("Ce fichier est illisible.")}) from error
    if table.row_count == 0:
        job.file.storage.delete(stored)
        raise ValidationError({"file": _("Le fichier n'a aucune ligne de données sous ses noms de colonnes.")})
    job.encoding, job.delimiter, job.columns, job.row_count = (
        table.encoding,
        table.delimiter,
        table.columns,
        table.row_count,
    )
    from territoires.diagnostic.imports.presets import recognise

    preset = recognise(table.columns, target)
    job.preset = preset.code if preset else ""
    job.kind = (
        preset.kind if preset and target == ImportJob.Target.DIRECTORY else ("place" if target == "directory" else "")
    )
    job.source = preset.source if preset else ""
    job.source_year = preset.year if preset else None
    job.mapping = mapping_module.initial_mapping(preset, table.columns)
    job.save()
    return job


def import_configure(
    *, job: ImportJob, user, preset: str, kind: str, mapping: dict, source: str, source_year: int
) -> ImportJob:
    """Saves the column mapping; raises French errors when it cannot be imported."""
    if job.status != ImportJob.Status.UPLOADED:
        raise ValidationError(_("Cet import est déjà lancé : déposez le fichier à nouveau pour le refaire."))
    errors = {}
    if job.target == ImportJob.Target.DIRECTORY and kind not in KINDS:
        errors["kind"] = _("Choisissez le type des fiches à créer.")
    if preset and (preset not in PRESETS or PRESETS[preset].target != job.target):
        errors["preset"] = _("Ce modèle de colonnes n'existe pas.")
    source = " ".join((source or "").split())
    if not source:
        errors["source"] = _("Dites d'où viennent ces données (elle s'affiche sur chaque fiche).")
    if not source_year or not 1900 <= source_year <= timezone.localdate().year + 1:
        errors["source_year"] = _("Indiquez l'année des données (par exemple %(year)s).") % {
            "year": timezone.localdate().year
        }
    clean = {target: column for target, column in mapping.items() if column}
    unknown = [column for column in clean.values() if column not in job.columns]
    if unknown:
        errors["mapping"] = _("Colonnes inconnues : %(columns)s.") % {"columns": ", ".join(unknown)}
    missing = [
        t.label
        for t in mapping_module.targets_for(job.target)
        if t.code in mapping_module.REQUIRED[job.target] and t.code not in clean
    ]
    chosen = PRESETS.get(preset)
    if missing and not (chosen and chosen.finish and missing == [mapping_module.DIRECTORY_TARGETS[0].label]):
        errors.setdefault(
            "mapping", _("Choisissez une colonne pour : %(fields)s.") % {"fields": ", ".join(str(m) for m in missing)}
        )
    if job.target == ImportJob.Target.DIRECTORY:
        if bool(clean.get("lambert_x")) != bool(clean.get("lambert_y")):
            errors.setdefault("mapping", _("Choisissez les deux colonnes X et Y Lambert-93, ou aucune."))
        if bool(clean.get("latitude")) != bool(clean.get("longitude")):
            errors.setdefault("mapping", _("Choisissez les deux colonnes latitude et longitude, ou aucune."))
    if errors:
        raise ValidationError(errors)
    ImportJob.objects.filter(pk=job.pk).update(
        preset=preset, kind=kind if job.target == "directory" else "", mapping=clean, source=source[:200],
        source_year=source_year, updated_at=timezone.now(),
    )  # fmt: skip
    job.refresh_from_db()
    return job


def _table(job: ImportJob, path: Path) -> Table:
    """The job's table read from `path`, a local copy of its file (`local_copy`: the file may be in a bucket)."""
    return open_table(path, job.file_format, max_rows=settings.DIRECTORY_IMPORT_MAX_ROWS, known_rows=job.row_count)


def import_preview(*, job: ImportJob, limit: int = PREVIEW_ROWS) -> list[tuple[int, object, list[str]]]:
    """The first rows as they would be imported: (line, values or None, problems); a row of another
    commune is shown with the note that it will be left aside."""
    preset = PRESETS.get(job.preset)
    territory_code = _territory_code(job)
    with local_copy(job.file) as path:
        return _preview_rows(job, path, preset, territory_code, limit)


def _preview_rows(job: ImportJob, path: Path, preset, territory_code: str, limit: int) -> list:
    rows = []
    for line, row in _table(job, path).rows():
        if job.target == ImportJob.Target.POPULATION:
            values, problems = mapping_module.convert_population_row(line, row, job.mapping)
        else:
            values, problems = mapping_module.convert_row(line, row, job.mapping, job.kind, preset)
        if values is not None and territory_code and values.commune_code and values.commune_code != territory_code:
            values, problems = None, [_("commune %(code)s : ligne laissée de côté (autre commune que le territoire)")
                                      % {"code": values.commune_code}]  # fmt: skip
        rows.append((line, values, problems))
        if len(rows) >= limit:
            break
    return rows


def _territory_code(job: ImportJob) -> str:
    organisation = job.territory.organisation
    return organisation.insee_code if organisation.kind == "commune" else ""


def import_start(*, job: ImportJob, user) -> ImportJob:
    """Queues the run after commit (a resent request finds the job queued and does nothing)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJob.Status.UPLOADED:
            return job
        if not job.source or not job.source_year:
            raise ValidationError(_("Vérifiez d'abord la correspondance des colonnes."))
        job.status, job.progress = ImportJob.Status.QUEUED, 0
        job.save(update_fields=["status", "progress", "updated_at"])
        from territoires.diagnostic.imports.tasks import import_file

        transaction.on_commit(lambda: import_file.enqueue(job.pk))
    return job


# --- The run -----------------------------------------------------------------------------------


class _Refused(Exception):
    pass


def _mark(job_id: int, **fields) -> None:
    ImportJob.objects.filter(pk=job_id).update(updated_at=timezone.now(), **fields)


def import_run(*, job_id: int) -> ImportJob | None:
    """The task's body: converts every row, then writes everything in one transaction."""
    if not ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, updated_at=timezone.now()
    ):
        return ImportJob.objects.filter(pk=job_id).first()
    job = ImportJob.objects.select_related("territory__organisation", "project").get(pk=job_id)
    try:
        with local_copy(job.file) as path:
            if job.target == ImportJob.Target.POPULATION:
                counts = _run_population(job, path)
            else:
                counts = _run_directory(job, path)
    except (TableError, _Refused) as error:
        _mark(job.pk, status=ImportJob.Status.FAILED, error=" ".join(error.messages if isinstance(error, ValidationError) else error.args),
              finished_at=timezone.now())  # fmt: skip
    except Exception:
        logger.exception("Directory import %s failed", job.pk)
        _mark(job.pk, status=ImportJob.Status.FAILED, finished_at=timezone.now(),
              error=_("Une erreur inattendue a interrompu l'import : rien n'a été modifié. Relancez-le ; "
                      "si l'échec se répète, signalez-le."))  # fmt: skip
    else:
        _mark(job.pk, status=ImportJob.Status.DONE, progress=100, finished_at=timezone.now(), **counts)
    # The uploaded file is not kept once it has run: a new import starts from a new upload.
    if job.file:
        job.file.storage.delete(job.file.name)
        _mark(job.pk, file="")
    job.refresh_from_db()
    return job


def _progress(job, done: int, total: int) -> None:
    # The reading pass is 90 % of the bar; the transaction the last 10 %.
    _mark(job.pk, progress=min(90, done * 90 // max(total, 1)))


def _run_directory(job: ImportJob, path: Path) -> dict:
    table = _table(job, path)
    preset = PRESETS.get(job.preset)
    territory, kind, source = job.territory, job.kind, job.source
    territory_code = _territory_code(job)
    fields = mapping_module.ENTRY_FIELDS
    existing = {
        row[0]: row[1:]
        for row in Entry.objects.filter(territory=territory, kind=kind, source=source)
        .exclude(source_ref="")
        .values_list("source_ref", "pk", "merged_into_id", *fields)
    }
    elsewhere_refs, elsewhere_sirets = {}, {}
    for ref, name in (
        Entry.objects.current()
        .filter(project_id=job.project_id, source=source)
        .exclude(territory=territory)
        .exclude(source_ref="")
        .values_list("source_ref", "territory__organisation__name")
    ):
        elsewhere_refs[ref] = name
    for siret, name in (
        Entry.objects.current()
        .filter(project_id=job.project_id)
        .exclude(territory=territory)
        .exclude(siret="")
        .values_list("siret", "territory__organisation__name")
    ):
        elsewhere_sirets[siret] = name
    to_create, to_update, errors, seen = [], [], [], {}
    unchanged = skipped = done = 0
    for line, row in table.rows():
        done += 1
        if done % PROGRESS_EVERY == 0:
            _progress(job, done, job.row_count)
        values, problems = mapping_module.convert_row(line, row, job.mapping, kind, preset)
        if values is None:
            errors.append(ImportLineError(job=job, line=line, name=(row.get(job.mapping.get("name", ""), "") or "")[:200],
                                          message="; ".join(problems)))  # fmt: skip
            continue
        if territory_code and values.commune_code and values.commune_code != territory_code:
            skipped += 1
            continue
        problem = None
        if values.source_ref in seen:
            problem = _("même identifiant (%(ref)s) qu'à la ligne %(line)s") % {
                "ref": values.source_ref,
                "line": seen[values.source_ref],
            }
        elif values.source_ref in elsewhere_refs:
            problem = _("l'identifiant %(ref)s est déjà celui d'une fiche du territoire « %(territory)s » : "
                        "la ligne n'est pas importée ici") % {"ref": values.source_ref, "territory": elsewhere_refs[values.source_ref]}  # fmt: skip
        elif values.siret and values.siret in elsewhere_sirets:
            problem = _("le SIRET %(siret)s est déjà celui d'une fiche du territoire « %(territory)s » : "
                        "la ligne n'est pas importée ici") % {"siret": values.siret, "territory": elsewhere_sirets[values.siret]}  # fmt: skip
        if problem:
            errors.append(ImportLineError(job=job, line=line, name=values.name, message=problem))
            continue
        seen[values.source_ref] = line
        current = existing.get(values.source_ref)
        if current is None:
            to_create.append(values)
            continue
        pk, merged_into_id, *old = current
        if merged_into_id is not None:
            unchanged += 1  # merged by a person into another entry: left as they decided
            continue
        changes = {
            f: getattr(values, f) for f, before in zip(fields, old, strict=True) if _differs(before, getattr(values, f))
        }
        if changes:
            to_update.append((pk, changes))
        else:
            unchanged += 1
    if errors and len(errors) == done:
        raise _Refused(
            _("Aucune ligne n'a pu être importée (%(n)s lignes refusées) : vérifiez la correspondance des colonnes. "
              "Ligne %(line)s : %(message)s.")
            % {"n": len(errors), "line": errors[0].line, "message": errors[0].message}
        )  # fmt: skip
    _mark(job.pk, progress=90)
    with transaction.atomic():
        # One import at a time per territory: the second waits here, then finds what the first
        # created (a file sent twice at once is imported once).
        Participation.objects.select_for_update().filter(pk=territory.pk).first()
        if to_create:
            now_present = set(
                Entry.objects.filter(territory=territory, kind=kind, source=source)
                .exclude(source_ref="")
                .values_list("source_ref", flat=True)
            )
            if now_present - existing.keys():
                before = len(to_create)
                to_create = [values for values in to_create if values.source_ref not in now_present]
                unchanged += before - len(to_create)
        created = _create_entries(job, to_create)
        _update_entries(job, to_update)
        ImportLineError.objects.bulk_create(errors, batch_size=BATCH)
        duplicates = propose_duplicates(job=job, territory=territory, created=created)
        audit_log(
            actor=job.requested_by, action=Action.DIRECTORY_IMPORTED, target=territory, project_id=job.project_id,
            file=job.filename, source=source, created=len(created), updated=len(to_update), errors=len(errors),
        )  # fmt: skip
    return {"created_count": len(created), "updated_count": len(to_update), "unchanged_count": unchanged,
            "skipped_count": skipped, "error_count": len(errors), "duplicate_count": duplicates}  # fmt: skip


def _differs(before, after) -> bool:
    if before in (None, "") and after in (None, ""):
        return False
    return before != after


def _create_entries(job: ImportJob, rows: list) -> list[Created]:
    """bulk_create by batches; returns light records of the new entries (not the model instances:
    50,000 of those would cost ~150 MB) for the duplicate proposals."""
    territory, now = job.territory, timezone.now()
    created = []
    for start in range(0, len(rows), BATCH):
        batch = [
            Entry(
                kind=job.kind, territory_id=territory.pk, project_id=job.project_id, source=job.source,
                source_year=job.source_year, source_ref=values.source_ref, created_by_id=job.requested_by_id,
                status=Entry.Status.DRAFT, created_at=now, updated_at=now,
                **{field: getattr(values, field) for field in mapping_module.ENTRY_FIELDS},
            )
            for values in rows[start : start + BATCH]
        ]  # fmt: skip
        created.extend(
            Created(entry.pk, entry.kind, entry.name, entry.address, entry.siret, entry.rna)
            for entry in Entry.objects.bulk_create(batch)
        )
        rows[start : start + BATCH] = [None] * len(batch)  # what was written is not kept
    return created


def _update_entries(job: ImportJob, updates: list[tuple[int, dict]]) -> None:
    """Changed facts take the file's values, except those a person set since (FieldSource lines from
    another source): a person's edit wins over a re-import."""
    if not updates:
        return
    from territoires.diagnostic.models import FieldSource

    kept_by_person = set(
        FieldSource.objects.filter(entry_id__in=[pk for pk, _changes in updates])
        .exclude(source=job.source)
        .values_list("entry_id", "field")
    )
    now = timezone.now()
    groups: dict[tuple[str, ...], list[Entry]] = {}
    for pk, changes in updates:
        entry = Entry(pk=pk, source_year=job.source_year, updated_at=now)
        kept = {f for f in changes if (pk, f) in kept_by_person}
        if {"latitude", "longitude"} & kept:
            kept |= {"latitude", "longitude"}
        for field, value in changes.items():
            if field not in kept:
                setattr(entry, field, value)
        fields = tuple(sorted(set(changes) - kept))
        groups.setdefault(fields, []).append(entry)
    # bulk_update writes every listed field of every object: one call per set of changed fields.
    for fields, entries in groups.items():
        Entry.objects.bulk_update(entries, [*fields, "source_year", "updated_at"], batch_size=BATCH)


def _run_population(job: ImportJob, path: Path) -> dict:
    table = _table(job, path)
    code = job.territory.organisation.insee_code
    year = job.source_year
    rows, errors, seen = [], [], {}
    skipped = done = 0
    for line, row in table.rows():
        done += 1
        if done % PROGRESS_EVERY == 0:
            _progress(job, done, job.row_count)
        values, problems = mapping_module.convert_population_row(line, row, job.mapping)
        if values is None:
            errors.append(ImportLineError(job=job, line=line, message="; ".join(problems)))
            continue
        if values.commune_code != code:
            skipped += 1
            continue
        key = (values.sex, values.age_min)
        if key in seen:
            errors.append(
                ImportLineError(
                    job=job, line=line, message=_("même sexe et même âge qu'à la ligne %(line)s") % {"line": seen[key]}
                )
            )
            continue
        seen[key] = line
        rows.append(values)
    if not rows:
        raise _Refused(
            _("Aucune ligne de la commune %(code)s (%(name)s) dans ce fichier : rien n'a été importé.")
            % {"code": code, "name": job.territory.organisation.name}
        )
    ages = sorted({values.age_min for values in rows})
    five_year = all(age % 5 == 0 for age in ages) and ages[-1] <= 80
    top = ages[-1]

    def upper(age):
        if age == top and top in (80, 100):
            return None
        return age + 4 if five_year else age

    existing = {(f.sex, f.age_min): f for f in PopulationFigure.objects.filter(commune_code=code, year=year)}
    created = updated = unchanged = 0
    with transaction.atomic():
        new = []
        for values in rows:
            figure = existing.pop((values.sex, values.age_min), None)
            if figure is None:
                new.append(PopulationFigure(commune_code=code, year=year, age_min=values.age_min, age_max=upper(values.age_min),
                                            sex=values.sex, population=values.population, source=job.source))  # fmt: skip
                created += 1
            elif (figure.population, figure.age_max, figure.source) != (
                values.population,
                upper(values.age_min),
                job.source,
            ):
                figure.population, figure.age_max, figure.source = values.population, upper(values.age_min), job.source
                figure.save(update_fields=["population", "age_max", "source"])
                updated += 1
            else:
                unchanged += 1
        PopulationFigure.objects.bulk_create(new, batch_size=BATCH)
        # Ages the new file no longer has (a file of another age grouping for the same year) go.
        if existing:
            PopulationFigure.objects.filter(pk__in=[f.pk for f in existing.values()]).delete()
            updated += len(existing)
        ImportLineError.objects.bulk_create(errors, batch_size=BATCH)
        audit_log(
            actor=job.requested_by, action=Action.POPULATION_IMPORTED, target=job.territory, project_id=job.project_id,
            file=job.filename, source=job.source, year=year, created=created, updated=updated,
        )  # fmt: skip
    return {"created_count": created, "updated_count": updated, "unchanged_count": unchanged, "skipped_count": skipped,
            "error_count": len(errors)}  # fmt: skip


def imports_purge_files(*, older_than_days: int = 7) -> int:
    """Deletes the files of imports uploaded but never started for that long (they may hold personal
    data: contact persons); the job stays, marked failed with the reason. Returns how many."""
    import datetime

    limit = timezone.now() - datetime.timedelta(days=older_than_days)
    deleted = 0
    for job in ImportJob.objects.filter(status=ImportJob.Status.UPLOADED, created_at__lt=limit).exclude(file=""):
        job.file.storage.delete(job.file.name)
        _mark(job.pk, file="", status=ImportJob.Status.FAILED, finished_at=timezone.now(),
              error=_("Import jamais lancé : le fichier déposé a été supprimé au bout de %(days)s jours.") % {"days": older_than_days})  # fmt: skip
        deleted += 1
    return deleted


# --- Duplicates ----------------------------------------------------------------------------------


def duplicate_resolve(*, proposal: DuplicateProposal, user, action: str) -> Entry | None:
    """Merge (keeping the existing entry or the imported one) with the directory's merge service, or
    record that the two entries differ. Returns the kept entry on a merge."""
    with transaction.atomic():
        proposal = (
            DuplicateProposal.objects.select_for_update().select_related("existing", "imported").get(pk=proposal.pk)
        )
        if proposal.status != DuplicateProposal.Status.OPEN:
            raise ValidationError(_("Ce doublon a déjà été examiné."))
        if action == "dismiss":
            proposal.status = DuplicateProposal.Status.DISMISSED
            audit_log(
                actor=user, action=Action.DIRECTORY_DUPLICATE_DISMISSED, target=proposal.imported,
                project_id=proposal.imported.project_id, kept=proposal.existing.name, merged=proposal.imported.name,
            )  # fmt: skip
            kept = None
        elif action in ("keep_existing", "keep_imported"):
            kept, duplicate = (
                (proposal.existing, proposal.imported)
                if action == "keep_existing"
                else (proposal.imported, proposal.existing)
            )
            kept = entries_merge(kept=kept, duplicate=duplicate, user=user)
            proposal.status = DuplicateProposal.Status.MERGED
        else:
            raise ValidationError(_("Choisissez de fusionner les deux fiches ou de les garder distinctes."))
        proposal.resolved_by, proposal.resolved_at = user, timezone.now()
        proposal.save(update_fields=["status", "resolved_by", "resolved_at", "updated_at"])
        # Other open proposals about an entry that was just merged away are moot.
        if kept is not None:
            gone = duplicate.pk
            DuplicateProposal.objects.filter(status=DuplicateProposal.Status.OPEN).filter(
                Q(existing_id=gone) | Q(imported_id=gone)
            ).update(status=DuplicateProposal.Status.MERGED, resolved_by=user, resolved_at=timezone.now())
    return kept
