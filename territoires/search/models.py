from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    """One searchable thing (a project, a theme, a resource, a news post, a peer event, a lesson
    learned, a discussion), copied here by its own app.

    The source apps call services.source_reindex (or document_upsert) inside their write transaction, so the index never
    lags behind what was saved; the search app imports none of them. Who may see a document is stored
    as an audience plus plain ids (project, organisation), checked in SQL on every query.
    On SQLite the words live in the FTS5 table `search_fts` (rowid = id); on PostgreSQL in the
    generated column `search_vector` (French configuration with unaccent). Both are created by
    vendor-specific migrations, so neither appears as a model field.
    """

    class Category(models.TextChoices):
        # In the order the search page lists the groups of results.
        PROJECT = "project", _("Projet partagé")
        THEME = "theme", _("Thème")
        RESOURCE = "resource", _("Ressource")
        NEWS = "news", _("Actualité")
        EVENT = "event", _("Rencontre entre pairs")
        LESSON = "lesson", _("Retour d'expérience")
        DISCUSSION = "discussion", _("Discussion")

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Tout le monde")
        REGISTERED = "registered", _("Personnes inscrites")
        PROJECT = "project", _("Membres du projet")
        PROJECT_OBSERVERS = "project_observers", _("Membres et observateurs du projet")
        TERRITORY = "territory", _("Équipe du territoire")

    source_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    source_id = models.PositiveBigIntegerField()
    category = models.CharField(_("catégorie"), max_length=20, choices=Category.choices)
    title = models.CharField(_("titre"), max_length=300)
    text = models.TextField(_("texte"), blank=True)
    url = models.CharField(_("adresse"), max_length=500)
    audience = models.CharField(_("public"), max_length=20, choices=Audience.choices)
    # Plain ids, not foreign keys: the index outlives nothing and depends on no domain app's tables.
    project_id = models.PositiveBigIntegerField(_("projet"), null=True, blank=True)
    organisation_id = models.PositiveBigIntegerField(_("organisation"), null=True, blank=True)
    territory_id = models.PositiveBigIntegerField(_("territoire"), null=True, blank=True)
    # " 3 7 " : space-delimited so that one LIKE '% 3 %' filters a theme without a join.
    theme_ids = models.CharField(_("thèmes"), max_length=500, blank=True, default="")
    kind = models.CharField(_("nature"), max_length=40, blank=True, default="")
    licence = models.CharField(_("licence"), max_length=40, blank=True, default="")
    year = models.PositiveSmallIntegerField(_("année"), null=True, blank=True)
    indexed_at = models.DateTimeField(_("indexé le"), auto_now=True)

    class Meta:
        verbose_name = _("document indexé")
        verbose_name_plural = _("documents indexés")
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id"], name="one_search_document_per_source")
        ]
        indexes = [models.Index(fields=["audience", "project_id"], name="search_doc_audience_project")]

    def __str__(self):
        return self.title

    @property
    def theme_id_list(self) -> list[int]:
        return [int(part) for part in self.theme_ids.split()]
