"""GS1 identification keys: check digits, GTIN, GLN and SSCC.

Every bad input raises Gs1Error with a message saying exactly what is wrong.
"""

from __future__ import annotations


class Gs1Error(ValueError):
    """A GS1 code that is malformed; the message says what is wrong."""


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of `body` (weights 3,1,3,… from the right)."""
    if not body.isdigit() or not body.isascii():
        raise Gs1Error(f"{body!r} must contain digits only")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def has_valid_check_digit(code: str) -> bool:
    return (
        len(code) >= 2
        and code.isdigit()
        and code.isascii()
        and gs1_check_digit(code[:-1]) == int(code[-1])
    )


def _checked(code: str, name: str, lengths: tuple[int, ...]) -> str:
    code = code.strip()
    if not code.isdigit() or not code.isascii():
        raise Gs1Error(f"{name} {code!r} must contain digits only")
    if len(code) not in lengths:
        expected = " or ".join(str(n) for n in lengths)
        raise Gs1Error(f"{name} must be {expected} digits, got {len(code)}")
    expected_digit = gs1_check_digit(code[:-1])
    if int(code[-1]) != expected_digit:
        raise Gs1Error(f"{name} {code} has check digit {code[-1]}, expected {expected_digit}")
    return code


def normalize_gtin(value: str) -> str:
    """A GTIN-8/12/13/14 with a valid check digit, as 14 digits."""
    return _checked(value, "GTIN", (8, 12, 13, 14)).zfill(14)


def validate_gln(value: str) -> str:
    """A 13-digit GLN with a valid check digit."""
    return _checked(value, "GLN", (13,))


def validate_sscc(value: str) -> str:
    """An 18-digit SSCC with a valid check digit."""
    return _checked(value, "SSCC", (18,))


def make_sscc(company_prefix: str, serial_reference: int, extension_digit: int = 0) -> str:
    """Extension digit + GS1 company prefix + serial reference (padded to 16 digits in
    all) + check digit."""
    if (
        not (company_prefix.isdigit() and company_prefix.isascii())
        or not 7 <= len(company_prefix) <= 10
    ):
        raise Gs1Error(f"GS1 company prefix must be 7-10 digits, got {company_prefix!r}")
    if not 0 <= extension_digit <= 9:
        raise Gs1Error(f"SSCC extension digit must be 0-9, got {extension_digit}")
    room = 16 - len(company_prefix)
    if not 0 <= serial_reference < 10**room:
        raise Gs1Error(
            f"serial reference {serial_reference} does not fit in {room} digits "
            f"after company prefix {company_prefix}"
        )
    body = f"{extension_digit}{company_prefix}{serial_reference:0{room}d}"
    return body + str(gs1_check_digit(body))
