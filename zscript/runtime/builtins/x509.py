"""Certificate name helpers that need no certificate: ``x509_check_hostname``
and ``parse_distinguished_name``.

``x509_check_hostname`` is Zeek's reading of RFC 6125 wildcards
(``check_hostname`` in Zeek's x509 ``functions.bif``): a name matches
itself; otherwise the certificate name needs a ``*`` that ends its leftmost
label, at least three labels, the same labels as the host after the first,
and the same characters before the ``*``.

``parse_distinguished_name`` decodes a DER ``Name`` (a sequence of sets of
(object identifier, value) pairs) and writes it as RFC 2253 text, the way
Zeek prints it through OpenSSL's ``X509_NAME_print_ex`` with
``XN_FLAG_RFC2253``: the last RDN first, RDNs separated by ``,`` and the
values of one RDN by ``+``, attributes by their short names (or the dotted
OID), string values converted to UTF-8 with bytes from 0x80 and control
characters as ``\\XX`` and ``,+"\\<>;`` (and a leading ``#`` or space, a
trailing space) escaped with a backslash, other values, and the values of
attribute types not in the table here, as ``#`` and their DER bytes in hex.  Text that is not a DER name gives the empty string;
like Zeek's, the result is cut at 255 characters.

Provides: x509_check_hostname, parse_distinguished_name.
"""

from __future__ import annotations

from ..bifs import bif

__all__ = []


@bif("x509_check_hostname", "function(hostname: string, certname: string): bool")
def x509_check_hostname(hostname, certname):
    if hostname == certname:
        return True
    wild = certname.find("*")
    first = certname.find(".")
    if wild < 0 or first < 0 or certname.find(".", first + 1) < 0 or wild + 1 != first:
        return False
    host_first = hostname.find(".")
    if host_first < 0 or hostname[host_first:] != certname[first:]:
        return False
    return hostname[:wild] == certname[:wild]


#: Short names OpenSSL prints for the usual attribute types.
_SHORT_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.4": "SN",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.9": "street",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.12": "title",
    "2.5.4.15": "businessCategory",
    "2.5.4.17": "postalCode",
    "2.5.4.42": "GN",
    "2.5.4.43": "initials",
    "2.5.4.44": "generationQualifier",
    "2.5.4.46": "dnQualifier",
    "2.5.4.65": "pseudonym",
    "2.5.4.97": "organizationIdentifier",
    "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.1": "UID",
    "0.9.2342.19200300.100.1.25": "DC",
    "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL",
    "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
    "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
}

_SEQUENCE, _SET, _OID = 0x30, 0x31, 0x06
#: String types and how their bytes become text.
_STRINGS = {
    0x0C: "utf-8",  # UTF8String
    0x12: "latin-1",  # NumericString
    0x13: "latin-1",  # PrintableString
    0x14: "latin-1",  # T61String
    0x16: "latin-1",  # IA5String
    0x1A: "latin-1",  # VisibleString
    0x1C: "utf-32-be",  # UniversalString
    0x1E: "utf-16-be",  # BMPString
}


class _Bad(Exception):
    pass


def _tlv(data: bytes, pos: int, end: int) -> tuple[int, int, int, int]:
    """(tag, start of contents, end of contents, start of the element) at ``pos``."""
    if pos + 2 > end:
        raise _Bad
    tag, n = data[pos], data[pos + 1]
    at = pos + 2
    if n & 0x80:
        count = n & 0x7F
        if count == 0 or count > 4 or at + count > end:
            raise _Bad
        n = int.from_bytes(data[at : at + count], "big")
        at += count
    if at + n > end:
        raise _Bad
    return tag, at, at + n, pos


def _oid(body: bytes) -> str:
    if not body:
        raise _Bad
    parts: list[int] = []
    n = 0
    for b in body:
        n = (n << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(n)
            n = 0
    first = parts[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(p) for p in head + parts[1:])


def _escape(text: bytes) -> str:
    out = []
    last = len(text) - 1
    for i, b in enumerate(text):
        c = chr(b)
        if b >= 0x80 or b < 0x20 or b == 0x7F:
            out.append(f"\\{b:02X}")
        elif c in ',+"\\<>;' or (i == 0 and c in "# ") or (i == last and c == " "):
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)


def _value(data: bytes, tag: int, start: int, end: int, elem: int) -> str:
    enc = _STRINGS.get(tag)
    if enc is None:
        return "#" + data[elem:end].hex().upper()
    try:
        text = data[start:end].decode(enc).encode("utf-8")
    except UnicodeDecodeError:
        raise _Bad from None
    return _escape(text)


def _parse_name(data: bytes) -> str:
    tag, start, end, _ = _tlv(data, 0, len(data))
    if tag != _SEQUENCE:
        raise _Bad
    rdns = []
    pos = start
    while pos < end:
        tag, s_start, s_end, _ = _tlv(data, pos, end)
        if tag != _SET or s_start == s_end:
            raise _Bad
        avas = []
        p = s_start
        while p < s_end:
            tag, a_start, a_end, _ = _tlv(data, p, s_end)
            if tag != _SEQUENCE:
                raise _Bad
            otag, o_start, o_end, _ = _tlv(data, a_start, a_end)
            if otag != _OID:
                raise _Bad
            oid = _oid(data[o_start:o_end])
            vtag, v_start, v_end, v_elem = _tlv(data, o_end, a_end)
            short = _SHORT_NAMES.get(oid)
            if short is None:
                # An attribute type without a name: its value as DER, in hex.
                avas.append(f"{oid}=#{data[v_elem:v_end].hex().upper()}")
            else:
                avas.append(f"{short}={_value(data, vtag, v_start, v_end, v_elem)}")
            p = a_end
        rdns.append("+".join(avas))
        pos = s_end
    return ",".join(reversed(rdns))


@bif("parse_distinguished_name", "function(dn: string): string")
def parse_distinguished_name(dn):
    try:
        text = _parse_name(dn.encode("latin-1"))
    except _Bad:
        return ""
    return text[:255]
