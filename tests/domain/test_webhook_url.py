from __future__ import annotations

import pytest

from betal.domain.errors import InvalidInput
from betal.domain.webhook_url import MAX_URL, Target, check_url, forbidden_address

FORBIDDEN = [
    "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "169.254.1.1",
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.2.10", "::1", "::", "fe80::1",
    "fe80::1%eth0", "fc00::1", "fd00:ec2::254", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
    "2002:7f00:1::1", "2002:a00:1::1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe", "not-an-address",
]  # fmt: skip
ALLOWED = ["8.8.8.8", "185.15.59.224", "2a00:1450:4001:80b::200e", "64:ff9b::808:808", "::ffff:8.8.8.8"]


class TestForbiddenAddress:
    @pytest.mark.parametrize("address", FORBIDDEN)
    def test_refused(self, address: str) -> None:
        assert forbidden_address(address)

    @pytest.mark.parametrize("address", ALLOWED)
    def test_global_unicast_is_allowed(self, address: str) -> None:
        assert not forbidden_address(address)


class TestCheckUrl:
    def test_live_https_to_a_name(self) -> None:
        assert check_url("https://Books.Example.dk/hooks/betal?x=1", live=True) == Target(
            "https", "books.example.dk", 443
        )

    def test_ports_and_ipv6_literals(self) -> None:
        assert check_url("https://[2a00:1450:4001:80b::200e]:8443/x", live=True) == Target(
            "https", "2a00:1450:4001:80b::200e", 8443
        )
        assert check_url("http://127.0.0.1:8787/hook", live=False) == Target("http", "127.0.0.1", 8787)

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("http://books.example.dk/hook", "must be an https URL"),
            ("ftp://books.example.dk/hook", "must be an https URL"),
            ("books.example.dk/hook", "must be an https URL"),
            ("https://127.0.0.1/hook", "loopback, private or metadata address"),
            ("https://10.1.2.3/hook", "loopback, private or metadata address"),
            ("https://169.254.169.254/latest/meta-data", "loopback, private or metadata address"),
            ("https://[::1]:8443/hook", "loopback, private or metadata address"),
            ("https://[::ffff:10.0.0.1]/hook", "loopback, private or metadata address"),
            ("https://localhost/hook", "this machine"),
            ("https://api.localhost/hook", "this machine"),
            ("https://localhost./hook", "this machine"),
            ("https://user:pw@books.example.dk/hook", "user name or password"),
            ("https://books.example.dk/hook#frag", "fragment"),
            ("https:///hook", "no host"),
            ("https://books.example.dk:99999/hook", "is not a URL"),
            ("https://books.example.dk/a b", "spaces"),
            ("", "is required"),
            ("https://b.dk/" + "x" * MAX_URL, f"at most {MAX_URL}"),
        ],
    )
    def test_live_refusals_say_why(self, url: str, message: str) -> None:
        with pytest.raises(InvalidInput, match=message) as info:
            check_url(url, live=True)
        assert info.value.code == "webhook_endpoint.invalid_url"
        assert info.value.errors[0].field == "url"

    @pytest.mark.parametrize(
        "url", ["http://localhost:8787/hook", "http://127.0.0.1/hook", "https://[::1]/x", "http://10.0.0.5/"]
    )
    def test_sandbox_allows_http_and_this_machine(self, url: str) -> None:
        check_url(url, live=False)

    def test_sandbox_still_refuses_other_schemes_and_credentials(self) -> None:
        with pytest.raises(InvalidInput, match="http or https"):
            check_url("file:///etc/passwd", live=False)
        with pytest.raises(InvalidInput, match="user name"):
            check_url("http://a@localhost/", live=False)
