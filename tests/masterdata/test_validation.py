"""Normalising names and codes, and checking unified social credit codes (GB 32100-2015)."""

import pytest

from apps.masterdata.validation import name_key, normalize_code, normalize_tax_id, normalize_text, uscc_error


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  ＡＢＣ　　１２３ ", "ABC 123"),  # full-width letters, digits and space
        ("Hex\tbolt\n M8", "Hex bolt M8"),
        ("（上海）", "(上海)"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_text_makes_full_width_input_match_half_width(typed, stored):
    assert normalize_text(typed) == stored


def test_codes_and_tax_ids_are_upper_case_and_tax_ids_lose_their_spaces():
    assert normalize_code(" ｂｏｌｔ－m8 ") == "BOLT-M8"
    assert normalize_tax_id(" 9135 0100ｍ000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("上海示例贸易有限公司", "上海示例贸易"),
        ("上海示例贸易股份有限公司", "上海示例贸易"),
        ("上海示例贸易（集团）有限公司", "上海示例贸易"),
        ("上海示例贸易有限责任公司", "上海示例贸易"),
        ("Example Trading Co., Ltd.", "exampletrading"),
        ("EXAMPLE TRADING LIMITED", "exampletrading"),
        ("Example Trading Company Limited", "exampletrading"),
        ("Acme (Shanghai) Co., Ltd", "acme"),
        ("ＡＣＭＥ　Ｌｔｄ．", "acme"),
        ("Acme Inc.", "acme"),
        ("Company", "company"),  # a name that is only a suffix keeps it
    ],
)
def test_name_key_strips_legal_form_suffixes_punctuation_and_case(name, key):
    assert name_key(name) == key


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "12100000400010398P"],
)
def test_valid_unified_social_credit_codes(code):
    assert uscc_error(code) is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "The check digit of this unified social credit code is wrong (expected 3)."),
        ("91350100M000100Y4", "A unified social credit code has 18 characters; this one has 17."),
        ("91350100M000100Y433", "A unified social credit code has 18 characters; this one has 19."),
        ("91350100M00O100Y43", "A unified social credit code cannot contain O."),
        ("91350100I000S00Z43", "A unified social credit code cannot contain I, S, Z."),
        ("91350100m000100y43", "A unified social credit code cannot contain m, y."),  # normalise before checking
    ],
)
def test_invalid_unified_social_credit_codes_say_why(code, message):
    assert uscc_error(code) == message


def test_every_wrong_check_digit_is_caught(uscc):
    valid = uscc("91440300MA5DC2RX1")
    wrong = [valid[:-1] + digit for digit in "0123456789ABCDEFGHJKLMNPQRTUWXY" if digit != valid[-1]]

    assert uscc_error(valid) is None
    assert all(uscc_error(code).startswith("The check digit") for code in wrong)
