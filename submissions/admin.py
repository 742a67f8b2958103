from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from submissions.models import Submission, SubmissionAuthor, SubmissionFile


class AuthorInline(admin.TabularInline):
    model = SubmissionAuthor
    extra = 0


class FileInline(admin.TabularInline):
    model = SubmissionFile
    extra = 0
    fields = ["kind", "version", "original_name", "size", "page_count", "sha256", "uploaded_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Submission)
class SubmissionAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "workshop", "status", "primary_direction", "submitted_at"]
    list_filter = ["workshop", "status"]
    list_select_related = ["workshop", "primary_direction"]
    search_fields = ["title", "authors__name", "authors__email"]
    raw_id_fields = ["created_by", "conflicted_members"]
    inlines = [AuthorInline, FileInline]


@admin.register(SubmissionFile)
class SubmissionFileAdmin(admin.ModelAdmin):
    list_display = ["submission", "kind", "version", "size", "page_count", "uploaded_at"]
    list_select_related = ["submission"]
    readonly_fields = ["sha256", "size", "page_count"]
