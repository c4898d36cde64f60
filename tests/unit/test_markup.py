"""The core's markup: templates and placeholders that are never parsed."""

from __future__ import annotations

from core.markup import Span, render_template


def test_template_styles_and_links() -> None:
    markup = render_template("**Hi** __there__ [site](https://x.org)!")
    assert markup.spans == (
        Span(text="Hi", bold=True),
        Span(text=" "),
        Span(text="there", italic=True),
        Span(text=" "),
        Span(text="site", url="https://x.org"),
        Span(text="!"),
    )


def test_placeholder_values_are_plain_text_even_when_they_look_like_markup() -> None:
    markup = render_template("Thanks, **{name}**!", {"name": "**evil** [x](http://e) {other}"})
    assert markup.spans[1] == Span(text="**evil** [x](http://e) {other}", bold=True)
    assert markup.to_plain_text() == "Thanks, **evil** [x](http://e) {other}!"


def test_numbers_get_thousands_separators() -> None:
    assert render_template("{n} of {goal}", {"n": 1234, "goal": 100000}).to_plain_text() == (
        "1,234 of 100,000"
    )


def test_markup_values_are_spliced_with_their_styles() -> None:
    inner = render_template("**{x}**", {"x": "a"})
    outer = render_template("__{inner}__ b", {"inner": inner})
    assert outer.spans[0] == Span(text="a", bold=True, italic=True)


def test_a_plural_phrase_takes_the_form_for_its_number_and_keeps_its_style() -> None:
    forms = {"one": "{n} signature", "other": "{n} signatures"}

    def plurals(name: str, number: object) -> str | None:
        return (forms["one"] if number == 1 else forms["other"]) if name == "sigs" else None

    one = render_template("**{count:sigs}** so far", {"count": 1}, plurals)
    assert one.to_plain_text() == "1 signature so far" and one.spans[0].bold
    many = render_template("{count:sigs}", {"count": 1000}, plurals)
    assert many.to_plain_text() == "1,000 signatures"
    # Without forms (an organizer's own broadcast text) nothing is replaced.
    assert render_template("{count:sigs} {x:y}", {"count": 1}).to_plain_text() == (
        "{count:sigs} {x:y}"
    )
