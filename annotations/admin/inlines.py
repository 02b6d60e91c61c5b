"""What the admin's tabular inlines share."""

from __future__ import annotations

from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _


class LabelledInlineFormSet(BaseInlineFormSet):
    """A tabular inline names its fields only by the column heading, which assistive technology
    does not connect to them (axe: label, select-name): each field gets an aria-label with its
    row."""

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        row = _("new row") if index is None else _("row %(n)s") % {"n": index + 1}
        for name, field in form.fields.items():
            label = _("Delete") if name == "DELETE" else str(field.label or name)
            widget = getattr(field.widget, "widget", field.widget)  # inside admin's wrapper
            widget.attrs["aria-label"] = f"{label}, {row}"
