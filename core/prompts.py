"""What the signing conversation shows at each step, and the withdrawal question."""

from __future__ import annotations

from core.config import FieldName, PetitionConfig
from core.markup import Markup
from core.messages import FormField, FormRequest, Outbound
from core.models import Signature
from core.referrals import payload
from core.states import BaseState, SigningState, SigningStep, WithdrawalState
from core.turn import Turn

FIELD_LIMITS = {FieldName.NAME: 100, FieldName.EMAIL: 254, FieldName.POSTAL_CODE: 10}
# What the catalog says about each field: its question, its label, an example, and its noun
# in a sentence ("your name and email address").
FIELD_TEXTS = ("ask", "field", "placeholder", "detail")


def field_key(kind: str, field: FieldName, country: str | None) -> str:
    """The catalog key of a field's ``kind`` of text; postal codes are ZIP codes in the US."""
    if field is FieldName.POSTAL_CODE and country == "US":
        return f"{kind}_{field}_us"
    return f"{kind}_{field}"


def details(turn: Turn, petition: PetitionConfig) -> str:
    """The petition's fields as words in a sentence: "name, email address, and ZIP code"."""
    nouns = [
        turn.text(field_key("detail", field, petition.country), petition).to_plain_text()
        for field in petition.fields
    ]
    return turn.catalog.listing(nouns, turn.inbound.language)


def action(state: BaseState, name: str) -> str:
    """Button data for a conversation action, tied to this conversation by its nonce."""
    return f"{state.nonce}:{name}"


def prompt(turn: Turn, state: SigningState, petition: PetitionConfig) -> Outbound:
    """The question for the signing's current step."""
    back = turn.choice("button_back", action(state, "back"), petition)
    cancel = turn.choice("button_cancel", action(state, "cancel"), petition)
    match state.step:
        case SigningStep.CONFIRM:
            yes = turn.choice("button_sign_yes", action(state, "yes"), petition)
            return turn.say(
                "confirm_sign",
                petition,
                choices=[[yes, cancel]],
                private=True,
                title=petition.title,
                statement=petition.statement,
                addressed_to=petition.addressed_to,
                details=details(turn, petition),
            )
        case SigningStep.FIELD:
            key = field_key("ask", petition.fields[state.field_index], petition.country)
            return turn.say(key, petition, choices=[[back, cancel]], private=True)
        case SigningStep.FORM:
            open_form = turn.choice("button_open_form", action(state, "form"), petition)
            return turn.say(
                "form_intro",
                petition,
                choices=[[open_form], [back, cancel]],
                form=signature_form(turn, state, petition),
                private=True,
            )
        case SigningStep.CONSENT:
            yes = turn.choice("button_updates_yes", action(state, "optin:1"), petition)
            no = turn.choice("button_updates_no", action(state, "optin:0"), petition)
            return turn.say(
                "ask_updates", petition, choices=[[yes, no], [back, cancel]], private=True
            )
        case SigningStep.SUMMARY:
            confirm = turn.choice("button_confirm", action(state, "confirm"), petition)
            edit = turn.choice("button_edit", action(state, "edit"), petition)
            return turn.reply(
                summary(turn, state, petition), choices=[[confirm, edit], [cancel]], private=True
            )
        case SigningStep.EDIT:
            rows = [
                [
                    turn.choice(
                        field_key("field", field, petition.country),
                        action(state, f"edit_{field}"),
                        petition,
                    )
                ]
                for field in petition.fields
            ]
            return turn.say("ask_edit_which", petition, choices=[*rows, [back]], private=True)


def withdrawal_prompt(turn: Turn, state: WithdrawalState, petition: PetitionConfig) -> Outbound:
    """The question that confirms a withdrawal, or keeps the signature."""
    yes = turn.choice("button_withdraw_yes", action(state, "withdraw"), petition)
    keep = turn.choice("button_withdraw_no", action(state, "cancel"), petition)
    return turn.say(
        "confirm_withdraw",
        petition,
        choices=[[yes, keep]],
        private=True,
        title=petition.title,
        details=details(turn, petition),
    )


def signature_form(turn: Turn, state: SigningState, petition: PetitionConfig) -> FormRequest:
    """The native form for all fields at once, prefilled with what the signer already gave."""
    fields = tuple(
        FormField(
            key=str(field),
            label=turn.text(field_key("field", field, petition.country), petition).to_plain_text(),
            placeholder=turn.text(
                field_key("placeholder", field, petition.country), petition
            ).to_plain_text(),
            value=state.answers.get(str(field), ""),
            max_length=FIELD_LIMITS[field],
        )
        for field in petition.fields
    )
    title = turn.text("form_title", petition).to_plain_text()
    return FormRequest(
        form_id=action(state, "form"),
        title=title,
        fields=fields,
        error=state.form_error,
    )


def summary(turn: Turn, state: SigningState, petition: PetitionConfig) -> Markup:
    """The signer's details and choices, for a last check before signing."""
    lines = Markup()
    for field in petition.fields:
        label = turn.text(field_key("field", field, petition.country), petition)
        lines += turn.text("summary_line", label=label, value=state.answers.get(str(field), ""))
    updates = turn.text("summary_updates_yes" if state.opted_in else "summary_updates_no", petition)
    return turn.text(
        "summary",
        petition,
        title=petition.title,
        details=lines,
        updates=updates,
        consent_text=petition.consent_text,
        consent_version=petition.consent_version,
    )


def closing(turn: Turn, state: SigningState, petition: PetitionConfig) -> Markup:
    """The thank-you after Sign, built only from what the signer typed and the petition."""
    first_name = state.answers.get(str(FieldName.NAME), "").split(" ")[0]
    key = "signed_thanks_named" if first_name else "signed_thanks"
    text = turn.text(key, petition, first_name=first_name, title=petition.title)
    if FieldName.EMAIL in petition.fields:
        text += turn.text("signed_once_per_email", petition)
    return text + turn.text("signed_next", petition)


def share_text(turn: Turn, petition: PetitionConfig, signature: Signature) -> Markup:
    """How to share: a deep link where the platform has them, otherwise the code to type."""
    if turn.caps.deep_link_template:
        link = turn.caps.deep_link_template.format(
            payload=payload(petition.slug, signature.ref_code)
        )
        return turn.text("share_link", petition, link=link, code=signature.ref_code)
    return turn.text("share_code", petition, slug=petition.slug, code=signature.ref_code)
