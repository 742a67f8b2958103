from django.contrib import admin

from reviews.models import Invitation, ReviewerProfile


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "workshop", "status", "sent_count", "last_sent_at", "responded_at"]
    list_filter = ["workshop", "status"]
    list_select_related = ["workshop"]
    search_fields = ["email", "name"]
    raw_id_fields = ["invited_by"]
    readonly_fields = ["token", "created_at", "responded_at", "sent_count", "last_sent_at"]


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "workshop", "max_load", "updated_at"]
    list_filter = ["workshop"]
    list_select_related = ["user", "workshop"]
    search_fields = ["user__email", "user__name"]
    raw_id_fields = ["user"]
    filter_horizontal = ["directions"]
