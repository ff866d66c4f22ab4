"""Atom feeds of the news: the platform's and each project's. Only public posts of public projects,
whoever asks: a feed reader carries no session and a feed is often republished."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from territoires.core.markdown import render_markdown
from territoires.projects.selectors import project_page
from territoires.sharing import selectors


class PlatformNewsFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return _("Territoires en commun — actualités des projets partagés")

    def subtitle(self):
        return _("Les remontées d'information publiques des projets partagés entre collectivités.")

    def link(self):
        return reverse("sharing:news_list")

    def feed_url(self):
        return reverse("sharing:news_feed")

    def items(self):
        return selectors.public_news()

    def item_title(self, item):
        return f"{item.project.title} — {item.title}"

    def item_description(self, item):
        summary = f"<p><strong>{escape(item.summary)}</strong></p>" if item.summary else ""
        return summary + render_markdown(item.body)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.organisation.name if item.organisation else item.project.title

    def item_guid(self, item):
        return f"news-{item.pk}"

    def item_guid_is_permalink(self, item):
        return False


class ProjectNewsFeed(PlatformNewsFeed):
    def get_object(self, request, slug):
        # An unpublished project has no feed, whoever asks.
        project = project_page(slug, with_progress=False)
        if project is None or not project.is_public:
            raise Http404
        return project

    def title(self, project):
        return _("%(project)s — actualités") % {"project": project.title}

    def subtitle(self, project):
        return project.summary or project.title

    def link(self, project):
        return reverse("sharing:project_news", args=[project.slug])

    def feed_url(self, project):
        return reverse("sharing:project_news_feed", args=[project.slug])

    def items(self, project):
        return selectors.public_news(project)

    def item_title(self, item):
        return item.title
