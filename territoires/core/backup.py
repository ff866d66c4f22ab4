"""Backup and restore of a whole installation: the database and the uploaded files, in one archive.

`manage.py backup <fichier.tar.gz>` writes:
- `manifest.json`: when, which database engine, the migrations applied, and the row count of every
  table of the platform (what `restore` checks after it has finished);
- `database.sqlite3` (SQLite's online backup API: a consistent copy while the site runs) or
  `database.pgdump` (`pg_dump --format=custom`, consistent too);
- `media/` and `private/`: the uploaded files and the private files (exports, downloads of personal
  data), read through their storages: local folders or an S3-compatible bucket alike.

`manage.py restore <fichier.tar.gz>` puts them back into an empty installation (no account yet: a
fresh `migrate` or a new database), or over an existing one with `--replace`. The archive's engine
must be the configured one. Derived files (survey dashboard arrays, the file cache) are not saved:
they are rebuilt on first use. docs/deployment.md says how to schedule and where to keep archives.
"""

import datetime
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
OUR_APPS_PREFIX = "territoires."


def _storages() -> dict:
    """The archive's folder name → the storage its files come from and go back to."""
    from django.core.files.storage import default_storage

    from territoires.core.storage import private_files

    return {"media": default_storage, "private": private_files}


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise ValidationError(f"Moteur de base non pris en charge : {vendor}.")
    return vendor


def table_counts() -> dict[str, int]:
    """Rows per model of the platform's own apps (the check a restore must pass)."""
    counts = {}
    for model in apps.get_models():
        if model.__module__.startswith(OUR_APPS_PREFIX) and model._meta.managed and not model._meta.proxy:
            counts[model._meta.label] = model._base_manager.count()
    return counts


def _migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _pg_environment() -> dict[str, str]:
    params = connection.settings_dict
    environment = {**os.environ, "PGDATABASE": params["NAME"]}
    for key, variable in (("USER", "PGUSER"), ("HOST", "PGHOST"), ("PORT", "PGPORT"), ("PASSWORD", "PGPASSWORD")):
        if params.get(key):
            environment[variable] = str(params[key])
    return environment


def _stored_names(storage, folder: str = ""):
    """Every file name of a storage, depth first and sorted (a missing local root has none)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    prefix = f"{folder}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for name in sorted(folders):
        yield from _stored_names(storage, prefix + name)


def _add_storage(archive: tarfile.TarFile, storage, name: str) -> int:
    count = 0
    mtime = int(datetime.datetime.now().timestamp())
    for stored in _stored_names(storage):
        with storage.open(stored, "rb") as source:
            info = tarfile.TarInfo(f"{name}/{stored}")
            info.size, info.mtime = storage.size(stored), mtime
            archive.addfile(info, source)
        count += 1
    return count


@dataclass
class BackupReport:
    path: Path
    engine: str
    rows: int
    files: int


def backup_create(*, path: Path) -> BackupReport:
    """Writes the archive at `path` (a .tar.gz); returns what it holds."""
    engine = _engine()
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "engine": engine,
        "migrations": _migrations(),
        "counts": table_counts(),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="backup-") as folder:
        if engine == "sqlite":
            database = Path(folder) / "database.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(database)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            database = Path(folder) / "database.pgdump"
            subprocess.run(  # noqa: S603 - fixed program and arguments, database from the settings
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={database}"],  # noqa: S607
                env=_pg_environment(),
                check=True,
                capture_output=True,
            )
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            payload = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(payload), int(datetime.datetime.now().timestamp())
            archive.addfile(info, io.BytesIO(payload))
            archive.add(database, arcname=database.name)
            files = sum(_add_storage(archive, storage, name) for name, storage in _storages().items())
        # Renamed only once complete: a crash never leaves a truncated archive under the final name.
        partial.replace(path)
    return BackupReport(path=path, engine=engine, rows=sum(manifest["counts"].values()), files=files)


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile("manifest.json"))
    except (KeyError, json.JSONDecodeError, TypeError) as error:
        raise ValidationError("Ce fichier n'est pas une sauvegarde de Territoires en commun.") from error
    if manifest.get("format") != FORMAT:
        raise ValidationError("Format de sauvegarde inconnu.")
    return manifest


def _is_empty() -> bool:
    from territoires.accounts.models import User

    try:
        return not User.objects.exists()
    except Exception:  # no table yet: a brand-new database  # noqa: BLE001
        return True


def _extract_files(archive: tarfile.TarFile, prefix: str, storage) -> int:
    members = [m for m in archive.getmembers() if m.name.startswith(f"{prefix}/") and m.isfile()]
    for member in members:
        relative = PurePosixPath(member.name).relative_to(prefix)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValidationError(f"Chemin refusé dans l'archive : {member.name}")
        name = relative.as_posix()
        # Same name as when saved (the database points at it): what is there is replaced.
        if storage.exists(name):
            storage.delete(name)
        with archive.extractfile(member) as source:
            stored = storage.save(name, File(source, name=name))
        if stored != name:
            raise ValidationError(f"Le fichier {member.name} n'a pas pu reprendre son nom ({stored}).")
    return len(members)


@dataclass
class RestoreReport:
    engine: str
    rows: int
    files: int


def backup_restore(*, path: Path, replace: bool = False) -> RestoreReport:
    """Restores the archive into the configured database and media folders, then checks every
    table's row count against the manifest."""
    engine = _engine()
    with tarfile.open(path, "r:gz") as archive:
        manifest = _read_manifest(archive)
        if manifest["engine"] != engine:
            raise ValidationError(
                f"Sauvegarde faite sur {manifest['engine']}, base configurée {engine} : restaurez sur le même moteur."
            )
        if not replace and not _is_empty():
            raise ValidationError(
                "La base configurée contient déjà des comptes : restaurez dans une base vide, ou ajoutez --replace "
                "pour la remplacer entièrement."
            )
        with tempfile.TemporaryDirectory(prefix="restore-") as folder:
            name = "database.sqlite3" if engine == "sqlite" else "database.pgdump"
            try:
                archive.extract(name, folder, filter="data")
            except KeyError as error:
                raise ValidationError("La sauvegarde ne contient pas de base de données.") from error
            database = Path(folder) / name
            if engine == "sqlite":
                connection.ensure_connection()
                source = sqlite3.connect(database)
                try:
                    source.backup(connection.connection)
                finally:
                    source.close()
            else:
                for alias in connections:
                    connections[alias].close()
                subprocess.run(  # noqa: S603 - fixed program and arguments, database from the settings
                    [  # noqa: S607
                        "pg_restore",
                        "--clean",
                        "--if-exists",
                        "--no-owner",
                        "--no-privileges",
                        "--single-transaction",
                        f"--dbname={connection.settings_dict['NAME']}",
                        str(database),
                    ],
                    env=_pg_environment(),
                    check=True,
                    capture_output=True,
                )
        files = sum(_extract_files(archive, name, storage) for name, storage in _storages().items())
    counts = table_counts()
    different = {label: (n, counts.get(label)) for label, n in manifest["counts"].items() if counts.get(label) != n}
    if different:
        raise ValidationError(f"La restauration ne retrouve pas les mêmes lignes : {different}")
    return RestoreReport(engine=engine, rows=sum(counts.values()), files=files)
