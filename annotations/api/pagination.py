from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination as DRFPageNumberPagination

from annotations.common.inputs import InputError, whole_number


class PageNumberPagination(DRFPageNumberPagination):
    """Numbered pages; a malformed page number is a 400 naming it, one past the end a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        params = request.query_params
        try:
            number = params.get(self.page_query_param)
            if number is not None and number not in self.last_page_strings:
                whole_number(number, name=self.page_query_param, low=1)
            size = params.get(self.page_size_query_param)
            if size is not None:
                whole_number(size, name=self.page_size_query_param, low=1)
        except InputError as exc:
            raise ValidationError({exc.name: exc.message}) from exc
        return super().paginate_queryset(queryset, request, view)
