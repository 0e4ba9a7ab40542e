"""One factory picks the client by wire; v2 accounts get Co-op only from a configured URL."""

from __future__ import annotations

import httpx
import pytest

from bot.harvest.api import CoopApi, HarvestApi
from bot.harvest.auth import BasicAuth
from bot.harvest.auth_v2 import PersonalToken
from bot.harvest.client_v1 import HarvestV1Client
from bot.harvest.client_v2 import HarvestV2Client
from bot.harvest.errors import CoopUnavailable, HarvestError
from bot.harvest.factory import Connections, connect, open_client
from bot.harvest.pacing import Pacer
from tests.client.fakes import ScriptedHarvest, json_reply

from .fakes import PAT


def test_v1_accounts_get_one_client_for_harvest_and_coop() -> None:
    connection = connect(
        "v1", BasicAuth("a@b.c", "pw-1234"), base_url="https://acme.harvestapp.com", pacer=Pacer()
    )
    assert isinstance(connection.harvest, HarvestV1Client)
    assert connection.coop is connection.harvest and connection.has_coop
    connection.close()


def test_v2_accounts_without_a_coop_url_say_coop_is_unavailable() -> None:
    connection = connect("v2", PAT)
    assert isinstance(connection.harvest, HarvestV2Client) and isinstance(
        connection.harvest, HarvestApi
    )
    assert connection.harvest.account_id == "10254"
    assert not connection.has_coop
    with pytest.raises(CoopUnavailable, match="Co-op is not available") as caught:
        connection.coop  # noqa: B018
    assert isinstance(caught.value, HarvestError)  # services already turn these into messages
    connection.close()


def test_v2_accounts_with_a_coop_url_use_the_v1_coop_client_there() -> None:
    coop = ScriptedHarvest().on("GET", "/coop/groups", json_reply([]))
    connection = connect(
        "v2",
        PAT,
        coop_url="https://coop.example/coop",
        transport=httpx.MockTransport(coop),
        per_page=100,  # a v2 option: not passed to the Co-op client
    )
    assert isinstance(connection.coop, CoopApi)
    assert connection.coop.groups() == ()
    (request,) = coop.requests
    assert str(request.url) == "https://coop.example/coop/groups"
    assert request.headers["Authorization"] == PAT.header()
    connection.close()


def test_open_client_checks_what_each_wire_needs() -> None:
    with pytest.raises(ValueError, match="base URL"):
        open_client("v1", PAT)
    with pytest.raises(ValueError, match="bearer token"):
        open_client("v2", BasicAuth("a@b.c", "pw-1234"), account_id=1)
    with pytest.raises(ValueError, match="unknown wire"):
        open_client("v3", PAT)  # type: ignore[arg-type]
    client = open_client("v2", PAT, base_url="http://127.0.0.1:9/v2")
    assert isinstance(client, HarvestV2Client) and client.base_url == "http://127.0.0.1:9/v2"
    client.close()


def test_connections_share_one_pool_per_host_and_keep_budgets_per_account() -> None:
    harvest = ScriptedHarvest().on("GET", "/v2/users/me", json_reply({"id": 1, "email": "k@x"}))
    connections = Connections(transport=httpx.MockTransport(harvest))
    kim = connections.connect("v2", PersonalToken("pat-kim-1234", 10254))
    ann = connections.connect("v2", PersonalToken("pat-ann-1234", 20508))
    assert isinstance(kim.harvest, HarvestV2Client) and isinstance(ann.harvest, HarvestV2Client)
    assert kim.harvest._http is ann.harvest._http
    assert kim.harvest._pacers.general is not ann.harvest._pacers.general
    kim.harvest._myself()
    ann.close()  # a person's connection does not close the shared pool
    assert not kim.harvest._http.is_closed
    basil = connections.connect("v1", BasicAuth("b@x", "pw-1234"), base_url="https://f.example")
    assert basil.harvest._http is not kim.harvest._http  # type: ignore[attr-defined]
    connections.close()
    assert kim.harvest._http.is_closed and len(harvest.requests) == 1
