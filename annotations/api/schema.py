"""OpenAPI generation that documents the error responses the API really gives."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_choice_field

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `errors` names each field at fault and why.",
    "401": "Not authenticated: send a session cookie or `Authorization: Token <key>`.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "No such object, one you may not see, or a page past the last.",
    "409": "Conflict: the action does not apply in the current status, or a stale `version`.",
    "412": "If-Match names a version that is no longer current; nothing was changed.",
    "429": "Too many writes: slow down (see Retry-After).",
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        from annotations.api.serializers import ErrorSerializer

        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses

    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403"]
        has_object = "{" in self.path
        if has_object or self._is_list_view():
            codes.append("404")  # no such object, or a page past the last
        writes = self.method not in ("GET", "HEAD", "OPTIONS")
        if writes and has_object and getattr(self.view, "versioned", False):
            codes += ["409", "412"]
        if writes:
            codes.append("429")
        return codes


class EnumTextFieldExtension(OpenApiSerializerFieldExtension):
    """Document an EnumTextField as the enum it names (the service checks membership)."""

    target_class = "annotations.api.fields.EnumTextField"

    def map_serializer_field(self, auto_schema, direction):
        return build_choice_field(self.target)
