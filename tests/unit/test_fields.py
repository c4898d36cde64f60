"""Validation of names, emails and postal codes."""

from __future__ import annotations

import pytest

from core.fields import (
    InvalidField,
    public_name,
    validate_email_address,
    validate_name,
    validate_postal_code,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Jane   Doe ", "Jane Doe"),
        ("Zoë Ångström", "Zoë Ångström"),
        ("Jose\u0301 Pérez", "José Pérez"),  # NFC joins the combining accent
        ("Jane\u200b\u202e Doe\x1b", "Jane Doe"),
        ("李小龍", "李小龍"),
        ("<b>Bob</b> & <script>", "<b>Bob</b> & <script>"),
    ],
)
def test_names_are_normalised(raw: str, clean: str) -> None:
    assert validate_name(raw) == clean


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "error_name_empty"),
        ("\u200b\u200d", "error_name_empty"),
        ("a" * 101, "error_name_too_long"),
        ("42", "error_name_no_letter"),
        ("visit https://x.example", "error_name_url"),
        ("Jane spam.com", "error_name_url"),
        ("+Jane", "error_name_symbol"),
        ("-Jane", "error_name_symbol"),
        ("@everyone", "error_name_symbol"),
        ("=Jane()", "error_name_symbol"),
    ],
)
def test_bad_names_name_their_problem(raw: str, key: str) -> None:
    with pytest.raises(InvalidField) as caught:
        validate_name(raw)
    assert caught.value.message_key == key


def test_a_hundred_characters_is_the_longest_name() -> None:
    assert len(validate_name("a" * 100)) == 100


def test_email_domain_is_lowercased_and_the_local_part_kept() -> None:
    assert validate_email_address(" Jane.Doe@Example.ORG ") == "Jane.Doe@example.org"


@pytest.mark.parametrize("raw", ["", "jane", "jane@", "@example.org", "jane@example", "a" * 300])
def test_invalid_emails_are_refused_offline(raw: str) -> None:
    with pytest.raises(InvalidField):
        validate_email_address(raw)


@pytest.mark.parametrize("raw", ["12345", "12345-6789", " 02134 "])
def test_us_zip_codes(raw: str) -> None:
    assert validate_postal_code(raw, "US") == raw.strip()


@pytest.mark.parametrize("raw", ["1234", "123456", "12345-", "ABCDE", "12 345"])
def test_bad_us_zip_codes(raw: str) -> None:
    with pytest.raises(InvalidField) as caught:
        validate_postal_code(raw, "US")
    assert caught.value.message_key == "error_zip_us"


@pytest.mark.parametrize("raw", ["SW1A 1AA", "75001", "k1a-0b1"])
def test_other_countries_accept_letters_digits_spaces_dashes(raw: str) -> None:
    assert validate_postal_code(raw, "GB") == raw.upper()


def test_public_name_is_first_name_and_initial() -> None:
    assert public_name("Jane Quinn Doe") == "Jane D."
    assert public_name("Cher") == "Cher"
    assert public_name(None) == "?"


# Postal codes: ASCII digits only, whatever digits the keyboard sends


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("０２１３９", "02139"), ("𝟎𝟏𝟐𝟑𝟒", "01234"), ("０２１３９－１２３４", "02139-1234")],
)
def test_compatibility_digits_in_a_zip_are_stored_as_ascii(raw: str, stored: str) -> None:
    assert validate_postal_code(raw, "US") == stored


@pytest.mark.parametrize("raw", ["٠٢١٣٩", "٠٢１٣٩", "०२१३९", "০২১৩৯", "߀߁߂߃߄"])
def test_a_zip_in_other_scripts_digits_is_refused(raw: str) -> None:
    with pytest.raises(InvalidField) as caught:
        validate_postal_code(raw, "US")
    assert caught.value.message_key == "error_zip_us"


@pytest.mark.parametrize("raw", ["٧٥٠٠١", "०२१३९", "\u0131b1 1aa", "ǅ1 2AB"])
def test_other_countries_accept_ascii_letters_and_digits_only(raw: str) -> None:
    with pytest.raises(InvalidField) as caught:
        validate_postal_code(raw, "GB")
    assert caught.value.message_key == "error_postal_code"


def test_other_countries_store_full_width_input_as_ascii() -> None:
    assert validate_postal_code("ＳＷ１Ａ　１ＡＡ", "GB") == "SW1A 1AA"


# Names: invisible characters go, joiners inside a word stay


@pytest.mark.parametrize(
    "name",
    [
        "Jane 👩\u200d👩\u200d👧\u200d👦",  # one family emoji, not four people
        "Maryam\u200cZadeh",  # Persian: the non-joiner is part of the spelling
        "क्\u200dष",  # Devanagari half form
    ],
)
def test_joiners_inside_a_word_are_kept(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\u200dJane Doe\u200c", "Jane Doe"),  # at the edges they join nothing
        ("Jane \u200d Doe", "Jane Doe"),
        ("Jane \u200dDoe\u200c \u200cX", "Jane Doe X"),
        ("Maryam\u200c\u200c\u200cZadeh", "Maryam\u200cZadeh"),  # a run hides nothing more
        ("Jane\U000e0041\U000e0042 Doe", "Jane Doe"),  # tag characters
        ("Ja\u00adne Doe", "Jane Doe"),  # soft hyphen
        ("Jane\u061c Doe\u180e", "Jane Doe"),  # Arabic letter mark, Mongolian vowel separator
        ("Jane\u3164Doe", "JaneDoe"),  # Hangul filler
        ("\u2066Jane\u2069 \u202bDoe\u202c", "Jane Doe"),  # bidi isolates and embeddings
    ],
)
def test_invisible_characters_are_removed_from_names(raw: str, clean: str) -> None:
    assert validate_name(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "\u3164",
        "\u3164 \u3164",
        "\uffa0\u115f\u1160",  # the other Hangul fillers
        "\U000e0041\U000e0042\U000e0043",
        "\u061c",
        "\u00ad\u00ad",
        "\u180e",
        "\u200d\u200c",
        "\ufe0f\u034f",
    ],
)
def test_a_name_of_invisible_characters_only_is_refused(raw: str) -> None:
    with pytest.raises(InvalidField) as caught:
        validate_name(raw)
    assert caught.value.message_key in ("error_name_empty", "error_name_no_letter")


def test_a_name_needs_a_visible_letter() -> None:
    with pytest.raises(InvalidField) as caught:
        validate_name("👩\u200d👩\u200d👧\u200d👦 \u3164")
    assert caught.value.message_key == "error_name_no_letter"
