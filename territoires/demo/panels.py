"""Demo panels drawn by lot: Niort's citizens' convention and Mantes-la-Jolie's consensus
conference, each with a pool of a few hundred SYNTHETIC volunteers (flagged `synthetic`, named
"Volontaire fictif·ve n°…", addresses on example.org) and a completed draw with its public record.

The draws use the package's "legacy" algorithm: maximin on a pool of 300 takes minutes, which
`make run` should not wait for (territoires/codesign/panels/draw.py says why). The seed is fixed so
that the demo's record is the same on every machine, and replayable.
"""

import random

from territoires.accounts.models import User
from territoires.codesign import services as codesign
from territoires.codesign.panels import services
from territoires.codesign.panels.models import AGE_BANDS, Draw, Panel, Volunteer
from territoires.projects.models import Participation

FACILITATOR = "animatrice@anct.demo"
TOWNS = {
    "Niort": {
        "title": "Convention citoyenne pour la culture à Niort",
        "kind": "convention",
        "purpose": "Quelles priorités pour rendre la culture accessible à toutes et tous à Niort d'ici 2026 ?",
        "size": 30,
        "pool": 320,
        "seed": 20220315,
        "neighbourhoods": "centre: Centre-ville\nclou-bouchet: Clou-Bouchet\ntour-chabot: Tour-Chabot - Gavacherie\n"
        "souche: Souché\nsaint-florent: Saint-Florent",
    },
    "Mantes-la-Jolie": {
        "title": "Conférence de consensus : la culture au Val Fourré",
        "kind": "consensus",
        "purpose": "Comment les lieux culturels de la ville peuvent-ils mieux accueillir les habitant·e·s du Val Fourré ?",
        "size": 20,
        "pool": 240,
        "seed": 20220322,
        "neighbourhoods": "centre: Centre-ville\nval-fourre: Val Fourré\ngassicourt: Gassicourt\nmantes-est: Mantes Est",
    },
}
# Synthetic shares, not survey results: the pool leans young-old and towards people who already
# go out, as volunteer pools do.
AGE_WEIGHTS = [10, 14, 22, 24, 22, 8]


def load(project) -> bool:
    user = User.objects.filter(email=FACILITATOR).first()
    created = False
    territories = Participation.objects.participants().filter(project=project).select_related("organisation")
    for territory in territories:
        data = TOWNS.get(territory.organisation.name)
        if data is None:
            continue
        plan = codesign.plan_for(territory=territory)
        if Panel.objects.filter(plan=plan, title=data["title"]).exists():
            continue
        _town(plan, data, user)
        created = True
    return created


def _town(plan, data, user) -> None:
    panel = services.panel_save(
        panel=Panel(plan=plan, title=data["title"], kind=data["kind"], purpose=data["purpose"], size=data["size"],
                    algorithm=Panel.Algorithm.LEGACY),
        user=user, neighbourhoods_text=data["neighbourhoods"],
    )  # fmt: skip
    services.panel_set_status(panel=panel, status=Panel.Status.RECRUITING, user=user)
    rng = random.Random(data["seed"])  # noqa: S311 - synthetic demo data, reproducible on purpose
    hoods = [item["code"] for item in panel.neighbourhoods]
    ages = [code for code, _label in AGE_BANDS]
    Volunteer.objects.bulk_create(
        Volunteer(
            panel=panel, name=f"Volontaire fictif·ve n°{index}", email=f"volontaire{index}@example.org",
            contact_key=f"e:volontaire{index}@example.org", age_band=rng.choices(ages, AGE_WEIGHTS)[0],
            sex=rng.choices("fmx", [52, 46, 2])[0], neighbourhood=rng.choice(hoods),
            non_audience="oui" if rng.random() < 0.3 else "non", consent=True, synthetic=True,
            source=Volunteer.Source.IMPORT,
        )
        for index in range(1, data["pool"] + 1)
    )  # fmt: skip
    services.panel_set_status(panel=panel, status=Panel.Status.CLOSED, user=user)
    panel.refresh_from_db()
    draw = services.draw_request(panel=panel, user=user, seed=data["seed"])
    # The loader runs inside a transaction: run the draw here rather than after commit.
    Draw.objects.filter(pk=draw.pk).update(status=Draw.Status.QUEUED)
    services.draw_run(draw_id=draw.pk)
