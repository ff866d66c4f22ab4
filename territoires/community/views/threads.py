"""A thread's page (paginated by message position) and replying to it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.community import fragments, selectors, services
from territoires.community.forms import ReplyForm
from territoires.community.models import Message
from territoires.community.rules import observer_access_of
from territoires.community.views.common import thread_or_404
from territoires.core.cache import public_page_cache
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.projects.views.common import form_errors_from, get_project_or_404, id_from, require


def _render_thread(request, thread, *, form=None, raw_page=None, status=200):
    user = request.user
    page = selectors.thread_page(thread, raw_page if raw_page is not None else request.GET.get("page"), load=False)
    can_reply = user.has_perm("community.reply_thread", thread)
    can_moderate = user.has_perm("community.moderate_thread", thread)
    key = fragments.page_key(thread, page, user=user, can_reply=can_reply, can_moderate=can_moderate)
    messages_html = fragments.cached_page(key)
    if messages_html is None:
        selectors.load_page_messages(thread, page)
        for message in page.object_list:
            mine = user.is_authenticated and message.author_id == user.pk
            message.can_edit = mine and can_reply and not message.is_hidden
            message.can_report = user.is_authenticated and not mine and not message.is_hidden
            message.can_see_revisions = bool(message.edited_at) and (mine or can_moderate)
        fragments.render_messages(page.object_list, request=request, can_reply=can_reply, can_moderate=can_moderate)
        messages_html = fragments.store_page(key, page.object_list)
    quoted = None
    # The reply box sits at the end of the thread (its last page); earlier pages link to it.
    on_last_page = page.number == page.paginator.num_pages
    if can_reply and form is None and on_last_page:
        initial = {}
        quote_id = id_from(request.GET.get("citer"))
        if quote_id:
            quoted = (
                Message.objects.filter(pk=quote_id, thread=thread, hidden_at__isnull=True)
                .select_related("author")
                .first()
            )
            if quoted is not None:
                initial["quote"] = quoted.pk
        form = ReplyForm(initial=initial)
    elif form is not None and form.is_bound:
        quote_id = id_from(form.data.get("quote"))
        if quote_id:
            quoted = (
                Message.objects.filter(pk=quote_id, thread=thread, hidden_at__isnull=True)
                .select_related("author")
                .first()
            )
    context = {
        "thread": thread,
        "project": thread.project if thread.project_id else None,
        "page_obj": page,
        "messages_html": messages_html,
        "form": form if can_reply else None,
        "on_last_page": on_last_page,
        "quoted": quoted,
        "can_reply": can_reply,
        "can_moderate": can_moderate,
        "can_share": thread.project_id
        and (can_moderate or (can_reply and thread.author_id == user.pk))
        and observer_access_of(thread.project) == "shared",
    }
    return render(request, "community/thread_detail.html", context, status=status)


@public_page_cache(query_params=("page",))
def thread_detail(request, pk):
    thread = thread_or_404(request.user, pk)
    if thread.project_id:
        return redirect(thread.get_absolute_url())
    return _render_thread(request, thread)


def project_thread(request, slug, pk):
    project = get_project_or_404(slug, request.user, with_progress=False)
    thread = thread_or_404(request.user, pk, project=project)
    return _render_thread(request, thread)


@login_required
@require_POST
def thread_reply(request, pk):
    # A thread the user cannot read is a 404 before anything else is looked at: nothing is saved.
    thread = thread_or_404(request.user, id_from(pk))
    require(request.user, "community.reply_thread", thread)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            messages.info(request, _("Cette réponse a déjà été publiée."))
            return redirect(done_url)
        try:
            with transaction.atomic():
                message = services.message_post(
                    user=request.user,
                    thread=thread,
                    body=form.cleaned_data["body"],
                    quoted_id=form.cleaned_data.get("quote"),
                    files=form.cleaned_data.get("files") or [],
                )
                record_submission(key, message.get_absolute_url())
        except ValidationError as error:
            form_errors_from(error, form)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Votre réponse est publiée."))
            return redirect(message.get_absolute_url())
    return _render_thread(request, thread, form=form, raw_page="last", status=400)


@login_required
@require_POST
def thread_share(request, pk):
    thread = thread_or_404(request.user, id_from(pk))
    try:
        services.thread_set_shared(user=request.user, thread=thread, shared=request.POST.get("shared") == "1")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if thread.shared_with_observers:
            messages.success(request, _("Les collectivités observatrices peuvent lire cette discussion."))
        else:
            messages.success(request, _("Cette discussion est réservée aux membres du projet."))
    return redirect(thread.get_absolute_url())
