"""ZIP archives opened without trusting them: office files, XLSX imports, and the imports to come
(QDPX projects, zipped GeoJSON or CSV).

Two bounds, because a small upload can inflate to gigabytes (a "zip bomb"):

- `inspect_zip` reads only the central directory, before anything is inflated, and refuses an
  archive with too many members, too large a declared total, or a large member compressed more
  than any real document is;
- `read_member` streams one member and stops past a byte limit, because the declared sizes are
  written by whoever made the archive and can lie.

`open_zip` opens an archive and inspects it in one step. Every refusal is a French `ValidationError`
naming the problem.
"""

import zipfile
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

CHUNK_BYTES = 64 * 1024


def _limits() -> tuple[int, int, int, int]:
    return (
        settings.ARCHIVE_MAX_MEMBERS,
        settings.ARCHIVE_MAX_TOTAL_MB * 1024 * 1024,
        settings.ARCHIVE_MAX_RATIO,
        settings.ARCHIVE_RATIO_FROM_MB * 1024 * 1024,
    )


def inspect_zip(archive: zipfile.ZipFile, *, label: str = "") -> None:
    """Refuse (French ValidationError) an archive whose central directory announces too much:
    more members than ARCHIVE_MAX_MEMBERS, more than ARCHIVE_MAX_TOTAL_MB once inflated, or a member
    over ARCHIVE_RATIO_FROM_MB inflating more than ARCHIVE_MAX_RATIO times. Nothing is inflated."""
    max_members, max_total, max_ratio, ratio_from = _limits()
    prefix = _("« %(name)s » : ") % {"name": label} if label else _("Fichier refusé : ")
    members = archive.infolist()
    if len(members) > max_members:
        raise ValidationError(
            prefix
            + _("l'archive contient %(count)d fichiers ; la limite est de %(limit)d.")
            % {"count": len(members), "limit": max_members},
            code="archive_too_many_members",
        )
    total = 0
    for member in members:
        total += member.file_size
        if total > max_total:
            raise ValidationError(
                prefix
                + _("une fois décompressée, l'archive dépasserait %(limit)s.") % {"limit": filesizeformat(max_total)},
                code="archive_too_large",
            )
        if member.file_size > ratio_from and member.file_size > max_ratio * max(member.compress_size, 1):
            raise ValidationError(
                prefix
                + _(
                    "le fichier « %(member)s » de l'archive est compressé plus de %(ratio)d fois "
                    "(%(size)s une fois décompressé) : c'est le signe d'une « bombe de décompression », "
                    "elle est refusée."
                )
                % {"member": member.filename[:100], "ratio": max_ratio, "size": filesizeformat(member.file_size)},
                code="archive_ratio",
            )


@contextmanager
def open_zip(source, *, label: str = ""):
    """A `zipfile.ZipFile` on `source` (path or binary file), inspected by `inspect_zip` before use.
    An unreadable archive raises `zipfile.BadZipFile` as `zipfile.ZipFile` does."""
    with zipfile.ZipFile(source) as archive:
        inspect_zip(archive, label=label)
        yield archive


def read_member(archive: zipfile.ZipFile, name: str, max_bytes: int, *, truncate: bool = False) -> bytes:
    """The inflated content of member `name`, streamed and never more than `max_bytes`: past it, the
    first `max_bytes` when `truncate`, else a French ValidationError — whatever the archive declares."""
    chunks, size = [], 0
    with archive.open(name) as member:
        while size <= max_bytes:
            chunk = member.read(min(CHUNK_BYTES, max_bytes + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
    if truncate:
        return b"".join(chunks)[:max_bytes]
    raise ValidationError(
        _("le fichier « %(member)s » de l'archive dépasse %(limit)s une fois décompressé.")
        % {"member": name[:100], "limit": filesizeformat(max_bytes)},
        code="archive_member_too_large",
    )
