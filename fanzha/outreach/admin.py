from django.contrib import admin

from fanzha.outreach.models import EventPhoto, OutreachEvent, PrizeDraw, QuizAttempt, QuizQuestion


class EventPhotoInline(admin.TabularInline):
    model = EventPhoto
    extra = 0
    fields = ("image", "width", "height", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = True


@admin.register(OutreachEvent)
class OutreachEventAdmin(admin.ModelAdmin):
    list_display = ("day", "title", "grid", "venue_type", "audience")
    list_filter = ("venue_type", "grid")
    date_hierarchy = "day"
    inlines = [EventPhotoInline]


@admin.register(QuizQuestion)
class QuizQuestionAdmin(admin.ModelAdmin):
    list_display = ("key", "category", "question", "active")
    list_filter = ("category", "active")
    search_fields = ("question", "key")


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    list_display = ("submitted_at", "grid", "event", "correct", "total")
    list_filter = ("grid",)
    readonly_fields = (
        "grid",
        "event",
        "questions",
        "answers",
        "correct",
        "total",
        "categories_wrong",
        "ip_hash",
    )


@admin.register(PrizeDraw)
class PrizeDrawAdmin(admin.ModelAdmin):
    list_display = ("drawn_at", "phone_masked", "won", "prize", "redeemed_at")
    list_filter = ("won",)
    search_fields = ("phone_masked",)
    readonly_fields = ("attempt", "phone_hash", "phone_masked", "won", "prize", "ip_hash", "drawn_at")
