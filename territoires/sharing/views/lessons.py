from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from territoires.core.cache import public_page_cache
from territoires.core.idempotency import parse_submission_key, record_submission
from territoires.projects.views.common import form_errors_from, require
from territoires.sharing import selectors
from territoires.sharing.forms import LessonCreateForm, LessonFilterForm, LessonForm
from territoires.sharing.models import Lesson
from territoires.sharing.services import lesson_save
from territoires.sharing.views.common import (
    attach_project,
    get_in_project_or_404,
    get_project_or_404,
    linkable_resources,
    publish_requested,
    replay_or_none,
    visible_resources,
)

PAGE_SIZE = 12


@public_page_cache(query_params=("theme", "project", "page"))
def lesson_list(request):
    """Published lessons across projects, filtered by theme and project, so that an authority can
    learn from projects it did not take part in."""
    themes, projects = selectors.lesson_filter_choices(request.user)
    filters = LessonFilterForm(request.GET or None, themes=themes, projects=projects)
    theme = project = None
    if filters.is_bound:
        # An unknown or forged value drops that filter rather than failing the page.
        filters.is_valid()
        theme = filters.cleaned_data.get("theme")
        project = filters.cleaned_data.get("project")
    lessons = selectors.lessons_for(request.user, theme=theme, project=project).published()
    page = Paginator(lessons, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing/lesson_list.html",
        {"page_obj": page, "filters": filters, "filtered": bool(theme or project)},
    )


@public_page_cache(query_params=("page",))
def project_lessons(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    lessons = selectors.lessons_for(request.user, project=project)
    page = attach_project(Paginator(lessons, PAGE_SIZE).get_page(request.GET.get("page")), project)
    return render(
        request,
        "sharing/project_lessons.html",
        {"project": project, "page_obj": page, "can_add": request.user.has_perm("sharing.add_lesson", project)},
    )


@public_page_cache
def lesson_detail(request, slug, lesson_id):
    project = get_project_or_404(slug, request.user, with_progress=False)
    lesson = get_in_project_or_404(Lesson, lesson_id, project)
    require(request.user, "sharing.view_lesson", lesson)
    return render(
        request,
        "sharing/lesson_detail.html",
        {
            "project": project,
            "lesson": lesson,
            "themes": lesson.themes.order_by("title"),
            "resources": visible_resources(lesson, request.user),
            "can_change": request.user.has_perm("sharing.change_lesson", lesson),
        },
    )


@login_required
def lesson_edit(request, slug, lesson_id=None):
    project = get_project_or_404(slug, request.user, with_progress=False)
    if lesson_id is None:
        require(request.user, "sharing.add_lesson", project)
        lesson = Lesson(project=project)
        form_class = LessonCreateForm
    else:
        lesson = get_in_project_or_404(Lesson, lesson_id, project)
        require(request.user, "sharing.change_lesson", lesson)
        form_class = LessonForm
    form = form_class(
        request.POST or None, instance=lesson, project=project, resources=linkable_resources(project, request.user)
    )
    if request.method == "POST" and form.is_valid():
        if replay := replay_or_none(request, form, lesson_id):
            return replay
        try:
            with transaction.atomic():
                lesson = lesson_save(
                    lesson=form.save(commit=False),
                    user=request.user,
                    publish=publish_requested(request),
                    themes=form.cleaned_data["themes"],
                    resources=form.cleaned_data["resources"],
                )
                if lesson_id is None:
                    record_submission(parse_submission_key(request), lesson.get_absolute_url())
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(
                request,
                _("Le retour d'expérience est publié.") if lesson.is_published else _("Le brouillon est enregistré."),
            )
            return redirect(lesson.get_absolute_url())
    return render(
        request,
        "sharing/lesson_form.html",
        {
            "project": project,
            "form": form,
            "lesson": lesson if lesson.pk else None,
            "is_published": bool(lesson.pk) and lesson.is_published,
            "cancel_url": lesson.get_absolute_url() if lesson.pk else reverse("sharing:project_lessons", args=[slug]),
        },
        status=400 if form.errors else 200,
    )
