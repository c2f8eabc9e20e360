"""Rules the organisation data must satisfy, independent of storage and transport."""

from __future__ import annotations

# GB 32100-2015 §4.2: the code uses digits and upper-case letters except I, O, Z, S, V,
# so each character stands for a value 0..30.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_CHARSET)}
# GB 32100-2015 §5 / Appendix: weight of position i (1-based) is 3^(i-1) mod 31.
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# Shanghai's rough extent (mainland, Chongming, Changxing and Hengsha islands), used to catch
# swapped or mistyped coordinates, not to draw the boundary.
LONGITUDE_RANGE = (120.8, 122.2)
LATITUDE_RANGE = (30.6, 31.9)


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015 §5).

    C18 = 31 - (Σ Ci × Wi mod 31), with 31 written as 0.
    """
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, as a message code; None if valid.

    Only the code's own check character is verified. The embedded organisation code (positions
    9-17, GB 11714) is not re-checked so that the stricter rule cannot reject a code the
    national registry has issued.
    """
    if len(code) != 18:
        return "orgs.credit_code_length"
    if any(c not in _VALUE for c in code):
        return "orgs.credit_code_chars"
    if not code[2:8].isdigit():  # positions 3-8: GB/T 2260 division code of the registrar
        return "orgs.credit_code_region"
    if credit_code_check_char(code[:17]) != code[17]:
        return "orgs.credit_code_checksum"
    return None


def normalise_credit_code(code: str) -> str:
    """Upper-case and drop spaces people type when copying from a licence."""
    return "".join(code.split()).upper()


def longitude_ok(value: float) -> bool:
    return LONGITUDE_RANGE[0] <= value <= LONGITUDE_RANGE[1]


def latitude_ok(value: float) -> bool:
    return LATITUDE_RANGE[0] <= value <= LATITUDE_RANGE[1]
