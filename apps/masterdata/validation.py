"""Normalising names and checking tax IDs, shared by the forms, the API and the importer."""

import re
import unicodedata

from django.utils.translation import gettext as _

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Legal-form suffixes that make 'the same customer three times': removed before comparing names.
COMPANY_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "分公司",
    "公司",
    "集团",
    "厂",
    "商行",
    "co ltd",
    "co limited",
    "company limited",
    "limited",
    "ltd",
    "incorporated",
    "inc",
    "corporation",
    "corp",
    "llc",
    "gmbh",
    "plc",
    "co",
    "company",
    "group",
)
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_text(value: str) -> str:
    """NFKC (full-width input matches half-width), trimmed, inner whitespace collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value or "")).strip()


def name_key(value: str) -> str:
    """The comparable core of a name: lower case, legal-form suffixes and punctuation removed."""
    text = normalize_text(value).casefold()
    text = re.sub(r"[(（][^)）]*[)）]", " ", text)  # '(中国)', '(Shanghai)'
    words = _NOT_WORD.sub(" ", text).strip()
    changed = True
    while changed and words:
        changed = False
        for suffix in COMPANY_SUFFIXES:
            if words.endswith(suffix) and len(words) > len(suffix):
                words = words[: -len(suffix)].strip()
                changed = True
                break
    return words.replace(" ", "")


def normalize_code(value: str) -> str:
    return normalize_text(value).upper()


def normalize_tax_id(value: str) -> str:
    return _SPACES.sub("", normalize_text(value)).upper()


def uscc_error(code: str) -> str | None:
    """Why `code` is not a valid unified social credit code (GB 32100-2015), or None if it is."""
    if len(code) != 18:
        return _("A unified social credit code has 18 characters; this one has %(count)d.") % {"count": len(code)}
    invalid = sorted({char for char in code if char not in USCC_CHARSET})
    if invalid:
        return _("A unified social credit code cannot contain %(chars)s.") % {"chars": ", ".join(invalid)}
    total = sum(USCC_CHARSET.index(char) * weight for char, weight in zip(code[:17], USCC_WEIGHTS, strict=True))
    expected = USCC_CHARSET[(31 - total % 31) % 31]
    if code[17] != expected:
        return _("The check digit of this unified social credit code is wrong (expected %(digit)s).") % {
            "digit": expected
        }
    return None
