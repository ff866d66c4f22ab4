"""Charter models: the articles of the two seeded method templates, and the articles a new project's
charter starts from (its method's, with the project's title put in).

The seeded texts are French content stored in the database (MethodArticle), editable in the admin;
they are not translated through the catalogue, like any text a facilitator writes.
"""

TITLE_PLACEHOLDER = "{titre}"

_PURPOSE = (
    "La présente charte organise le projet partagé « {titre} ». Elle réunit l'Agence nationale de la "
    "cohésion des territoires et trois à cinq collectivités qui conçoivent, chacune sur son territoire et "
    "avec ses habitants, un plan d'action sur un même thème, et apprennent les unes des autres."
)
_AGENCY = (
    "L'Agence anime le projet, finance l'accompagnement par un prestataire, réunit le comité de pilotage, "
    "organise les échanges entre pairs et met à disposition la plateforme et ses ressources."
)
_AUTHORITIES = (
    "Chaque collectivité désigne un interlocuteur privilégié, mobilise ses services, ses élus et ses "
    "habitants, participe aux temps collectifs, et publie sur la plateforme les connaissances, données, "
    "méthodes et outils produits pendant le projet."
)
_UNFOLDING = (
    "Le projet se déroule en cinq temps : diagnostic territorial, co-construction du plan d'action, "
    "adoption du plan par l'exécutif de chaque collectivité, retour aux habitants, puis suivi et évaluation."
)
_GOVERNANCE = (
    "Un comité de pilotage réunit les représentants de l'Agence et {leads} de chaque collectivité ; les "
    "élus peuvent y assister. Il fixe le calendrier, suit l'avancement et prend les décisions communes."
)
_DURATION = (
    "La charte entre en vigueur lorsque toutes les parties l'ont signée, pour la durée du projet. Chaque "
    "partie peut se retirer par lettre recommandée avec accusé de réception ; le retrait prend effet trois "
    "mois après sa réception, une fois closes les actions déjà engagées."
)


def seed_articles(*, leads: str) -> list[dict]:
    """The six articles of a seeded template; `leads` names who sits in the committee for each authority
    ("les responsables des affaires culturelles", "les responsables du projet")."""
    return [
        {"kind": "purpose", "title": "Contexte et objet", "body": _PURPOSE},
        {"kind": "agency_commitments", "title": "Engagements de l'Agence", "body": _AGENCY},
        {"kind": "authority_commitments", "title": "Engagements des collectivités", "body": _AUTHORITIES},
        {"kind": "unfolding", "title": "Déroulement du projet partagé", "body": _UNFOLDING},
        {"kind": "governance", "title": "Gouvernance", "body": _GOVERNANCE.format(leads=leads, titre="{titre}")},
        {"kind": "duration", "title": "Durée et retrait", "body": _DURATION},
    ]


def articles_for(method, project) -> list[dict]:
    """The articles of a project's first charter: its method's charter model, the title put in."""
    return [
        {
            "kind": article.kind,
            "title": article.title,
            "body": article.body.replace(TITLE_PLACEHOLDER, project.title),
        }
        for article in sorted(method.articles.all(), key=lambda a: a.number)
    ]


def default_articles(project) -> list[dict]:
    """The articles of the template the project's method was copied from (the default template for
    a project without a method). A project's own copy keeps no charter model: its charter is that copy."""
    from territoires.projects.methods import template_default
    from territoires.projects.models import method_of

    method = method_of(project)
    template = method.template if method is not None and method.template_id else template_default()
    return articles_for(template, project)
