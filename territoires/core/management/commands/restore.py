import subprocess

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from territoires.core.backup import backup_restore


class Command(BaseCommand):
    help = (
        "Restaure une archive de `manage.py backup` (base et fichiers) dans une installation vide, "
        "ou à la place de l'existante avec --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="archive .tar.gz écrite par `manage.py backup`")
        parser.add_argument("--replace", action="store_true", help="remplace une base qui contient déjà des données")

    def handle(self, *args, path, replace, **options):
        try:
            report = backup_restore(path=path, replace=replace)
        except FileNotFoundError as error:
            raise CommandError(f"Archive introuvable : {path}") from error
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except subprocess.CalledProcessError as error:
            raise CommandError(f"pg_restore a échoué : {error.stderr.decode(errors='replace')[:2000]}") from error
        self.stdout.write(
            f"Restauration terminée ({report.engine}) : {report.rows} lignes vérifiées, {report.files} fichiers."
        )
