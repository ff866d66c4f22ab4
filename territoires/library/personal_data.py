"""What the resource base holds about a person (territoires/core/personal_data.py): the resources
they created, published or changed. They stay at closure, signed by the de-identified account."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from territoires.core.personal_data import PersonalDataSource, register_personal_data, rows
from territoires.library.models import Attachment, Resource, ResourceRevision


def _resources(user) -> list[dict]:
    lines = rows(
        Resource.objects.filter(Q(created_by=user) | Q(published_by=user)),
        "title",
        "summary",
        "visibility",
        "status",
        "created_at",
        "published_at",
        nature="ressource",
    )
    lines += rows(
        Attachment.objects.filter(uploaded_by=user),
        "resource__title",
        "name",
        "uploaded_at",
        nature="pièce jointe déposée",
    )
    lines += rows(
        ResourceRevision.objects.filter(edited_by=user),
        "resource__title",
        "number",
        "note",
        "edited_at",
        nature="modification",
    )
    return lines


register_personal_data(sources=[PersonalDataSource("ressources", _("Ressources"), _resources, order=30)])
