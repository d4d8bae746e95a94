"""Portal pages for webhooks: the list, creating an endpoint (its secret shown once), editing, disabling,
deleting, rotating the secret, the delivery log with each attempt, redelivery of one delivery and of a
period, CSRF, another organisation's ids, and what a viewer may do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from betal import bootstrap
from betal.adapters.security import Argon2PasswordHasher
from betal.api.app import create_app
from betal.config import Mode, Settings
from betal.domain.calendar import COPENHAGEN
from betal.domain.tenancy import Role
from betal.domain.webhook import DeliveryStatus, EndpointStatus, WebhookEndpoint
from betal.services.organisation import CreatedOrganisation
from betal.services.webhook import list_endpoints, signing_secrets
from betal.web import cookies
from tests.services.test_webhook_delivery import attempt
from tests.services.webhook_support import add_endpoint, deliveries, owner, publish
from tests.webhook_receiver import Answer, Receiver, running_receiver

from ..portal import Login, csrf_token, log_in, make_user

LIST = "/app/webhooks"
URL = "https://books.example.dk/webhooks/betal"
_SECRET = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')
_FIELD_ERROR = r'<p class="field__error" id="{}-error">([^<]*)</p>'


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def viewer(container: bootstrap.Container, org: CreatedOrganisation) -> Login:
    return make_user(container, "kig@hansen.example", "Kim Kigger", {org.organisation.id: Role.VIEWER})


def _create(client: TestClient, token: str, **fields: object) -> Response:
    data: dict[str, object] = {"csrf_token": token, "url": URL, "events": ["payment.succeeded"]} | fields
    response: Response = client.post(f"{LIST}/new", data=data, follow_redirects=False)
    return response


def _stored(container: bootstrap.Container, org: CreatedOrganisation) -> list[WebhookEndpoint]:
    with container.uow() as uow:
        return list_endpoints(uow, owner(org), after_id=None, limit=50)


def _field_error(html: str, field: str) -> str:
    match = re.search(_FIELD_ERROR.format(field), html)
    assert match is not None, f"no error shown at {field}"
    return match.group(1)


def _secret(html: str) -> str:
    match = _SECRET.search(html)
    assert match is not None, "the page shows no secret"
    return match.group(1)


def _cancelled(container: bootstrap.Container, org: CreatedOrganisation, url: str, count: int = 1) -> str:
    """An endpoint with ``count`` cancelled deliveries (raised, then the endpoint disabled and enabled)."""
    endpoint = add_endpoint(container, org, url).endpoint
    publish(container, org, *["payment.succeeded"] * count)
    with container.uow() as uow:
        uow.webhook_deliveries.cancel_pending(endpoint.id)
        uow.commit()
    return endpoint.id


def _local(at: datetime) -> str:
    return at.astimezone(COPENHAGEN).strftime("%Y-%m-%dT%H:%M")


class TestList:
    def test_the_menu_link_and_the_empty_list(self, client: TestClient, owner: Login) -> None:
        log_in(client, owner)
        page = client.get(LIST)
        assert page.status_code == 200
        assert 'href="/app/webhooks" aria-current="page"' in page.text
        assert "Ingen endpoints endnu" in page.text
        assert 'href="/app/webhooks/new"' in page.text
        assert ">Webhooks<" in client.get("/app/").text
        client.cookies.set(cookies.LANGUAGE, "en")
        assert "No endpoints yet" in client.get(LIST).text


class TestCreate:
    def test_the_secret_is_shown_once(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        assert client.get(f"{LIST}/new").status_code == 200
        made = _create(
            client, token, events=["payment.succeeded", "payment.refunded"], description="Bogføring",
            ordered="on",
        )  # fmt: skip
        assert made.status_code == 201, made.text
        secret = _secret(made.text)
        assert "Kopiér nøglen nu: den bliver ikke vist igen." in made.text
        [endpoint] = _stored(container, org)
        assert (endpoint.url, endpoint.events, endpoint.description, endpoint.ordered) == (
            URL, ("payment.refunded", "payment.succeeded"), "Bogføring", True,
        )  # fmt: skip
        with container.uow() as uow:
            stored = uow.webhook_endpoints.secrets(endpoint.id)
        assert signing_secrets(container.cipher, stored, container.clock.now()) == (secret,)
        listed = client.get(LIST).text
        shown = client.get(f"{LIST}/{endpoint.id}").text
        assert URL in listed
        assert "<code>payment.refunded</code>, <code>payment.succeeded</code>" in listed
        assert "whsec_" not in listed + shown
        assert secret not in listed + shown

    def test_all_events(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        assert _create(client, token, all_events="on").status_code == 201
        [endpoint] = _stored(container, org)
        assert endpoint.events == ()
        assert "Alle hændelser" in client.get(LIST).text

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"url": "ftp://books.example.dk/"}, "url", "URL'en skal begynde med http eller https."),
            ({"url": "books.example.dk/hook"}, "url", "URL'en skal begynde med http eller https."),
            ({"url": ""}, "url", "Skriv den URL, hændelserne skal sendes til."),
            ({"events": ["payment.teleported"]}, "events", "“payment.teleported” er ikke en hændelsestype."),
            ({"events": []}, "events", "Vælg en eller flere hændelsestyper, eller alle hændelser."),
            ({"description": "x" * 501}, "description", "Skriv en beskrivelse på højst 500 tegn."),
        ],
    )
    def test_a_problem_is_shown_next_to_its_field_and_nothing_is_saved(
        self,
        client: TestClient,
        container: bootstrap.Container,
        org: CreatedOrganisation,
        owner: Login,
        fields: dict[str, object],
        field: str,
        message: str,
    ) -> None:
        token = log_in(client, owner)
        refused = _create(client, token, **({"description": "Bogføring"} | fields))
        assert refused.status_code == 422
        assert _field_error(refused.text, field) == message
        assert "Endpointet blev ikke gemt." in refused.text
        assert _stored(container, org) == []
        if "description" not in fields:
            assert 'value="Bogføring"' in refused.text


class TestLiveMode:
    @pytest.fixture
    def live(self, settings: Settings) -> Iterator[TestClient]:
        built = bootstrap.build(
            settings.model_copy(update={"mode": Mode.LIVE}), hasher=Argon2PasswordHasher(fast=True)
        )
        with TestClient(create_app(built), raise_server_exceptions=False) as client:
            yield client
        built.close()

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("http://books.example.dk/hook", "I live-tilstand skal URL'en bruge https."),
            (
                "https://10.0.0.1/hook",
                "I live-tilstand sender betal ikke til denne maskine eller til private",
            ),
            (
                "https://localhost/hook",
                "I live-tilstand sender betal ikke til denne maskine eller til private",
            ),
        ],
    )
    def test_http_and_private_addresses_are_refused(
        self,
        live: TestClient,
        container: bootstrap.Container,
        org: CreatedOrganisation,
        owner: Login,
        url: str,
        message: str,
    ) -> None:
        token = log_in(live, owner)
        refused = _create(live, token, url=url)
        assert refused.status_code == 422
        assert _field_error(refused.text, "url").startswith(message)
        assert _stored(container, org) == []


class TestEndpointPage:
    def test_edit_the_filter_url_and_description(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        endpoint = add_endpoint(container, org, events=("payment.succeeded",), ordered=True).endpoint
        path = f"{LIST}/{endpoint.id}"
        data = {"csrf_token": token, "url": URL + "/v2", "events": ["payment.failed", "mandate.activated"],
                "description": "  ERP   v2 "}  # fmt: skip
        saved = client.post(path, data=data, follow_redirects=False)
        assert (saved.status_code, saved.headers["location"]) == (303, f"{path}?notice=saved")
        [changed] = _stored(container, org)
        assert (changed.url, changed.events, changed.description, changed.ordered) == (
            URL + "/v2", ("mandate.activated", "payment.failed"), "ERP v2", False,
        )  # fmt: skip
        assert "Endpointet er gemt." in client.get(saved.headers["location"]).text

    def test_a_bad_change_is_shown_and_not_saved(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        endpoint = add_endpoint(container, org).endpoint
        data = {"csrf_token": token, "url": "https://a@b.dk/", "all_events": "on"}
        refused = client.post(f"{LIST}/{endpoint.id}", data=data)
        assert refused.status_code == 422
        assert _field_error(refused.text, "url") == "URL'en må ikke indeholde brugernavn eller adgangskode."
        assert _stored(container, org) == [endpoint]

    def test_disable_then_enable(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        endpoint = add_endpoint(container, org).endpoint
        path = f"{LIST}/{endpoint.id}"
        off = client.post(f"{path}/status", data={"csrf_token": token, "status": "disabled"})
        assert off.status_code == 200
        assert "Endpointet er deaktiveret." in off.text
        assert "Deaktiveret af en bruger." in off.text
        [stored] = _stored(container, org)
        assert (stored.status, stored.disabled_reason) == (EndpointStatus.DISABLED, "disabled by a user")
        on = client.post(f"{path}/status", data={"csrf_token": token, "status": "active"})
        assert "Endpointet er aktiveret." in on.text
        assert _stored(container, org)[0].status is EndpointStatus.ACTIVE
        assert (
            client.post(f"{path}/status", data={"csrf_token": token, "status": "deleted"}).status_code == 422
        )

    def test_delete_after_confirming(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        endpoint = add_endpoint(container, org).endpoint
        path = f"{LIST}/{endpoint.id}"
        confirm = client.get(f"{path}/delete")
        assert confirm.status_code == 200
        assert "Det kan ikke fortrydes." in confirm.text
        assert f'action="{path}/delete"' in confirm.text
        assert _stored(container, org) == [endpoint]  # asking deletes nothing
        deleted = client.post(f"{path}/delete", data={"csrf_token": token}, follow_redirects=False)
        assert (deleted.status_code, deleted.headers["location"]) == (303, f"{LIST}?notice=deleted")
        assert "Endpointet er slettet." in client.get(deleted.headers["location"]).text
        assert _stored(container, org) == []
        assert client.get(path).status_code == 404

    def test_rotate_shows_the_new_secret_once(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        made = add_endpoint(container, org)
        path = f"{LIST}/{made.endpoint.id}"
        rotated = client.post(f"{path}/rotate-secret", data={"csrf_token": token})
        assert rotated.status_code == 200
        secret = _secret(rotated.text)
        assert secret != made.secret
        assert "Den forrige nøgle signerer fortsat leveringer ved siden af den nye i 24 timer" in rotated.text
        with container.uow() as uow:
            stored = uow.webhook_endpoints.secrets(made.endpoint.id)
        assert signing_secrets(container.cipher, stored, container.clock.now()) == (secret, made.secret)
        assert "whsec_" not in client.get(path).text


class TestLog:
    def test_each_attempt_with_code_latency_and_escaped_excerpt(
        self,
        client: TestClient,
        container: bootstrap.Container,
        org: CreatedOrganisation,
        owner: Login,
        receiver: Receiver,
    ) -> None:
        receiver.answer("/hook", Answer(500, b"<b>database down</b>"))
        log_in(client, owner)
        endpoint = add_endpoint(container, org, receiver.url()).endpoint
        publish(container, org, "payment.succeeded")
        [delivery] = deliveries(container, org, endpoint.id)
        page = client.get(f"{LIST}/{endpoint.id}").text
        assert "Ikke forsøgt endnu." in page
        attempt(container, org, delivery.id)
        page = client.get(f"{LIST}/{endpoint.id}").text
        assert '<code class="delivery__type">payment.succeeded</code>' in page
        assert f'<span class="mono" data-testid="webhook-id">{delivery.id}</span>' in page
        assert '<span class="mono" data-testid="status-code">500</span> Mislykket' in page
        assert re.search(r'<td data-label="Svartid" class="num">\d+ ms</td>', page)
        assert (
            '<pre class="attempt__excerpt" data-testid="excerpt">&lt;b&gt;database down&lt;/b&gt;</pre>'
            in page
        )
        assert "<b>database down" not in page
        assert "Næste forsøg:" in page
        assert "Send igen</button>" not in page  # still pending

    def test_newest_first_in_pages_and_by_status(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        log_in(client, owner)
        endpoint_id = _cancelled(container, org, URL, count=21)
        publish(container, org, "payment.refunded")
        newest_first = [d.id for d in reversed(deliveries(container, org, endpoint_id))]
        shown = re.compile(r'data-testid="webhook-id">(del_\w+)<')
        first = client.get(f"{LIST}/{endpoint_id}").text
        assert shown.findall(first) == newest_first[:20]
        after = re.search(r'href="(/app/webhooks/whe_\w+\?after=del_\w+)"', first)
        assert after is not None
        assert shown.findall(client.get(after.group(1)).text) == newest_first[20:]
        pending = client.get(f"{LIST}/{endpoint_id}", params={"status": "pending"}).text
        assert shown.findall(pending) == newest_first[:1]


class TestRedelivery:
    def test_send_one_again(
        self,
        client: TestClient,
        container: bootstrap.Container,
        org: CreatedOrganisation,
        owner: Login,
        receiver: Receiver,
    ) -> None:
        token = log_in(client, owner)
        endpoint_id = _cancelled(container, org, receiver.url())
        [delivery] = deliveries(container, org, endpoint_id)
        path = f"{LIST}/{endpoint_id}"
        action = f"{path}/deliveries/{delivery.id}/redeliver"
        assert f'action="{action}"' in client.get(path).text
        sent = client.post(action, data={"csrf_token": token}, follow_redirects=False)
        assert (sent.status_code, sent.headers["location"]) == (303, f"{path}?notice=redelivered")
        assert "Leveringen sendes igen nu med samme webhook-id." in client.get(sent.headers["location"]).text
        assert deliveries(container, org, endpoint_id)[0].status is DeliveryStatus.PENDING
        again = client.post(action, data={"csrf_token": token})
        assert "Leveringen blev ikke sendt igen: den forsøges stadig." in again.text
        attempt(container, org, delivery.id)
        [received] = receiver.at("/hook")
        assert received.headers["webhook-id"] == delivery.id
        page = client.get(path).text
        assert '<span class="mono" data-testid="status-code">200</span> Leveret' in page

    def test_send_a_period_again_in_danish_time(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        endpoint_id = _cancelled(container, org, URL, count=2)
        path = f"{LIST}/{endpoint_id}"
        now = datetime.now(UTC)
        wall_clock_utc = {"from": (now - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M"),
                          "to": (now + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")}  # fmt: skip
        missed = client.post(f"{path}/redeliver", data={"csrf_token": token} | wall_clock_utc)
        assert "0 fejlede eller annullerede leveringer sendes igen nu." in missed.text
        period = {"from": _local(now - timedelta(minutes=2)), "to": _local(now + timedelta(minutes=2))}
        sent = client.post(f"{path}/redeliver", data={"csrf_token": token} | period, follow_redirects=False)
        assert sent.headers["location"] == f"{path}?notice=redelivered_range&count=2"
        assert (
            "2 fejlede eller annullerede leveringer sendes igen nu."
            in client.get(sent.headers["location"]).text
        )
        assert {d.status for d in deliveries(container, org, endpoint_id)} == {DeliveryStatus.PENDING}

    def test_a_bad_period_is_shown_next_to_its_field(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        path = f"{LIST}/{_cancelled(container, org, URL)}"
        bad = client.post(
            f"{path}/redeliver", data={"csrf_token": token, "from": "i går", "to": "2026-03-02"}
        )
        assert bad.status_code == 422
        assert _field_error(bad.text, "from") == "Skriv tidspunktet som ÅÅÅÅ-MM-DD TT:MM."
        assert 'value="i går"' in bad.text
        backwards = {"csrf_token": token, "from": "2026-03-02T10:00", "to": "2026-03-02T09:00"}
        assert _field_error(client.post(f"{path}/redeliver", data=backwards).text, "to") == (
            "Slutningen skal ligge efter starten."
        )
        assert {d.status for d in deliveries(container, org, path.rsplit("/", 1)[1])} == {
            DeliveryStatus.CANCELLED
        }

    def test_nothing_goes_again_to_a_disabled_endpoint(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        endpoint_id = _cancelled(container, org, URL)
        path = f"{LIST}/{endpoint_id}"
        client.post(f"{path}/status", data={"csrf_token": token, "status": "disabled"})
        assert "Send igen</button>" not in client.get(path).text
        period = {"csrf_token": token, "from": "2020-01-01", "to": "2099-01-01"}
        refused = client.post(f"{path}/redeliver", data=period)
        assert "Intet blev sendt igen: endpointet er deaktiveret. Aktivér det først." in refused.text
        assert deliveries(container, org, endpoint_id)[0].status is DeliveryStatus.CANCELLED


class TestAccess:
    def test_a_form_without_its_token_is_refused(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        log_in(client, owner)
        endpoint_id = _cancelled(container, org, URL)
        [delivery] = deliveries(container, org, endpoint_id)
        path = f"{LIST}/{endpoint_id}"
        for action in (f"{LIST}/new", path, f"{path}/status", f"{path}/rotate-secret", f"{path}/delete",
                       f"{path}/redeliver", f"{path}/deliveries/{delivery.id}/redeliver"):  # fmt: skip
            refused = client.post(action, data={"csrf_token": "wrong", "url": URL, "status": "disabled"})
            assert refused.status_code == 403, action
            assert "Formularen er udløbet" in refused.text
        [stored] = _stored(container, org)
        assert (stored.status, stored.url) == (EndpointStatus.ACTIVE, URL)
        assert deliveries(container, org, endpoint_id)[0].status is DeliveryStatus.CANCELLED

    def test_another_organisations_endpoint_is_not_found(
        self,
        client: TestClient,
        container: bootstrap.Container,
        org: CreatedOrganisation,
        other_org: CreatedOrganisation,
        owner: Login,
    ) -> None:
        token = log_in(client, owner)
        theirs = _cancelled(container, other_org, URL)
        [their_delivery] = deliveries(container, other_org, theirs)
        mine = add_endpoint(container, org).endpoint.id
        path = f"{LIST}/{theirs}"
        assert client.get(path).status_code == 404
        assert client.get(f"{path}/delete").status_code == 404
        form = {"csrf_token": token, "url": URL + "/mine", "all_events": "on", "status": "disabled",
                "from": "2020-01-01", "to": "2099-01-01"}  # fmt: skip
        for action in (path, f"{path}/status", f"{path}/rotate-secret", f"{path}/delete", f"{path}/redeliver",
                       f"{LIST}/{mine}/deliveries/{their_delivery.id}/redeliver"):  # fmt: skip
            assert client.post(action, data=form).status_code == 404, action
        [stored] = _stored(container, other_org)
        assert (stored.status, stored.url) == (EndpointStatus.ACTIVE, URL)
        assert deliveries(container, other_org, theirs)[0].status is DeliveryStatus.CANCELLED

    def test_a_viewer_reads_the_log_but_cannot_manage(
        self,
        client: TestClient,
        container: bootstrap.Container,
        org: CreatedOrganisation,
        viewer: Login,
    ) -> None:
        token = log_in(client, viewer)
        endpoint_id = _cancelled(container, org, URL)
        [delivery] = deliveries(container, org, endpoint_id)
        path = f"{LIST}/{endpoint_id}"
        assert URL in client.get(LIST).text
        assert 'href="/app/webhooks/new"' not in client.get(LIST).text
        page = client.get(path).text
        assert delivery.id in page
        assert "Send igen</button>" not in page
        assert "csrf_token" not in page.split('<main id="main"', 1)[1]  # no form of its own
        assert client.get(f"{LIST}/new").status_code == 403
        assert client.get(f"{path}/delete").status_code == 403
        form = {"csrf_token": token, "url": URL + "/mine", "all_events": "on", "status": "disabled",
                "from": "2020-01-01", "to": "2099-01-01"}  # fmt: skip
        for action in (f"{LIST}/new", path, f"{path}/status", f"{path}/rotate-secret", f"{path}/delete",
                       f"{path}/redeliver", f"{path}/deliveries/{delivery.id}/redeliver"):  # fmt: skip
            refused = client.post(action, data=form)
            assert refused.status_code == 403, action
            assert "Ingen adgang" in refused.text
        [stored] = _stored(container, org)
        assert (stored.status, stored.url) == (EndpointStatus.ACTIVE, URL)
        assert csrf_token(page) == token
