"""Per-user limit on API writes, so one runaway script cannot flood the database."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle


class WriteRateThrottle(UserRateThrottle):
    """Throttle unsafe methods at REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["writes"]."""

    scope = "writes"

    def get_rate(self) -> str | None:
        # Read the setting on each request (not at import) so deployments and tests can change it.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
