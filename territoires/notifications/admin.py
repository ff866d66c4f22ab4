from django.contrib import admin

from territoires.notifications.models import EmailPreference, Follow, Notification


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "target_type", "target_id", "created_at"]
    list_filter = ["target_type"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "verb", "text", "created_at", "read_at", "emailed_at"]
    list_filter = ["verb", "immediate"]
    search_fields = ["recipient__email", "text"]
    raw_id_fields = ["recipient", "actor"]
    date_hierarchy = "created_at"


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "mode", "updated_at"]
    list_filter = ["mode"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
