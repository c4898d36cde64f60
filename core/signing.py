"""The `sign` use case: turn a finished conversation into one stored signature."""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from core.config import PetitionConfig
from core.fields import email_key
from core.models import NewSignature, Signature
from core.referrals import new_ref_code
from core.states import SigningState
from core.store import AlreadySigned, Store

log = logging.getLogger(__name__)


class SignOutcome(BaseModel):
    """The stored signature, or the reason none was stored."""

    model_config = ConfigDict(frozen=True)

    signature: Signature | None
    already_signed: bool = False
    by_email: bool = False


async def sign(
    store: Store,
    petition: PetitionConfig,
    state: SigningState,
    now: datetime,
    language: str = "en",
) -> SignOutcome:
    """Store the signature and its consent; a second signature by account or email is refused."""
    email = state.answers.get("email")
    new = NewSignature(
        petition=petition.slug,
        platform=state.platform,
        user_id=state.user_id,
        name=state.answers.get("name"),
        email=email,
        email_key=email_key(email, petition.email_aliases) if email else None,
        postal_code=state.answers.get("postal_code"),
        country=petition.country,
        source=state.source,
        referrer_code=state.referrer_code,
        ref_code=new_ref_code(),
        consent_version=petition.consent_version,
        opted_in=bool(state.opted_in),
        signed_at=now,
        pending=petition.confirm_email,
        # The language the signer read everything in, and the consent text's own language.
        language=language,
        consent_language=petition.consent_language(language),
    )
    try:
        signature = await store.add_signature(new)
    except AlreadySigned as exc:
        kind = "address" if exc.by_email else "account"  # which rule refused it; never the value
        log.info("duplicate signature refused petition=%s same=%s", petition.slug, kind)
        return SignOutcome(signature=None, already_signed=True, by_email=exc.by_email)
    log.info(
        "signature stored petition=%s id=%s platform=%s",
        petition.slug,
        signature.id,
        signature.platform,
    )
    return SignOutcome(signature=signature)
