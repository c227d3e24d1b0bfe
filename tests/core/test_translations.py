"""The committed translation catalogues are complete, sound and compiled.

Every message in locale/<lang>/LC_MESSAGES/*.po must be translated and not fuzzy, keep the
placeholders and HTML of its msgid, and be in the committed .mo next to it (a fresh machine may
lack msgfmt, so the .mo is what runs). After adding strings, refresh the catalogue with

    .venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var \
        --ignore=node_modules --ignore=static/vendor --no-location
    .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=var --ignore=node_modules

translate the new entries, and compile again.
"""

import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
# Python %-placeholders (named or positional), str.format fields and HTML tags must survive translation.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-+ #0]*\d*(?:\.\d+)?[sdifrxXeEgGc%]|\{[^{}]*\}|<[^<>]+>")


def _unquote(text: str) -> str:
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: {"msgid", "msgid_plural"?, "msgctxt"?, "msgstr": {n: text}, "flags", "line"}."""
    entries, entry, key = [], None, None
    for number, raw in enumerate([*path.read_text(encoding="utf-8").splitlines(), ""], start=1):
        line = raw.strip()
        if not line:
            if entry is not None and "msgid" in entry and not entry.get("obsolete"):
                entries.append(entry)
            entry = key = None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}, "line": number}
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if isinstance(key, int):
                entry["msgstr"][key] += _unquote(line)
            else:
                entry[key] += _unquote(line)
        else:
            keyword, _, value = line.partition(" ")
            match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
            key = int(match.group(1) or 0) if match else keyword
            if match:
                entry["msgstr"][key] = _unquote(value)
            else:
                entry[key] = _unquote(value)
    return entries


def _nplurals(header: dict) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header["msgstr"][0])
    assert match, "the header has no Plural-Forms"
    return int(match.group(1))


def _where(path: Path, entry: dict) -> str:
    return f"{path.relative_to(LOCALE)}:{entry['line']} {entry['msgid']!r}"


def test_there_is_a_chinese_catalogue():
    assert LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po" in CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(LOCALE)))
def test_every_message_is_translated_and_not_fuzzy(po):
    header, *entries = parse_po(po)
    assert header["msgid"] == "" and "fuzzy" not in header["flags"], "the header is missing or fuzzy"
    nplurals = _nplurals(header)

    problems = []
    for entry in entries:
        strings = entry["msgstr"]
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {_where(po, entry)}")
        elif "msgid_plural" in entry and sorted(strings) != list(range(nplurals)):
            problems.append(f"needs {nplurals} plural form(s): {_where(po, entry)}")
        elif not all(strings.values()):
            problems.append(f"untranslated: {_where(po, entry)}")
    assert not problems, f"{len(problems)} of {len(entries)} messages need work:\n" + "\n".join(problems)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(LOCALE)))
def test_translations_keep_placeholders_and_html(po):
    _header, *entries = parse_po(po)

    problems = []
    for entry in entries:
        if "fuzzy" in entry["flags"]:
            continue  # a guess by msgmerge; the test above reports it
        # A plural's forms may differ (the singular can leave out the count): take both.
        wanted = sorted(set(PLACEHOLDER.findall(entry["msgid"] + entry.get("msgid_plural", ""))))
        for text in entry["msgstr"].values():
            found = sorted(set(PLACEHOLDER.findall(text)))
            if text and found != wanted:
                problems.append(f"{_where(po, entry)}: {found} instead of {wanted}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(LOCALE)))
def test_the_committed_mo_matches_the_po(po):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo.relative_to(LOCALE)} is missing: run compilemessages and commit it"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    _header, *entries = parse_po(po)

    stale = []
    for entry in entries:
        if "fuzzy" in entry["flags"] or not all(entry["msgstr"].values()):
            continue  # msgfmt leaves these out; the test above reports them
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            for n, expected in entry["msgstr"].items():
                count = next(c for c in range(1000) if compiled.plural(c) == n)
                got = (
                    compiled.npgettext(context, entry["msgid"], entry["msgid_plural"], count)
                    if context is not None
                    else compiled.ngettext(entry["msgid"], entry["msgid_plural"], count)
                )
                if got != expected:
                    stale.append(_where(po, entry))
        else:
            got = (
                compiled.pgettext(context, entry["msgid"]) if context is not None else compiled.gettext(entry["msgid"])
            )
            if got != entry["msgstr"][0]:
                stale.append(_where(po, entry))
    assert not stale, f"{mo.relative_to(LOCALE)} is out of date: run compilemessages. Differs for:\n" + "\n".join(stale)


def test_django_serves_the_chinese_catalogue():
    with translation.override("zh-hans"):
        assert translation.gettext("Master data") == "基础资料"
        assert translation.ngettext("%(counter)s record", "%(counter)s records", 3) % {"counter": 3} == "共 3 条记录"
