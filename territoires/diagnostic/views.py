"""The directory's pages. Thin: each checks its rule (rules.py), then reads a selector or calls a
service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.diagnostic import selectors, services
from territoires.diagnostic.codes import label_of
from territoires.diagnostic.filters import EntryFilterForm, filter_facets
from territoires.diagnostic.forms import FamilyForm, MergeForm, entry_form_class
from territoires.diagnostic.kinds import KINDS
from territoires.diagnostic.models import ActorFamily, Entry
from territoires.projects.views.common import form_errors_from, get_participation_or_404, get_project_or_404, require

PER_PAGE = 25


def _directory(request, project, territory=None):
    families = services.families_for(project=project)
    territories = [p for p in project.participations.all() if p.is_participant]
    visible = selectors.visible_entries(request.user, project)
    if territory is not None:
        visible = visible.filter(territory=territory)
    # The same filters as the map and its list (filters.py); one territory's page has no territory filter.
    form = EntryFilterForm(
        request.GET,
        families=families,
        territories=None if territory is not None else territories,
        facets=filter_facets(visible),
    )
    page = Paginator(selectors.for_listing(form.filter(visible)), PER_PAGE).get_page(request.GET.get("page"))
    editable = selectors.editable_territory_ids(request.user, project)
    return {
        "project": project,
        "territory": territory,
        "territories": territories,
        "page_obj": page,
        "total": page.paginator.count,
        "form": form,
        "filtered": bool(form.filters()),
        "map_query": form.query_string(),
        "kinds": [(code, kind) for code, kind in KINDS.items()],
        "can_add": territory is not None and territory.pk in editable,
        "editable_territories": [t for t in territories if t.pk in editable],
        "can_manage_families": request.user.has_perm("diagnostic.manage_families", project),
    }


def project_directory(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    return render(request, "diagnostic/directory.html", _directory(request, project))


def territory_directory(request, slug, territory_slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    territory = get_participation_or_404(project, territory_slug)
    return render(request, "diagnostic/directory.html", _directory(request, project, territory))


def _entry_or_404(request, pk, permission="diagnostic.view_entry"):
    entry = (
        Entry.objects.select_related("territory__organisation", "territory__project", "project", "family", "operator")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404
    if entry.merged_into_id is not None and permission == "diagnostic.view_entry":
        raise _MergedInto(entry.merged_into_id)
    if not request.user.has_perm(permission, entry):
        if not request.user.is_authenticated:
            raise _LoginRequired
        raise PermissionDenied
    return entry


class _LoginRequired(Exception):
    pass


class _MergedInto(Exception):
    def __init__(self, pk):
        super().__init__(pk)
        self.pk = pk


def _entry_page(view):
    """Sends a visitor to the login page, and the address of a merged entry to the kept one."""

    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _LoginRequired:
            return redirect_to_login(request.get_full_path())
        except _MergedInto as merged:
            messages.info(request, _("Cette fiche a été fusionnée avec celle-ci."))
            return redirect("diagnostic:entry_detail", merged.pk)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _facts(entry) -> list[tuple[str, str, str]]:
    """(label, value, source, is_link) of each filled field of the card, in the kind's order."""
    overrides = {fs.field: f"{fs.source}, {fs.year}" for fs in entry.field_sources.all()}
    facts = []
    for name in entry.kind_class.form_fields():
        if name in ("name", "description", "contact_name", "contact_email", "contact_phone", "latitude", "longitude"):
            continue
        field = Entry._meta.get_field(name)
        if name == "involved":
            value = ", ".join(e.name for e in entry.involved.all())
        elif field.choices:
            value = label_of(field.choices, getattr(entry, name))
        else:
            value = getattr(entry, name)
        if value in (None, ""):
            continue
        facts.append((str(field.verbose_name), value, overrides.get(name, ""), name == "website"))
    if entry.latitude is not None:
        position = f"{entry.latitude}, {entry.longitude}"
        facts.append((_("Position (latitude, longitude)"), position, overrides.get("latitude", ""), False))
    return facts


@_entry_page
def entry_detail(request, pk):
    entry = _entry_or_404(request, pk)
    show_contact = request.user.has_perm("diagnostic.view_entry_contact", entry)
    overrides = {fs.field: f"{fs.source}, {fs.year}" for fs in entry.field_sources.all()}
    visible_ids = set()
    if entry.kind == Entry.Kind.ACTOR or entry.kind == Entry.Kind.PLACE:
        visible_ids = set(
            selectors.visible_entries(request.user, entry.project)
            .filter(pk__in=[e.pk for e in [*entry.engagements.all(), *entry.operated_places.all()]])
            .values_list("pk", flat=True)
        )
    return render(
        request,
        "diagnostic/entry_detail.html",
        {
            "entry": entry,
            "project": entry.project,
            "kind": entry.kind_class,
            "facts": _facts(entry),
            "contact_source": overrides.get("contact_name", ""),
            "show_contact": show_contact,
            "can_edit": request.user.has_perm("diagnostic.change_entry", entry),
            "engagements": [e for e in entry.engagements.all() if e.pk in visible_ids],
            "operated_places": [e for e in entry.operated_places.all() if e.pk in visible_ids],
            "merged_count": entry.merged_entries.count(),
        },
    )


