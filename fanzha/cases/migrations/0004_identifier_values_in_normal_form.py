"""Identifier values in their kind's normal form (phones as bare digits, card numbers without
spaces…), as ``fanzha.cases.linking.identifier_ids`` now writes them, so a number stored before
with dashes and the same number written now are one identifier and link their cases.

Where two stored rows become the same value, the cases of the second are linked to the first and
the second row goes; no link between a case and an identifier is lost. Not reversible in data
(the old spellings are not kept), but reversing leaves the schema as it was.
"""

from typing import Any

from django.db import migrations

from fanzha.domain.values.registry import identifier_kinds, normalise_identifier


def normalise_values(apps: Any, schema_editor: Any) -> None:
    Identifier = apps.get_model("cases", "Identifier")
    CaseIdentifier = apps.get_model("cases", "CaseIdentifier")
    kinds = identifier_kinds()
    kept: dict[tuple[str, str], int] = {}
    changed = []
    for pk, kind, value in Identifier.objects.order_by("pk").values_list("pk", "kind", "value"):
        normal = normalise_identifier(kind, value)[:200] if kind in kinds else value
        if normal == value or not normal:
            kept.setdefault((kind, value), pk)
        else:
            changed.append((pk, kind, normal))
    for pk, kind, normal in changed:
        into = kept.get((kind, normal))
        if into is None:
            Identifier.objects.filter(pk=pk).update(value=normal)
            kept[(kind, normal)] = pk
            continue
        linked = set(CaseIdentifier.objects.filter(identifier_id=into).values_list("case_id", flat=True))
        for link in CaseIdentifier.objects.filter(identifier_id=pk):
            if link.case_id in linked:
                link.delete()
            else:
                link.identifier_id = into
                link.save(update_fields=["identifier"])
        Identifier.objects.filter(pk=pk).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_intake_import_overrides")]

    operations = [migrations.RunPython(normalise_values, migrations.RunPython.noop)]
