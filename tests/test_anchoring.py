import unicodedata

import pytest

from annotations.spans import anchoring


def test_normalise_body_composes_decomposed_characters():
    decomposed = unicodedata.normalize("NFD", "Zoë Ångström said café")
    assert len(decomposed) > len("Zoë Ångström said café")
    assert anchoring.normalise_body(decomposed) == "Zoë Ångström said café"


def test_normalise_body_unifies_line_endings_and_trims_trailing_space():
    assert anchoring.normalise_body("One.  \r\nTwo.\t\rThree.\n\n  \n") == "One.\nTwo.\nThree."


def test_normalise_body_keeps_leading_indentation_and_blank_lines_between_paragraphs():
    assert anchoring.normalise_body("  Para one.\n\nPara two.") == "  Para one.\n\nPara two."


def test_offsets_after_an_emoji_count_code_points():
    body = "Ships 🚢 sail at dawn."
    start = body.index("sail")
    assert start == 8  # in UTF-16 (JavaScript) this would be 9
    span = anchoring.span_at(body, start, start + 4, "sail")
    assert span.quote == "sail"
    assert span.prefix == "Ships 🚢 "


def test_quote_given_with_utf16_offsets_is_refused_after_an_emoji():
    body = "Ships 🚢 sail at dawn."
    with pytest.raises(anchoring.SpanError) as error:
        anchoring.span_at(body, 9, 13, "sail")
    assert error.value.field == "quote"
    assert "code points" in error.value.message


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(-1, 3, "start"), (5, 5, "end"), (6, 2, "end"), (0, 999, "end")],
)
def test_bad_offsets_name_the_field(start, end, field):
    with pytest.raises(anchoring.SpanError) as error:
        anchoring.span_at("short body", start, end)
    assert error.value.field == field


def test_context_is_at_most_32_characters_each_side():
    body = "a" * 50 + "QUOTE" + "b" * 50
    prefix, suffix = anchoring.context(body, 50, 55)
    assert prefix == "a" * 32
    assert suffix == "b" * 32


def test_locate_finds_a_unique_quote():
    span = anchoring.locate("The sky is blue. Grass is green.", "Grass is green")
    assert (span.start, span.end) == (17, 31)


def test_locate_refuses_an_ambiguous_quote_without_context():
    with pytest.raises(anchoring.SpanError, match="occurs 2 times"):
        anchoring.locate("tax cut. Then another tax cut.", "tax cut")


def test_locate_uses_prefix_to_choose_between_repeats():
    span = anchoring.locate("tax cut. Then another tax cut.", "tax cut", prefix="another ")
    assert span.start == 22


def test_locate_refuses_a_missing_quote():
    with pytest.raises(anchoring.SpanError, match="does not occur"):
        anchoring.locate("Nothing here.", "something")


def test_context_grows_until_the_quote_with_it_is_unique():
    body = "Intro. " + "Officials denied it. " * 6 + "The end."
    copies = [i for i in range(len(body)) if body.startswith("Officials", i)]
    second = copies[2]  # 32 characters either side look the same as for the next copy
    prefix, suffix = anchoring.context(body, second, second + len("Officials denied it."))
    assert len(prefix) + len(suffix) > 64
    needle = prefix + "Officials denied it." + suffix
    assert body.count(needle) == 1 and body.index(needle) + len(prefix) == second


@pytest.mark.parametrize(
    ("body", "inside"),
    [
        ("Flag 🇫🇷 here.", "🇷"),  # between the two regional indicators
        ("Family 👩\u200d👩\u200d👧 here.", "\u200d"),  # inside a ZWJ sequence
        ("Tone 👋🏽 here.", "🏽"),  # a skin tone from its hand
        ("Say n\u0303o here.", "\u0303"),  # a letter from its combining tilde (no NFC form)
    ],
)
def test_spans_that_split_a_character_are_refused_naming_the_offset(body, inside):
    at = body.index(inside)
    with pytest.raises(anchoring.SpanError) as start_error:
        anchoring.span_at(body, at, len(body))
    assert start_error.value.field == "start"
    with pytest.raises(anchoring.SpanError) as end_error:
        anchoring.span_at(body, 0, at)
    assert end_error.value.field == "end"
    whole = anchoring.span_at(body, 0, body.index(" here"))
    assert whole.quote.endswith(body[at - 1 : body.index(" here")])
