"""Pages of the observation notes. Thin: each checks its rule (rules.py), then reads a selector or
calls a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.core.forms import form_errors_from
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.core.storage import stored_file_response
from territoires.diagnostic.observation import selectors, services
from territoires.diagnostic.observation.forms import ObservationForm, PhotoForm
from territoires.diagnostic.observation.models import ObservationNote, ObservationPhoto, ObservationTag
from territoires.projects.views.common import get_participation_or_404, get_project_or_404, require

PER_PAGE = 20


def _territory(request, slug, territory_slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    territory = get_participation_or_404(project, territory_slug)
    territory.project = project
    return project, territory


@login_required
def note_list(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "diagnostic.add_observation", territory)
    notes = selectors.visible_notes(request.user, project).filter(territory=territory)
    selected = selectors.filter_notes(notes, request.GET).prefetch_related("tags")
    page = Paginator(selected, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "diagnostic/observation/list.html",
        {
            "project": project,
            "territory": territory,
            "page_obj": page,
            "total": page.paginator.count,
            "tags": ObservationTag.objects.filter(project=project, notes__territory=territory).distinct(),
            "slots": ObservationNote.TimeSlot.choices,
            "current": {key: request.GET.get(key, "")[:100] for key in ("etiquette", "creneau", "q")},
            "query_without_page": query.urlencode(),
        },
    )


@login_required
def note_create(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "diagnostic.add_observation", territory)
    form = ObservationForm(request.POST or None, territory=territory)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            messages.info(request, _("Cette note a déjà été enregistrée."))
            return redirect(done_url)
        try:
            with transaction.atomic():
                note = services.observation_create(
                    territory=territory, user=request.user, data=form.note_data(), tags=form.cleaned_data["tags"]
                )
                record_submission(key, note.get_absolute_url())
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Note enregistrée. Vous pouvez y joindre des photos."))
            return redirect(note)
    return render(
        request,
        "diagnostic/observation/form.html",
        {"form": form, "project": project, "territory": territory, "creating": True},
        status=400 if form.errors else 200,
    )


def _note_or_404(request, pk, permission="diagnostic.view_observation") -> ObservationNote:
    note = (
        ObservationNote.objects.select_related("territory__organisation", "territory__project", "place", "observer")
        .filter(pk=pk)
        .first()
    )
    if note is None or not request.user.has_perm("projects.view_project", note.territory.project):
        raise Http404
    if not request.user.has_perm(permission, note):
        raise PermissionDenied
    return note


@login_required
def note_detail(request, pk):
    note = _note_or_404(request, pk)
    can_change = request.user.has_perm("diagnostic.change_observation", note)
    return _detail(request, note, can_change=can_change, photo_form=PhotoForm() if can_change else None)


def _detail(request, note, *, can_change: bool, photo_form, status: int = 200):
    return render(
        request,
        "diagnostic/observation/detail.html",
        {
            "note": note,
            "project": note.territory.project,
            "territory": note.territory,
            "photos": note.photos.all(),
            "tags": note.tags.all(),
            "can_change": can_change,
            "photo_form": photo_form,
        },
        status=status,
    )


@login_required
def note_edit(request, pk):
    note = _note_or_404(request, pk, "diagnostic.change_observation")
    initial = {name: getattr(note, name) for name in (
        "place", "public_space", "observed_on", "time_slot", "co_observers", "people", "uses", "flows", "moments",
        "remarks")}  # fmt: skip
    initial["tags"] = ", ".join(note.tags.values_list("name", flat=True))
    form = ObservationForm(request.POST or None, initial=initial, territory=note.territory)
    if request.method == "POST" and form.is_valid():
        try:
            note = services.observation_update(
                note=note, user=request.user, data=form.note_data(), tags=form.cleaned_data["tags"]
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Note enregistrée."))
            return redirect(note)
    return render(
        request,
        "diagnostic/observation/form.html",
        {"form": form, "note": note, "project": note.territory.project, "territory": note.territory},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def note_delete(request, pk):
    note = _note_or_404(request, pk, "diagnostic.change_observation")
    territory = note.territory
    try:
        services.observation_delete(note=note, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(note)
    messages.success(request, _("Note supprimée."))
    return redirect("observation:list", territory.project.slug, territory.organisation.slug)


@login_required
@require_POST
def photo_add(request, pk):
    note = _note_or_404(request, pk, "diagnostic.change_observation")
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.observation_add_photo(
                note=note,
                user=request.user,
                upload=form.cleaned_data["image"],
                caption=form.cleaned_data["caption"],
                consent=form.cleaned_data["consent"],
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Photo ajoutée à la note."))
            return redirect(note)
    return _detail(request, note, can_change=True, photo_form=form, status=400)


def _photo_or_404(request, pk, permission) -> ObservationPhoto:
    photo = ObservationPhoto.objects.select_related("note__territory__project").filter(pk=pk).first()
    if photo is None or not request.user.has_perm(permission, photo.note):
        raise Http404
    return photo


@login_required
def photo(request, pk):
    photo = _photo_or_404(request, pk, "diagnostic.view_observation")
    return stored_file_response(
        photo.image,
        content_type="image/jpeg",
        as_attachment=False,
        filename=f"photo-{photo.pk}.jpg",
        headers={
            "Cache-Control": "private, max-age=3600",
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
        },
    )


@login_required
@require_POST
def photo_remove(request, pk):
    photo = _photo_or_404(request, pk, "diagnostic.change_observation")
    note = photo.note
    services.observation_remove_photo(photo=photo, user=request.user)
    messages.success(request, _("Photo retirée."))
    return redirect(note)
