from django import template
from django.utils.translation import gettext as _

from territoires.accounts.access import is_platform_admin, memberships_of
from territoires.accounts.models import Membership

register = template.Library()

Role = Membership.Role


@register.simple_tag
def whom_to_ask(user) -> str:
    """Who can open a refused page to this person: never themselves (a facilitator is not sent to
    "the facilitation", a referent not to "the referent of your authority")."""
    if not user.is_authenticated:
        return _("Connectez-vous : la page est peut-être réservée aux membres d'une organisation.")
    if is_platform_admin(user):
        return _("Vous administrez la plateforme : les rôles de chacun se règlent dans l'administration.")
    roles = set(memberships_of(user).values())
    if Role.FACILITATOR in roles:
        return _(
            "Si votre rôle d'animation devrait vous le permettre, contactez un·e administrateur·rice de la plateforme."
        )
    if Role.REFERENT in roles:
        return _("Si vous pensez qu'il s'agit d'une erreur, contactez l'animation ANCT du projet.")
    if roles & {Role.AGENT, Role.ELECTED}:
        return _(
            "Si vous pensez qu'il s'agit d'une erreur, contactez le ou la référent·e de votre collectivité "
            "ou l'animation ANCT du projet."
        )
    if Role.CONSULTANT in roles:
        return _("Si vous pensez qu'il s'agit d'une erreur, contactez l'animation ANCT du projet.")
    return _(
        "Votre compte n'est rattaché à aucune organisation : demandez une invitation au ou à la référent·e de "
        "votre collectivité, ou à l'animation ANCT."
    )
