"""The SSRF guard (CHECKLIST 15): every form of an internal address is refused."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.exceptions import TargetRefused
from connectors.ssrf import NOTHING_ALLOWED, Allowlist, address_problem, guard


def resolver_for(table):
    def resolve(host, port):
        if host not in table:
            raise OSError(f"unknown host {host}")
        answer = table[host]
        return answer if isinstance(answer, list) else [answer]

    return resolve


PUBLIC = resolver_for({"api.example.com": "93.184.216.34"})


def refused(url, allowlist=NOTHING_ALLOWED, resolver=PUBLIC) -> str:
    with pytest.raises(TargetRefused) as info:
        guard(url, allowlist, resolver)
    return info.value.reason


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.1:8080/admin",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.1.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://[::1]/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[::127.0.0.1]/",
        "http://[2002:7f00:1::]/",
        "http://[2002:a9fe:a9fe::]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[64:ff9b::a00:1]/",
        "http://[fc00::1]/",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]/",
        "http://[ff02::1]/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0x7f.0.0.1/",
        "http://127.1/",
        "http://0177.0.0.1/",
        "http://017700000001/",
        "http://0/",
        "http://localhost/",
        "http://api.localhost/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
        "ftp://example.com/",
        "dict://127.0.0.1:11211/",
        "javascript:alert(1)",
        "http://user@evil@api.example.com/",
        "http://user:pw@api.example.com/",
        "http://api.example.com@127.0.0.1/",
        "http://api.example.com\\@127.0.0.1/",
        "http://api.example.com%2f@127.0.0.1/",
        "http://%31%32%37.0.0.1/",
        "http://[fe80::1%25eth0]/",
        "http://1.2.3.999/",
        "http://::1/",
        "http://api.example.com:0/",
        "http://api.example.com:99999/",
        "http://api.example.com /",
        "http://[::1",
        "http://a]b/",
        "http://[::1]x/",
        "",
    ],
)
def test_internal_and_malformed_targets_are_refused(url):
    assert refused(url)


def test_non_standard_numbers_name_the_address_they_mean():
    assert "127.0.0.1" in refused("http://2130706433/")
    assert "127.0.0.1" in refused("http://0x7f000001/")
    assert "write it as a.b.c.d" in refused("http://0x5db8d822/")  # public, still refused


def test_metadata_address_is_named_as_such():
    assert "cloud metadata" in refused("http://169.254.169.254/")
    assert "cloud metadata" in refused("http://[fd00:ec2::254]/")


def test_a_public_name_is_resolved_once_and_pinned():
    calls = []

    def resolver(host, port):
        calls.append((host, port))
        return ["93.184.216.34"]

    target = guard("https://API.Example.com./v1/x?a=1#frag", NOTHING_ALLOWED, resolver)
    assert (target.scheme, target.host, target.port) == ("https", "api.example.com", 443)
    assert target.address == "93.184.216.34"
    assert target.target == "/v1/x?a=1"
    assert target.url == "https://api.example.com/v1/x?a=1"
    assert calls == [("api.example.com", 443)]


def test_international_names_and_paths_are_encoded():
    target = guard(
        "https://bücher.example/straße?q=ä", NOTHING_ALLOWED, lambda h, p: ["93.184.216.34"]
    )
    assert target.host == "xn--bcher-kva.example"
    assert target.target == "/stra%C3%9Fe?q=%C3%A4"


def test_a_name_resolving_to_a_private_address_is_refused():
    resolver = resolver_for({"erp.internal.example": "10.1.2.3"})
    assert "erp.internal.example resolves to 10.1.2.3" in refused(
        "https://erp.internal.example/", resolver=resolver
    )


def test_every_answer_is_checked_not_only_the_first():
    resolver = resolver_for({"mixed.example": ["93.184.216.34", "127.0.0.1"]})
    assert "127.0.0.1" in refused("http://mixed.example/", resolver=resolver)


def test_a_name_resolving_to_a_mapped_loopback_is_refused():
    resolver = resolver_for({"sneaky.example": "::ffff:127.0.0.1"})
    assert refused("http://sneaky.example/", resolver=resolver)


def test_allowlisted_addresses_and_networks_pass():
    allow = Allowlist.parse(["127.0.0.1", "10.20.0.0/16", "[::1]"])
    assert guard("http://127.0.0.1:5000/sandbox", allow).address == "127.0.0.1"
    assert guard("http://[::1]:5000/", allow).address == "::1"
    assert guard("http://[::ffff:127.0.0.1]/", allow).address == "127.0.0.1"
    resolver = resolver_for({"erp.corp": "10.20.3.4"})
    assert guard("http://erp.corp/", allow, resolver).address == "10.20.3.4"
    assert refused("http://10.21.0.1/", allow)
    assert refused("http://169.254.169.254/", allow)


def test_allowlisted_host_names_are_trusted_whatever_they_resolve_to():
    allow = Allowlist.parse(["sandbox.local"])
    resolver = resolver_for({"sandbox.local": "127.0.0.1", "other.local": "127.0.0.1"})
    assert guard("http://sandbox.local:5000/", allow, resolver).address == "127.0.0.1"
    assert refused("http://other.local/", allow, resolver)


def test_the_allowlist_rejects_garbage_entries():
    with pytest.raises(ValueError):
        Allowlist.parse(["not a host!"])


def test_an_unresolvable_name_is_an_os_error_for_the_transport_to_retry():
    with pytest.raises(OSError):
        guard("http://nowhere.example/", NOTHING_ALLOWED, resolver_for({}))


def test_dns_rebinding_the_guard_resolves_once_and_the_target_keeps_the_checked_answer():
    answers = iter(["93.184.216.34", "127.0.0.1"])
    target = guard("http://rebind.example/", NOTHING_ALLOWED, lambda h, p: [next(answers)])
    assert target.address == "93.184.216.34"  # the wire connects here, never re-resolving


# --- property: no private address ever gets through ---------------------------------

FORBIDDEN_V4 = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
]
FORBIDDEN_V6 = [ipaddress.ip_network(n) for n in ("::1/128", "fc00::/7", "fe80::/10", "ff00::/8")]


def _forbidden(address) -> bool:
    address = ipaddress.ip_address(address)
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    nets = FORBIDDEN_V4 if address.version == 4 else FORBIDDEN_V6
    return any(address in net for net in nets)


def _in(net):
    net = ipaddress.ip_network(net)
    return st.integers(0, net.num_addresses - 1).map(lambda i: net[i])


private_addresses = st.one_of(
    *[_in(str(n)) for n in FORBIDDEN_V4 + FORBIDDEN_V6],
    _in("::ffff:0:0/96"),
    st.ip_addresses(),
)


def _spellings(address):
    out = [str(address)]
    if address.version == 4:
        value = int(address)
        out += [
            str(value),
            hex(value),
            "0" + oct(value)[2:],
            ".".join(hex(int(o)) for o in str(address).split(".")),
        ]
    else:
        out.append(f"[{address}]")
    return out


@settings(max_examples=300, deadline=None)
@given(address=private_addresses, spelling=st.integers(0, 4), via_dns=st.booleans())
def test_property_the_guard_never_accepts_an_address_it_should_refuse(address, spelling, via_dns):
    if via_dns:
        url = "http://victim.example/"
        resolver = resolver_for({"victim.example": str(address)})
    else:
        forms = _spellings(address)
        host = forms[spelling % len(forms)]
        host = host if host.startswith("[") or address.version == 4 else f"[{host}]"
        url = f"http://{host}/"
        resolver = resolver_for({})
    try:
        target = guard(url, NOTHING_ALLOWED, resolver)
    except (TargetRefused, OSError):
        return
    assert not _forbidden(target.address), (url, target)
    assert address_problem(ipaddress.ip_address(target.address)) is None