@_entry_page
def entry_history(request, pk):
    entry = _entry_or_404(request, pk, "diagnostic.change_entry")
    page = Paginator(selectors.history_events(entry), 50).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.readable = event.readable_details()
    return render(
        request, "diagnostic/entry_history.html", {"entry": entry, "project": entry.project, "page_obj": page}
    )


@login_required
def entry_create(request, slug, territory_slug, kind):
    project = get_project_or_404(slug, request.user, with_progress=False)
    territory = get_participation_or_404(project, territory_slug)
    if kind not in KINDS:
        raise Http404
    require(request.user, "diagnostic.add_entry", territory)
    entry_kind = KINDS[kind]
    families = ActorFamily.objects.filter(pk__in=[f.pk for f in services.families_for(project=project)])
    form = entry_form_class(entry_kind)(request.POST or None, entry=None, territory=territory, families=families)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            messages.info(request, _("Cette fiche a déjà été enregistrée."))
            return redirect(done_url)
        publish = request.POST.get("action") == "publish"
        try:
            with transaction.atomic():
                entry = services.entry_create(
                    territory=territory, kind=kind, user=request.user, data=form.entry_data(), publish=publish
                )
                record_submission(key, entry.get_absolute_url())
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(
                request, _("La fiche est publiée.") if publish else _("La fiche est enregistrée, non publiée.")
            )
            return redirect(entry)
    context = {"form": form, "project": project, "territory": territory, "kind": entry_kind, "creating": True}
    return render(request, "diagnostic/entry_form.html", context, status=400 if form.errors else 200)


@login_required
@_entry_page
def entry_edit(request, pk):
    entry = _entry_or_404(request, pk, "diagnostic.change_entry")
    families = ActorFamily.objects.filter(project=entry.project)
    form = entry_form_class(entry.kind_class)(
        request.POST or None, entry=entry, territory=entry.territory, families=families
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.entry_update(entry=entry, user=request.user, data=form.entry_data())
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("La fiche est enregistrée.") if changed else _("Rien n'a changé."))
            return redirect(entry)
    context = {
        "form": form,
        "project": entry.project,
        "territory": entry.territory,
        "kind": entry.kind_class,
        "entry": entry,
    }
    return render(request, "diagnostic/entry_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
@_entry_page
def entry_publish(request, pk):
    entry = _entry_or_404(request, pk, "diagnostic.publish_entry")
    publish = request.POST.get("action") != "unpublish"
    try:
        services.entry_set_publication(entry=entry, user=request.user, publish=publish)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("La fiche est publiée.") if publish else _("La fiche n'est plus publiée."))
    return redirect(entry)


@login_required
@_entry_page
def entry_merge(request, pk):
    entry = _entry_or_404(request, pk, "diagnostic.merge_entry")
    candidates = selectors.visible_entries(request.user, entry.project)
    form = MergeForm(request.POST or None, entry=entry, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        duplicate = form.cleaned_data["duplicate"]
        try:
            if duplicate.territory_id == entry.territory_id:
                require(request.user, "diagnostic.merge_entry", duplicate)
            kept = services.entries_merge(kept=entry, duplicate=duplicate, user=request.user)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(
                request, _("« %(duplicate)s » est fusionnée dans cette fiche.") % {"duplicate": duplicate.name}
            )
            return redirect(kept)
    return render(
        request,
        "diagnostic/entry_merge.html",
        {"form": form, "entry": entry, "project": entry.project},
        status=400 if form.errors else 200,
    )


@login_required
def family_list(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "diagnostic.manage_families", project)
    form = FamilyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.family_save(project=project, user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("La famille est ajoutée."))
            return redirect("diagnostic:family_list", project.slug)
    families = services.families_for(project=project)
    counts = dict(
        Entry.objects.current()
        .filter(project=project, family__isnull=False)
        .values_list("family_id")
        .annotate(n=Count("pk"))
    )
    rows = [(family, counts.get(family.pk, 0)) for family in families]
    return render(
        request,
        "diagnostic/families.html",
        {"project": project, "form": form, "rows": rows},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def family_edit(request, slug, family_id):
    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "diagnostic.manage_families", project)
    family = get_object_or_404(ActorFamily, pk=family_id, project=project)
    try:
        if request.POST.get("action") == "delete":
            services.family_delete(family=family, user=request.user)
            messages.success(request, _("La famille est supprimée."))
        else:
            # Through the form, like a new family: its field refuses NUL characters (PostgreSQL would
            # fail on them) and names longer than the column.
            form = FamilyForm(request.POST)
            if not form.is_valid():
                raise ValidationError([message for messages_ in form.errors.values() for message in messages_])
            services.family_save(project=project, user=request.user, name=form.cleaned_data["name"], family=family)
            messages.success(request, _("La famille est renommée."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("diagnostic:family_list", project.slug)
