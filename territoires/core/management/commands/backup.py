from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from territoires.core.backup import backup_create


class Command(BaseCommand):
    help = (
        "Sauvegarde la base de données et les fichiers déposés dans une archive .tar.gz "
        "(territoires/core/backup.py) ; à lancer chaque nuit, archive copiée hors de la machine."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="fichier à écrire (par défaut var/backups/territoires-AAAAMMJJ-HHMM.tar.gz)",
        )

    def handle(self, *args, path=None, **options):
        from django.conf import settings

        target = (
            Path(path) if path else settings.VAR_DIR / "backups" / f"territoires-{timezone.now():%Y%m%d-%H%M}.tar.gz"
        )
        try:
            report = backup_create(path=target)
        except (ValidationError, OSError) as error:
            raise CommandError(f"Sauvegarde impossible : {error}") from error
        self.stdout.write(
            f"Sauvegarde écrite : {report.path} ({report.engine}, {report.rows} lignes, {report.files} fichiers)."
        )
