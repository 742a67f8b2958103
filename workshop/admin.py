from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from workshop.mail import retry_failed_emails
from workshop.models import Direction, Membership, OutboxEmail, User, Workshop


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "affiliation", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "name", "affiliation"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    filter_horizontal = ["groups", "user_permissions", "expertise_directions"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "affiliation", "email_domains", "orcid", "expertise", "expertise_directions"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})]


class DirectionInline(admin.TabularInline):
    model = Direction
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "submission_deadline", "review_deadline"]
    search_fields = ["name", "slug", "short_name"]
    inlines = [DirectionInline]


@admin.register(Direction)
class DirectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "workshop", "order"]
    list_filter = ["workshop"]
    list_select_related = ["workshop"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workshop", "role", "created_at"]
    list_filter = ["workshop", "role"]
    list_select_related = ["user", "workshop"]
    search_fields = ["user__email", "user__name"]
    autocomplete_fields = ["user"]


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "status", "attempts", "workshop", "created_at", "sent_at"]
    list_filter = ["status", "workshop"]
    list_select_related = ["workshop"]
    search_fields = ["subject", "to"]
    readonly_fields = [f.name for f in OutboxEmail._meta.fields]
    actions = ["retry"]

    @admin.action(description="Send the selected failed emails again")
    def retry(self, request, queryset):
        count = retry_failed_emails(email_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} failed email(s) queued again.", messages.SUCCESS)
