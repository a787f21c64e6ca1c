"""Where webhooks may go: the subscriber URL's rules and the address policy, with a stub resolver
(no name is ever looked up, no packet sent)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pytest

from reassign_core.webhooks.addresses import AddressBlocked, UrlRefused, check_url, ipv4_literal, is_allowed

PUBLIC = "93.184.216.34"


def resolver(answers: dict[str, Sequence[str]]):  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def resolve(host: str, port: int) -> Sequence[str]:
        asked.append(host)
        if host not in answers:
            raise OSError("no such name")
        return answers[host]

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "127.0.0.1",
        "127.255.0.9",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "239.1.2.3",
        "240.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12::1",
        "ff02::1",
        "ff0e::1",
        "fec0::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",
        "2002:a00:1::",
        "::127.0.0.1",
        "100::1",
    ],
)
def test_private_loopback_link_local_multicast_and_reserved_are_refused(address: str) -> None:
    assert not is_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_allowed(ipaddress.ip_address(address))


def test_loopback_only_when_the_local_api_allows_it() -> None:
    assert is_allowed(ipaddress.ip_address("127.0.0.1"), allow_loopback=True)
    assert is_allowed(ipaddress.ip_address("::1"), allow_loopback=True)
    assert not is_allowed(ipaddress.ip_address("10.0.0.1"), allow_loopback=True)
    assert not is_allowed(ipaddress.ip_address("169.254.169.254"), allow_loopback=True)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("10.0.1", "10.0.0.1"),
        ("3232235777", "192.168.1.1"),
        ("0xA9.0xFE.0xA9.0xFE", "169.254.169.254"),
        ("1.2.3.4.", "1.2.3.4"),
    ],
)
def test_numeric_hosts_mean_the_address_a_client_would_connect_to(host: str, address: str) -> None:
    assert ipv4_literal(host) == ipaddress.IPv4Address(address)


@pytest.mark.parametrize("host", ["example.com", "hooks.example.test", "0x7f.example", "1e5"])
def test_names_are_not_literals(host: str) -> None:
    assert ipv4_literal(host) is None


@pytest.mark.parametrize("host", ["256.0.0.1", "1.2.3.4.5", "1.0x1g.3.4", "08.0.0.1", "4294967296"])
def test_malformed_numeric_hosts_are_refused(host: str) -> None:
    with pytest.raises(UrlRefused):
        ipv4_literal(host)


@pytest.mark.parametrize(
    "url",
    [
        "https://2130706433/hook",
        "https://0177.0.0.1/hook",
        "https://0x7f.1/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::ffff:a9fe:a9fe]/hook",
        "https://[fe80::1%25eth0]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://user:pw@10.0.0.1/hook",
        "https://public.example\\@192.168.0.1/",
    ],
)
def test_literal_private_targets_are_blocked_without_resolving(url: str) -> None:
    resolve = resolver({})
    with pytest.raises(AddressBlocked):
        check_url(url, resolve)
    assert resolve.asked == []  # type: ignore[attr-defined]


def test_a_name_resolving_to_a_private_address_is_blocked() -> None:
    resolve = resolver({"hooks.example.test": ["10.1.2.3"]})
    with pytest.raises(AddressBlocked):
        check_url("https://hooks.example.test/x", resolve)


def test_every_resolved_address_must_be_public() -> None:
    resolve = resolver({"mixed.example.test": [PUBLIC, "::1"], "good.example.test": [PUBLIC, "2606:4700::1"]})
    with pytest.raises(AddressBlocked):
        check_url("https://mixed.example.test/", resolve)
    target = check_url("https://good.example.test:8443/a/b?c=d", resolve)
    assert [str(a) for a in target.addresses] == [PUBLIC, "2606:4700::1"]
    assert (target.host, target.port, target.path, target.host_header) == (
        "good.example.test",
        8443,
        "/a/b?c=d",
        "good.example.test:8443",
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://good.example.test/", "https"),
        ("ftp://good.example.test/", "https"),
        ("https:///nohost", "no host"),
        ("https://good.example.test:99999/", "valid URL"),
        ("https://good example.test/", "spaces"),
        ("https://good.example.test/\n", "control"),
        ("https://nowhere.example.test/", "resolve"),
        ("https://bad_host!.example/", "valid name"),
    ],
)
def test_malformed_or_insecure_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UrlRefused, match=reason):
        check_url(url, resolver({"good.example.test": [PUBLIC]}))


def test_the_local_api_allows_http_and_loopback_but_not_private_ranges() -> None:
    resolve = resolver({"localhost": ["127.0.0.1", "::1"], "intranet.test": ["192.168.0.10"]})
    assert check_url("http://localhost:3000/hook", resolve, allow_local=True).scheme == "http"
    assert check_url("http://[::1]:3000/", resolve, allow_local=True).host == "::1"
    with pytest.raises(AddressBlocked):
        check_url("http://intranet.test/", resolve, allow_local=True)
    with pytest.raises(AddressBlocked):
        check_url("https://localhost/hook", resolve)
