from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from territoires.accounts.models import Invitation, Membership, Organisation, ProConnectIdentity, User
from territoires.accounts.services import membership_audit_change


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "job_title", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    list_filter = ["is_active", "is_staff", "memberships__role"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "job_title")}),
        (_("Droits"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "first_name", "last_name", "password1", "password2")}),
    )

    def save_formset(self, request, form, formset, change):
        if formset.model is Membership:
            membership_audit_change(formset=formset, actor=request.user)
        super().save_formset(request, form, formset, change)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "insee_code", "population", "department_code"]
    list_filter = ["kind", "department_code"]
    search_fields = ["name", "insee_code", "siret"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is Membership:
            membership_audit_change(formset=formset, actor=request.user)
        super().save_formset(request, form, formset, change)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__email", "user__last_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]

    def save_model(self, request, obj, form, change):
        from territoires.accounts.services import membership_save

        membership_save(membership=obj, actor=request.user)

    def delete_model(self, request, obj):
        from territoires.accounts.services import membership_revoke

        membership_revoke(membership=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        # The bulk "delete selected" action revokes each role through the audited service too.
        for membership in queryset:
            self.delete_model(request, membership)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent, resent, cancelled and accepted through their audited pages."""

    list_display = [
        "email",
        "organisation",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["email", "organisation__name"]
    exclude = ["key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProConnectIdentity)
class ProConnectIdentityAdmin(admin.ModelAdmin):
    """Read-only: identities are created by ProConnect sign-ins; deleting one unlinks the account
    (its next ProConnect sign-in links it again by its address)."""

    list_display = ["user", "organisation", "status", "created_at", "last_sign_in_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "siret"]
    readonly_fields = [
        "user",
        "subject",
        "siret",
        "organisation",
        "status",
        "decided_by",
        "decided_at",
        "created_at",
        "last_sign_in_at",
    ]

    def has_add_permission(self, request):
        return False
