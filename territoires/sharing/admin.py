from django.contrib import admin

from territoires.search.admin import SearchIndexedAdmin
from territoires.sharing import services
from territoires.sharing.models import Lesson, NewsPost, PeerEvent, Registration


@admin.register(NewsPost)
class NewsPostAdmin(SearchIndexedAdmin):
    list_display = ["title", "project", "audience", "status", "published_at"]
    list_filter = ["status", "audience"]
    search_fields = ["title", "project__title"]
    list_select_related = ["project"]
    raw_id_fields = ["project", "author", "organisation"]
    date_hierarchy = "published_at"


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "promoted_at"]


@admin.register(PeerEvent)
class PeerEventAdmin(SearchIndexedAdmin):
    list_display = ["title", "project", "kind", "starts_at", "audience", "capacity", "status"]
    list_filter = ["kind", "status", "audience"]
    search_fields = ["title", "project__title"]
    list_select_related = ["project"]
    raw_id_fields = ["project", "organiser"]
    inlines = [RegistrationInline]
    filter_horizontal = ["resources"]
    date_hierarchy = "starts_at"


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "territory", "visibility", "status", "published_at"]
    list_filter = ["status", "visibility"]
    search_fields = ["title", "summary"]
    list_select_related = ["project", "territory"]
    raw_id_fields = ["project", "territory", "author"]
    filter_horizontal = ["themes", "resources"]

    # The search index follows what the admin changes too: a deleted or unpublished lesson is not found.
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.lesson_index(lesson=form.instance)

    def delete_model(self, request, obj):
        services.lesson_delete(lesson=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for lesson in queryset:
            services.lesson_delete(lesson=lesson, user=request.user)
