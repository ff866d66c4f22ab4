"""Replay a panel's draw from its recorded seed and say whether the same people come out.

    manage.py panel_draw_replay DRAW_ID          a draw of this platform (its recorded pool)
    manage.py panel_draw_replay --file tirage.json   the published record's data file (no names)

Exit status 0 when the replay gives the recorded panel, 1 otherwise."""

import json

from django.core.management.base import BaseCommand, CommandError

from territoires.codesign.panels import draw as drawing


class Command(BaseCommand):
    help = "Rejoue un tirage au sort à partir de sa graine et compare au panel enregistré."

    def add_arguments(self, parser):
        parser.add_argument("draw_id", nargs="?", type=int)
        parser.add_argument("--file", help="Fichier JSON du procès-verbal public d'un tirage.")

    def handle(self, *args, draw_id=None, file=None, **options):
        if file:
            try:
                with open(file, encoding="utf-8") as handle:
                    data = json.load(handle)
                pool = [dict(zip(data["features"], row, strict=True)) for row in data["pool"]]
                outcome = drawing.draw(
                    pool, data["quotas"], data["seats"], algorithm=data["algorithm"], seed=data["seed"]
                )
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise CommandError(f"Fichier illisible : {error}") from error
            same = outcome.selected == sorted(data["selected_positions"])
        else:
            from territoires.codesign.panels.models import Draw
            from territoires.codesign.panels.services import draw_replay

            draw = Draw.objects.filter(pk=draw_id, status=Draw.Status.DONE).first()
            if draw is None:
                raise CommandError("Aucun tirage effectué avec ce numéro.")
            same, _replayed = draw_replay(draw=draw)
        if same:
            self.stdout.write("Rejoué : le même panel.")
        else:
            self.stdout.write("Rejoué : un panel DIFFÉRENT du panel enregistré.")
            raise SystemExit(1)
