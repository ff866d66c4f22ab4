import datetime

from territoires.diagnostic.interviews import services

TRANSCRIPT = (
    "Enquêtrice : Comment décririez-vous la vie culturelle du quartier ?\n"
    "P1 : Hélène, à la médiathèque, fait un travail formidable, mais les horaires ne conviennent pas.\n"
    "P1 : Les jeunes répètent dehors, faute de salle ouverte le soir.\n"
)


def interview_for(territory, user, *, title="Entretien avec une association", consent=True, **data):
    values = {
        "title": title, "kind": "semi_directive", "held_on": datetime.date(2021, 10, 5), "place_label": "Mairie annexe",
        "consent_given": consent, "consent_on": datetime.date(2021, 10, 5) if consent else None,
    }  # fmt: skip
    values.update(data)
    return services.interview_create(
        territory=territory, user=user, data=values, participants=[{"label": "P1", "profile": "actor"}]
    )
