from collections.abc import Iterator

import pytest

from tests.fakes.slack_api import FakeSlackApi


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as api:
        api.add_user("U1", name="ana", email="Ana@Example.com", tz="Europe/Lisbon")
        yield api
