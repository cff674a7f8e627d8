"""The SSRF guard: which URLs an outbound call may reach, and the address it must use.

A connector URL is written by a builder, so it is untrusted (CHECKLIST 15). `guard`
turns it into a `Target` or raises `TargetRefused`:

1. **Parse strictly, once.** Only `http`/`https`; no userinfo (`user@`, `a@b@host`), no
   backslashes, whitespace, control characters or `%` in the authority; a port is 1-65535.
   The transport sends the request built from the `Target`, never the raw string, so no
   second URL parser can read the URL differently.
2. **Numbers are addresses.** A host whose last label is numeric is an IPv4 literal the
   way browsers and `inet_aton` read it: `2130706433`, `0x7f000001`, `127.1`,
   `0177.0.0.1` all mean 127.0.0.1. Anything but canonical dotted-quad is refused
   outright: nobody writes a real endpoint like that, only an attacker does.
3. **Resolve once, check every answer, pin.** A name goes through the resolver once;
   if *any* answer is forbidden the URL is refused, otherwise the first answer is
   pinned in the `Target` and the transport connects to exactly that address (TLS still
   checks the certificate against the name). A DNS answer that changes between check
   and connect (rebinding) never reaches the socket.
4. **Forbidden addresses**: loopback, private (RFC 1918), CGNAT (100.64/10), link-local
   and cloud metadata (169.254.169.254, fd00:ec2::254), unique-local (fc00::/7),
   multicast, reserved, unspecified, documentation/benchmark ranges, and IPv6 forms that
   carry an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, 6to4
   `2002::/16`, NAT64 `64:ff9b::/96`) when the carried address is forbidden. Anything
   `ipaddress` does not call global is refused as well.
5. **Allowlist.** An admin may allow host names (trusted whatever they resolve to) and
   addresses/CIDRs; an allowlisted address passes the checks above, nothing else does.

The transport runs every redirect target through `guard` again.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from connectors.exceptions import TargetRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]
"""`(host, port) -> addresses` as strings; raise `OSError` when the name does not resolve."""

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 4096
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_NUMERIC_LABEL = re.compile(r"^(?:[0-9]+|0x[0-9a-f]*)$")
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


def _nets(*pairs: tuple[str, str]) -> tuple[tuple[IPNetwork, str], ...]:
    return tuple((ipaddress.ip_network(net), label) for net, label in pairs)


BLOCKED = _nets(
    ("169.254.169.254/32", "cloud metadata"),
    ("fd00:ec2::254/128", "cloud metadata"),
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "carrier-grade NAT"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "special-purpose"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "6to4 relay"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/8", "reserved"),
    ("100::/64", "discard"),
    ("64:ff9b:1::/48", "local NAT64"),
    ("2001::/23", "special-purpose"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "segment routing"),
    ("fc00::/7", "unique-local"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `getaddrinfo` gives for a TCP connection, in its order."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in answers))


@dataclass(frozen=True)
class Allowlist:
    """What an admin allowed despite the rules: host names and networks."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> Allowlist:
        """`["127.0.0.1", "10.1.0.0/16", "[::1]", "sandbox.internal"]`; ValueError if bad."""
        hosts, networks = set(), []
        for raw in entries:
            entry = raw.strip().lower()
            if entry.startswith("[") and entry.endswith("]"):
                entry = entry[1:-1]
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            name = entry.rstrip(".")
            if not name or not all(_LABEL.match(label) for label in name.split(".")):
                raise ValueError(f"{raw!r} is neither a host name nor an address or CIDR")
            hosts.add(name)
        return cls(frozenset(hosts), tuple(networks))

    def admits_address(self, address: IPAddress) -> bool:
        return any(address.version == net.version and address in net for net in self.networks)


NOTHING_ALLOWED = Allowlist()


@dataclass(frozen=True)
class Target:
    """A checked URL and the one address the connection must go to."""

    scheme: str
    host: str  # IDNA/ASCII, lower case, IPv6 without brackets
    port: int
    target: str  # path and query, starts with "/"
    address: str  # the pinned, checked address

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        return f"{self.scheme}://{host}{port}{self.target}"


def guard(url: str, allowlist: Allowlist, resolver: Resolver = system_resolver) -> Target:
    """Check `url` and resolve it once; the `Target` pins the checked address.

    Raises `TargetRefused` for a URL or address that is not allowed, and `OSError`
    (from the resolver) when the name does not resolve, which callers may retry.
    """
    scheme, host, port, target = _split(url)
    literal = _literal_address(host)
    if literal is not None:
        _check(literal, host, allowlist)
        return Target(scheme, host, port, target, str(_unmap(literal)))
    trusted = host in allowlist.hosts
    if not trusted and (host == "localhost" or host.endswith(".localhost")):
        raise TargetRefused(f"{host} is a loopback name")
    answers = list(resolver(host, port))
    if not answers:
        raise OSError(f"{host} did not resolve")
    addresses = []
    for answer in answers:
        try:
            address = _unmap(ipaddress.ip_address(answer))
        except ValueError:
            raise TargetRefused(f"{host} resolved to something that is not an address") from None
        if not trusted:
            _check(address, host, allowlist)
        addresses.append(address)
    return Target(scheme, host, port, target, str(addresses[0]))


