from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination as DRFPageNumberPagination


class PageNumberPagination(DRFPageNumberPagination):
    """Numbered pages; a malformed page number is a 400 naming it, one past the end a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        number = request.query_params.get(self.page_query_param)
        valid = number is None or number in self.last_page_strings
        if not valid and (not number.isdigit() or int(number) < 1):
            raise ValidationError({self.page_query_param: "A page number is 1 or more."})
        return super().paginate_queryset(queryset, request, view)
