"""Loads the shipped quiz question bank (fanzha/data/outreach/quiz_questions.json) into every
database. Loading is by key, so running it again (or a later migration calling the same function
after the bank grows) updates rather than duplicates."""

from typing import Any

from django.db import migrations


def load_bank(apps: Any, schema_editor: Any) -> None:
    from fanzha.outreach.quiz import sync_bank

    sync_bank(apps.get_model("outreach", "QuizQuestion"))


class Migration(migrations.Migration):
    dependencies = [("outreach", "0003_events_photos_quiz")]

    operations = [migrations.RunPython(load_bank, migrations.RunPython.noop)]
