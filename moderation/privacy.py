"""What the service keeps of a person, reduced before it is stored: anonymised
IPs, an avatar key that does not reveal the email, normalised addresses."""

import hashlib
import hmac
import ipaddress
import unicodedata
from functools import lru_cache


# How much of an address is kept (API.md "Privacy defaults").
STORED_PREFIX = {4: 24, 6: 48}


def parse_ip(address):
    """The address that names the client, or None if unparsable: an IPv6
    address that carries an IPv4 address whole stands for that IPv4 address."""
    ip = ip_as_sent(address)
    if ip is None:
        return None
    return carried_ipv4(ip) or ip


def ip_as_sent(address):
    try:
        return ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None


def carried_ipv4(ip):
    """The IPv4 address inside an IPv4-mapped (::ffff:0:0/96), 6to4 (2002::/16)
    or Teredo (2001::/32, the client's) IPv6 address, else None.

    A 6to4 address's /48 holds all 32 bits of its IPv4 address, so such an
    address is kept as that IPv4 address's /24, not as an IPv6 form with the
    last octet zeroed: the person is then stored, logged, rate-limited and
    blocked (block=ip) by one network whether they come through a tunnel or
    not, and a moderator reads a /24 they recognise."""
    if ip.version == 4:
        return None
    if ip.teredo:
        return ip.teredo[1]  # (server, client)
    return ip.ipv4_mapped or ip.sixtofour


def stored_network(address):
    """The network kept of an address (/24 or /48), e.g. 203.0.113.0/24; None if unparsable."""
    ip = parse_ip(address)
    if ip is None:
        return None
    return str(ipaddress.ip_network(f"{ip}/{STORED_PREFIX[ip.version]}", strict=False))


@lru_cache(maxsize=4096)
def anonymise_ip(address):
    """Keep the network, not the host: IPv4 to /24, IPv6 to /48 (an address
    carrying an IPv4 one to that one's /24); None if unparsable.
    Cached: it runs for every request (access log) and readers come back."""
    network = stored_network(address)
    return network and network.partition("/")[0]


# The longest normalised address stored (Comment.email_key): case-folding can
# lengthen an address of 254 characters (ß becomes ss, ﬃ becomes ffi).
EMAIL_KEY_MAX = 320


def normalise_email(email):
    """The form under which one person's addresses compare equal."""
    return unicodedata.normalize("NFC", email.strip()).casefold()


def avatar_key(email, secret):
    """16 hex characters of an HMAC of the email: stable per author, not
    reversible without the server's secret (unlike a Gravatar MD5)."""
    return keyed_digest("avatar", normalise_email(email), secret)[:16]


def keyed_digest(purpose, message, secret):
    """HMAC-SHA256 (hex) of message under a key made from the server's secret
    for one purpose: the same value gives the same digest, which says nothing
    of the value without the secret, nor links it to another purpose's."""
    return hmac.new(purpose_key(purpose, secret), message.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=16)
def purpose_key(purpose, secret):
    return hashlib.sha256(purpose.encode() + b"\x00" + secret.encode()).digest()


def secret_digest(secret):
    """SHA-256 (hex) of a bearer secret (moderator token, author key): what is
    stored and compared instead of the secret itself. The secrets are 256
    random bits, so an unsalted fast hash is enough."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
