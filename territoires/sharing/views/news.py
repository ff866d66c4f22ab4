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
from territoires.sharing.forms import NewsPostCreateForm, NewsPostForm
from territoires.sharing.models import NewsPost
from territoires.sharing.services import news_save
from territoires.sharing.views.common import (
    attach_project,
    get_in_project_or_404,
    get_project_or_404,
    publish_requested,
    replay_or_none,
)

PAGE_SIZE = 10


@public_page_cache(query_params=("page",))
def news_list(request):
    """Every news post the visitor may read, across projects, newest first."""
    news = selectors.news_for_platform(request.user)
    page = Paginator(news, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sharing/news_list.html", {"page_obj": page})


@public_page_cache(query_params=("page",))
def project_news(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    news = selectors.news_for_project(project, request.user)
    page = attach_project(Paginator(news, PAGE_SIZE).get_page(request.GET.get("page")), project)
    return render(
        request,
        "sharing/project_news.html",
        {
            "project": project,
            "page_obj": page,
            "can_add": request.user.has_perm("sharing.add_news", project),
        },
    )


@public_page_cache
def news_detail(request, slug, post_id):
    project = get_project_or_404(slug, request.user, with_progress=False)
    post = get_in_project_or_404(NewsPost, post_id, project)
    require(request.user, "sharing.view_news", post)
    return render(
        request,
        "sharing/news_detail.html",
        {"project": project, "post": post, "can_change": request.user.has_perm("sharing.change_news", post)},
    )


@login_required
def news_edit(request, slug, post_id=None):
    project = get_project_or_404(slug, request.user, with_progress=False)
    if post_id is None:
        require(request.user, "sharing.add_news", project)
        post = NewsPost(project=project)
        form_class = NewsPostCreateForm
    else:
        post = get_in_project_or_404(NewsPost, post_id, project)
        require(request.user, "sharing.change_news", post)
        form_class = NewsPostForm
    form = form_class(request.POST or None, instance=post)
    if request.method == "POST" and form.is_valid():
        if replay := replay_or_none(request, form, post_id):
            return replay
        try:
            with transaction.atomic():
                post = news_save(post=form.save(commit=False), user=request.user, publish=publish_requested(request))
                if post_id is None:
                    record_submission(parse_submission_key(request), post.get_absolute_url())
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(
                request, _("L'actualité est publiée.") if post.is_published else _("Le brouillon est enregistré.")
            )
            return redirect(post.get_absolute_url())
    return render(
        request,
        "sharing/news_form.html",
        {
            "project": project,
            "form": form,
            "post": post if post.pk else None,
            "is_published": bool(post.pk) and post.is_published,
            "cancel_url": post.get_absolute_url() if post.pk else reverse("sharing:project_news", args=[slug]),
        },
        status=400 if form.errors else 200,
    )