def address_problem(address: IPAddress) -> str | None:
    """Why `address` may not be reached (None when it is a public unicast address)."""
    address = _unmap(address)
    for network, label in BLOCKED:
        if address.version == network.version and address in network:
            return f"{address} is a {label} address"
    if isinstance(address, ipaddress.IPv6Address):
        for carried in _carried_ipv4(address):
            problem = address_problem(carried)
            if problem:
                return f"{address} carries {carried}: {problem}"
    if not address.is_global or address.is_multicast:
        return f"{address} is not a public address"
    return None


def _check(address: IPAddress, host: str, allowlist: Allowlist) -> None:
    if allowlist.admits_address(_unmap(address)):
        return
    problem = address_problem(address)
    if problem:
        where = "" if host.strip("[]") == str(address) else f"{host} resolves to "
        raise TargetRefused(f"{where}{problem}; an admin may allowlist it")


def _unmap(address: IPAddress) -> IPAddress:
    """`::ffff:a.b.c.d` is a.b.c.d on the wire: check and connect to the IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _carried_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    carried = []
    if address.sixtofour is not None:
        carried.append(address.sixtofour)
    if address.teredo is not None:
        carried.extend(address.teredo)
    if address in _NAT64 or int(address) >> 32 == 0:  # NAT64 or deprecated ::a.b.c.d
        carried.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return carried


def _split(url: str) -> tuple[str, str, int, str]:
    if not isinstance(url, str) or not url:
        raise TargetRefused("no URL")
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if _BAD_CHARS.search(url):
        raise TargetRefused("the URL contains whitespace, control characters or backslashes")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise TargetRefused("the URL cannot be parsed") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise TargetRefused(f"only http and https URLs are allowed, not {scheme or 'none'}:")
    netloc = parts.netloc
    if "@" in netloc:
        raise TargetRefused("credentials in the URL (user@host) are not allowed")
    if "%" in netloc:
        raise TargetRefused("percent signs are not allowed in the host")
    host, port_text = _host_and_port(netloc)
    port = DEFAULT_PORTS[scheme]
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise TargetRefused("the port must be a number from 1 to 65535")
        port = int(port_text)
    path = parts.path or "/"
    target = _ascii(path + (f"?{parts.query}" if parts.query else ""))
    return scheme, _normalise_host(host), port, target


def _ascii(text: str) -> str:
    """Percent-encode anything outside printable ASCII; what is already encoded stays."""
    return "".join(c if "!" <= c <= "~" else quote(c, safe="") for c in text)


def _host_and_port(netloc: str) -> tuple[str, str | None]:
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            raise TargetRefused("an IPv6 host is missing its closing bracket")
        rest = netloc[end + 1 :]
        if rest and not rest.startswith(":"):
            raise TargetRefused("unexpected text after the IPv6 host")
        try:
            ipaddress.IPv6Address(netloc[1:end])
        except ValueError:
            raise TargetRefused("the bracketed host is not an IPv6 address") from None
        return netloc[1:end], (rest[1:] if rest else None)
    if netloc.count(":") > 1:
        raise TargetRefused("an IPv6 host must be written in brackets")
    host, sep, port = netloc.partition(":")
    return host, (port if sep else None)


def _normalise_host(host: str) -> str:
    host = host.lower()
    if ":" in host:
        return str(ipaddress.IPv6Address(host))
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise TargetRefused("the URL has no host")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise TargetRefused("the host is not a valid international domain name") from None
    labels = host.split(".")
    if _NUMERIC_LABEL.match(labels[-1]):
        value = _parse_ipv4(labels)
        if value is None:
            raise TargetRefused(f"{host} is not a valid IPv4 address")
        address = ipaddress.IPv4Address(value)
        if str(address) != host:
            raise TargetRefused(
                f"{host} is the address {address} written in a non-standard form; "
                "write it as a.b.c.d"
            )
        return host
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise TargetRefused("the host is not a valid host name")
    return host


def _parse_ipv4(labels: list[str]) -> int | None:
    """`inet_aton` rules: 1-4 parts, each decimal, octal (`0…`) or hex (`0x…`)."""
    if not 1 <= len(labels) <= 4:
        return None
    numbers = []
    for label in labels:
        try:
            if label.startswith("0x"):
                numbers.append(int(label[2:] or "0", 16))
            elif len(label) > 1 and label.startswith("0"):
                numbers.append(int(label, 8))
            else:
                numbers.append(int(label, 10))
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return value


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
