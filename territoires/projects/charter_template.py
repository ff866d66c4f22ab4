"""The model text of a shared project's charter, in six articles; facilitators adapt it per project."""

from django.utils.translation import gettext as _

from territoires.projects.models import CharterArticle

Kind = CharterArticle.Kind


def default_articles(project) -> list[dict]:
    return [
        {
            "kind": Kind.PURPOSE,
            "title": _("Contexte et objet"),
            "body": _(
                "La présente charte organise le projet partagé « %(title)s ». Elle réunit l'Agence "
                "nationale de la cohésion des territoires et trois à cinq collectivités qui conçoivent, "
                "chacune sur son territoire et avec ses habitants, un plan d'action sur un même thème, "
                "et apprennent les unes des autres."
            )
            % {"title": project.title},
        },
        {
            "kind": Kind.AGENCY_COMMITMENTS,
            "title": _("Engagements de l'Agence"),
            "body": _(
                "L'Agence anime le projet, finance l'accompagnement par un prestataire, réunit le comité "
                "de pilotage, organise les échanges entre pairs et met à disposition la plateforme et ses "
                "ressources."
            ),
        },
        {
            "kind": Kind.AUTHORITY_COMMITMENTS,
            "title": _("Engagements des collectivités"),
            "body": _(
                "Chaque collectivité désigne un interlocuteur privilégié, mobilise ses services, ses élus et "
                "ses habitants, participe aux temps collectifs, et publie sur la plateforme les "
                "connaissances, données, méthodes et outils produits pendant le projet."
            ),
        },
        {
            "kind": Kind.UNFOLDING,
            "title": _("Déroulement du projet partagé"),
            "body": _(
                "Le projet se déroule en cinq temps : diagnostic territorial, co-construction du plan "
                "d'action, adoption du plan par l'exécutif de chaque collectivité, retour aux habitants, "
                "puis suivi et évaluation."
            ),
        },
        {
            "kind": Kind.GOVERNANCE,
            "title": _("Gouvernance"),
            "body": _(
                "Un comité de pilotage réunit les représentants de l'Agence et les responsables des "
                "affaires culturelles de chaque collectivité ; les élus peuvent y assister. Il fixe le "
                "calendrier, suit l'avancement et prend les décisions communes."
            ),
        },
        {
            "kind": Kind.DURATION,
            "title": _("Durée et retrait"),
            "body": _(
                "La charte entre en vigueur lorsque toutes les parties l'ont signée, pour la durée du "
                "projet. Chaque partie peut se retirer par lettre recommandée avec accusé de réception ; "
                "le retrait prend effet trois mois après sa réception, une fois closes les actions déjà "
                "engagées."
            ),
        },
    ]
