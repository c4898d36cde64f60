"""`/mydata`: everything stored about the person asking, each record labelled for what it is.

Signatures (withdrawn ones keep a tombstone), the consent history, broadcasts delivered to
them, whether a platform marked them unreachable, the broadcasts they wrote, their audit
entries, and a conversation in progress. tests/unit/test_mydata.py compares this with a walk
of every table of the database, so a new table holding a person's ids must be shown here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from core.broadcasts.models import Broadcast, DeliveryRecord
from core.catalog import language_name
from core.config import CampaignConfig, FieldName
from core.markup import Markup
from core.models import AuditEntry, ConsentRecord, Signature
from core.prompts import field_key
from core.states import (
    BroadcastDraft,
    ConversationState,
    ExpiredState,
    SigningState,
    WithdrawalState,
)
from core.store import Store
from core.turn import Turn


def when(moment: datetime) -> str:
    """A stored time as the person reads it: ``2026-11-30 12:00 UTC``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M} UTC"


async def personal_data(store: Store, campaign: CampaignConfig, turn: Turn) -> Markup | None:
    """What /mydata shows, or None when nothing at all is stored about the person."""
    inbound = turn.inbound
    who = (inbound.platform, inbound.user_id)
    signatures = await store.signatures_of(*who)
    consents: dict[int, list[ConsentRecord]] = defaultdict(list)
    for consent in await store.consents_of(*who):
        consents[consent.signature_id].append(consent)
    parts = [_signature(turn, s, consents[s.id]) for s in signatures]
    parts.append(_deliveries(turn, await store.deliveries_to(*who)))
    if mark := await store.unreachable_mark(*who):
        key = "mydata_unreachable" if mark.reason else "mydata_unreachable_no_reason"
        parts.append(turn.text(key, at=when(mark.at), reason=mark.reason))
    parts.append(_broadcasts(turn, await store.broadcasts_by(inbound.user_key)))
    parts.append(_audit(turn, await store.audit_of(inbound.user_key)))
    if chosen := await store.chosen_language(*who):
        parts.append(turn.text("mydata_chosen_language", language_name=_named(turn, chosen)))
    if state := await store.get_conversation(*who):
        parts.append(_conversation(turn, campaign, state))
    found = [part for part in parts if part.spans]
    if not found:
        return None
    text = turn.text("mydata_header", account=inbound.user_key)
    for part in found:
        text += part
    return text


def _signature(turn: Turn, signature: Signature, consents: list[ConsentRecord]) -> Markup:
    details = Markup()
    for field in FieldName:  # erased (None) once withdrawn
        if (value := getattr(signature, str(field))) is not None:
            label = turn.text(field_key("field", field, signature.country))
            details += turn.text("summary_line", label=label, value=value)
    details += _origin(turn, signature.country, signature.source, signature.referrer_code)
    details += turn.text("mydata_language", language_name=_named(turn, signature.language))
    values: dict[str, Any] = {  # placeholders; Any: the catalog takes any value
        "slug": signature.petition,
        "signed_at": when(signature.signed_at),
        "details": details,
        "code": signature.ref_code,
        "consents": _consents(turn, consents),
    }
    if signature.withdrawn_at is not None:
        return turn.text("mydata_withdrawn", withdrawn_at=when(signature.withdrawn_at), **values)
    updates = turn.text("yes" if signature.opted_in else "no")
    key = "mydata_pending" if signature.pending else "mydata_signature"
    return turn.text(key, updates=updates, **values)


def _named(turn: Turn, language: str) -> str:
    """A stored language's name in the reader's language ("Spanish", "inglés")."""
    return language_name(language, in_sentence=True, reader=turn.inbound.language)


def _origin(turn: Turn, country: str | None, source: str | None, referrer: str | None) -> Markup:
    """Where a signature came from: its country, campaign source and referral code."""
    text = Markup()
    if country:
        text += turn.text("mydata_country", country=country)
    if source:
        text += turn.text("mydata_source", source=source)
    if referrer:
        text += turn.text("mydata_referrer", code=referrer)
    return text


def _consents(turn: Turn, consents: list[ConsentRecord]) -> Markup:
    lines = Markup()
    for consent in consents:
        at = when(consent.at)
        if consent.kind == "processing":
            key = "mydata_consent_processing" if consent.granted else "mydata_consent_revoked"
            language = _named(turn, consent.language or "en")
            lines += turn.text(
                key, at=at, version=consent.text_version or "-", language_name=language
            )
        else:
            key = "mydata_consent_updates_yes" if consent.granted else "mydata_consent_updates_no"
            lines += turn.text(key, at=at)
    return turn.text("mydata_consents", lines=lines) if lines.spans else Markup()


def _deliveries(turn: Turn, deliveries: list[DeliveryRecord]) -> Markup:
    lines = Markup()
    for delivery in deliveries:
        state = turn.text(f"delivery_state_{delivery.state}")
        values: dict[str, Any] = {
            "id": delivery.broadcast_id,
            "state": state,
            "detail": delivery.detail,
        }
        if delivery.finished_at is None:
            lines += turn.text("mydata_delivery_open", **values)
        else:
            key = "mydata_delivery_detail" if delivery.detail else "mydata_delivery"
            lines += turn.text(key, at=when(delivery.finished_at), **values)
    return turn.text("mydata_deliveries", lines=lines) if lines.spans else Markup()


def _broadcasts(turn: Turn, broadcasts: list[Broadcast]) -> Markup:
    lines = Markup()
    for broadcast in broadcasts:
        audience = broadcast.petition or turn.text("broadcast_everyone")
        lines += turn.text(
            "mydata_broadcast",
            id=broadcast.id,
            audience=audience,
            status=turn.text(f"broadcast_status_{broadcast.status.value}"),
            at=when(broadcast.created_at),
        )
    return turn.text("mydata_broadcasts", lines=lines) if lines.spans else Markup()


def _audit(turn: Turn, entries: list[AuditEntry]) -> Markup:
    lines = Markup()
    for entry in entries:
        action = " ".join(part for part in (entry.action, entry.petition, entry.detail) if part)
        lines += turn.text("mydata_audit_line", at=when(entry.at), action=action)
    return turn.text("mydata_audit", lines=lines) if lines.spans else Markup()


def _conversation(turn: Turn, campaign: CampaignConfig, state: ConversationState) -> Markup:
    """A conversation in progress, named for what it is by its type."""
    at = when(state.updated_at)
    match state:
        case BroadcastDraft(text=text):
            key = "mydata_composing" if text else "mydata_composing_empty"
            return turn.text(key, at=at, text=text)
        case WithdrawalState(petition=slug):
            return turn.text("mydata_withdrawing", at=at, slug=slug)
        case SigningState():
            return _signing(turn, campaign, state, at)
        case ExpiredState():
            return turn.text("mydata_expired", at=at)


def _signing(turn: Turn, campaign: CampaignConfig, state: SigningState, at: str) -> Markup:
    """A signature not finished yet, with what the signer answered so far."""
    petition = campaign.petition(state.petition)
    country = petition.country if petition else None
    details = Markup()
    for field in FieldName:
        if value := state.answers.get(str(field)):
            label = turn.text(field_key("field", field, country))
            details += turn.text("summary_line", label=label, value=value)
    if state.opted_in is not None:
        updates = turn.text("yes" if state.opted_in else "no")
        details += turn.text("mydata_state_updates", updates=updates)
    details += _origin(turn, None, state.source, state.referrer_code)
    if not details.spans:
        return turn.text("mydata_in_progress_empty", at=at, slug=state.petition)
    return turn.text("mydata_in_progress", at=at, slug=state.petition, details=details)
