"""Input fields that refuse what the database cannot store, as a 400 rather than a 500."""

from __future__ import annotations

from django.http import QueryDict
from rest_framework import serializers

from annotations.common.inputs import normalise_url
from annotations.models import http_url_validator

MAX_OFFSET = 2_147_483_647  # PostgreSQL integer


class TextField(serializers.CharField):
    """A CharField that keeps white space as sent and refuses unencodable text."""

    default_error_messages = {
        "unencodable": "Text must be valid Unicode (no lone surrogates).",
        "not_text": "Must be a string.",
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("unencodable")
        return value


class EnumTextField(TextField):
    """A string the schema documents as one of `choices`.

    Only its type is checked here: whether the value is allowed is the domain's rule, checked
    once by the service the view calls (editing.py), for every caller alike.
    """

    def __init__(self, *, choices, **kwargs) -> None:
        self.choices = dict(choices)
        super().__init__(**kwargs)


class BooleanField(serializers.BooleanField):
    """true or false: in JSON a boolean, never "yes", "1" or 1 (DRF takes those as true, so a
    typo or a wrong type would quietly switch a setting). A form-encoded body, which has only
    strings, says "true" or "false"."""

    default_error_messages = {"invalid": "Must be true or false (a JSON boolean)."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        form = isinstance(getattr(self.root, "initial_data", None), QueryDict)
        if form and data in ("true", "false"):
            return data == "true"
        self.fail("invalid")


class OffsetField(serializers.IntegerField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_OFFSET)
        super().__init__(**kwargs)


class HttpUrlField(serializers.URLField):
    """An http or https URL: javascript:, data: and other schemes are never stored."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if type(v).__name__ != "URLValidator"]
        self.validators.append(http_url_validator)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("invalid")
        return normalise_url(value)  # before the validators: spaces and quotes get encoded
