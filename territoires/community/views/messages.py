"""Acting on one message: edit (with history), report, hide or restore (moderation), attachments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.community import selectors, services
from territoires.community.forms import HideForm, MessageEditForm, ReportForm
from territoires.community.models import Attachment, Report
from territoires.community.views.common import message_or_404
from territoires.core.storage import stored_file_response
from territoires.core.validators import safe_download_name
from territoires.projects.views.common import form_errors_from, id_from, require


@login_required
def message_edit(request, pk):
    message = message_or_404(request.user, pk)
    require(request.user, "community.edit_message", message)
    with_title = message.position == 1
    initial = {"body": message.body, "title": message.thread.title}
    form = MessageEditForm(request.POST or None, initial=initial, with_title=with_title)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_edit(
                user=request.user, message=message, body=form.cleaned_data["body"], title=form.cleaned_data.get("title")
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Votre message est modifié ; la version précédente est conservée."))
            return redirect(message.get_absolute_url())
    return render(request, "community/message_form.html", {"form": form, "message": message, "action": "edit"})


@login_required
def message_hide(request, pk):
    message = message_or_404(request.user, pk)
    require(request.user, "community.hide_message", message)
    form = HideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_hide(user=request.user, message=message, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Le message est masqué ; son auteur ou son autrice en a été informé·e."))
            return redirect(message.get_absolute_url())
    return render(request, "community/message_form.html", {"form": form, "message": message, "action": "hide"})


@login_required
@require_POST
def message_restore(request, pk):
    message = message_or_404(request.user, pk)
    require(request.user, "community.hide_message", message)
    services.message_restore(user=request.user, message=message)
    messages.success(request, _("Le message est de nouveau visible."))
    return redirect(message.get_absolute_url())


@login_required
def message_report(request, pk):
    message = message_or_404(request.user, pk)
    require(request.user, "community.report_message", message)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_report(user=request.user, message=message, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Merci : la modération examinera ce message."))
            return redirect(message.get_absolute_url())
    return render(request, "community/message_form.html", {"form": form, "message": message, "action": "report"})


@login_required
def message_revisions(request, pk):
    message = message_or_404(request.user, pk)
    require(request.user, "community.view_revisions", message)
    revisions = Paginator(message.revisions.select_related("edited_by"), 20).get_page(request.GET.get("page"))
    return render(request, "community/message_revisions.html", {"message": message, "page_obj": revisions})


def attachment_download(request, pk):
    """Served through the thread's permission (project spaces are private), never from a public URL."""
    attachment = get_object_or_404(Attachment.objects.select_related("message"), pk=id_from(pk) or 0)
    message = message_or_404(request.user, attachment.message_id)
    if message.is_hidden and not request.user.has_perm("community.hide_message", message):
        raise Http404
    # Named after the type judged at upload, whatever name it was sent with (a "notes.html" that is
    # a PDF is served as "notes.pdf"); only images are shown inline, in a sandbox.
    return stored_file_response(
        attachment.file,
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=safe_download_name(attachment.original_name, attachment.extension),
        headers={
            "Cache-Control": "private, max-age=3600",
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
        },
    )


@login_required
def moderation(request):
    # Facilitators moderate: the open space (all of them) and the spaces of the projects they run.
    require(request.user, "community.moderate_theme_spaces")
    page = Paginator(selectors.open_reports_for(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "community/moderation.html", {"page_obj": page})


@login_required
@require_POST
def report_resolve(request, pk):
    report = get_object_or_404(Report, pk=id_from(pk) or 0)
    message = message_or_404(request.user, report.message_id)
    report.message = message
    require(request.user, "community.hide_message", message)
    services.report_resolve(user=request.user, report=report)
    messages.success(request, _("Signalement classé sans suite."))
    return redirect("community:moderation")
