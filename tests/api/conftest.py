import pytest
from rest_framework.test import APIClient


@pytest.fixture
def client_for():
    """Return an API client logged in as the given user (anonymous for None)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
