"""Commands for everyone: read the pitch, sign, check, share, withdraw, see my data."""

from __future__ import annotations

from core.commands.base import Handler, Services, petition_from_args
from core.commands.mydata import personal_data
from core.commands.table import HELP_SECTIONS
from core.config import PetitionConfig, PetitionLifecycle
from core.markup import Markup
from core.messages import Choice, Outbound
from core.models import Signature
from core.prompts import share_text
from core.referrals import parse_payload
from core.reports import percent
from core.turn import Turn

# Where each petition is, under its line of /petitions.
_LIST_LINES = {
    PetitionLifecycle.OPEN: "petitions_line_open",
    PetitionLifecycle.NOT_OPEN: "petitions_line_not_open",
    PetitionLifecycle.PAUSED: "petitions_line_paused",
    PetitionLifecycle.CLOSED: "petitions_line_closed",
}
# What a pitch adds for a petition that takes no signatures now.
_PITCH_LINES = {
    PetitionLifecycle.NOT_OPEN: "pitch_not_open",
    PetitionLifecycle.PAUSED: "pitch_paused",
    PetitionLifecycle.CLOSED: "pitch_closed",
}


class SupporterCommands:
    """Handlers for the supporter commands, by name."""

    def __init__(self, services: Services) -> None:
        self._s = services

    @property
    def handlers(self) -> dict[str, Handler]:
        return {
            "start": self.start,
            "help": self.help,
            "petitions": self.petitions,
            "petition": self.petition,
            "sign": self.sign,
            "cancel": self.cancel,
            "status": self.status,
            "share": self.share,
            "withdraw": self.withdraw,
            "mydata": self.mydata,
        }

    async def start(self, turn: Turn) -> list[Outbound]:
        wanted = parse_payload(list(turn.inbound.args))  # ``c_<command>``: see PetitionBot
        referrer = None
        if wanted.referrer_code:
            referrer = await self._s.store.signature_by_ref_code(wanted.referrer_code)
        slug = wanted.petition or (referrer.petition if referrer else None)
        petition = turn.campaign.petition(slug) if slug else None
        if petition is None or turn.in_group_without_privacy:
            # An unknown or partial payload (a source alone, a stale referral code) is not an
            # error: the person tapped a link, so they get the normal welcome.
            default = turn.campaign.default_petition
            return [self._welcome(turn), await self._pitch(turn, default)]
        return await self._s.conversation.begin(
            turn, petition, source=wanted.source, referrer_code=wanted.referrer_code
        )

    def _welcome(self, turn: Turn) -> Outbound:
        name = turn.inbound.display_name.strip()
        if name and not turn.in_group_without_privacy:  # a group would read the name too
            return turn.say("welcome_named", name=name)
        return turn.say("welcome")

    async def help(self, turn: Turn) -> list[Outbound]:
        text = Markup()
        for role, section in HELP_SECTIONS.items():
            if turn.role >= role:
                text += turn.text(section)
        return [turn.reply(text)]

    async def petitions(self, turn: Turn) -> list[Outbound]:
        lines = Markup()
        lifecycles = await self._s.lifecycles.all(turn.campaign.petitions, turn.now)
        for petition in turn.campaign.petitions:
            count = await self._s.store.count(petition.slug)
            lines += turn.text(
                "petitions_line",
                petition,
                title=petition.title,
                slug=petition.slug,
                count=count,
                goal=petition.goal,
            )
            lines += turn.text(_LIST_LINES[lifecycles[petition.slug]], petition)
        return [turn.say("petitions", lines=lines)]

    async def petition(self, turn: Turn) -> list[Outbound]:
        return [await self._pitch(turn, petition_from_args(turn.campaign, turn.inbound.args))]

    async def _pitch(self, turn: Turn, petition: PetitionConfig) -> Outbound:
        """The petition's pitch with a Sign button (a link into the private chat in a group)."""
        count = await self._s.store.count(petition.slug)
        text = turn.text(
            "pitch",
            petition,
            title=petition.title,
            pitch=petition.pitch,
            statement=petition.statement,
            addressed_to=petition.addressed_to,
            count=count,
            goal=petition.goal,
            percent=percent(count, petition.goal),
        )
        if petition.site_url:
            text += turn.text("pitch_site", petition, url=str(petition.site_url))
        lifecycle = await self._s.lifecycles.of(petition, turn.now)
        if lifecycle is not PetitionLifecycle.OPEN:
            # No Sign button or link: it could only be refused. /petitions lists the others.
            return turn.reply(text + turn.text(_PITCH_LINES[lifecycle], petition))
        if turn.in_group_without_privacy:
            link = turn.private_link(petition.slug)
            return turn.reply(text, links=[link] if link else [])
        sign = Choice(
            label=turn.text("button_sign", petition).to_plain_text(), data=f"sign:{petition.slug}"
        )
        return turn.reply(text, choices=[[sign]])

    async def sign(self, turn: Turn) -> list[Outbound]:
        wanted = parse_payload(list(turn.inbound.args))
        petition = petition_from_args(turn.campaign, (wanted.petition,) if wanted.petition else ())
        return await self._s.conversation.begin(
            turn, petition, source=wanted.source, referrer_code=wanted.referrer_code
        )

    async def cancel(self, turn: Turn) -> list[Outbound]:
        state, _ = await self._s.conversations.load(turn)
        if state is None:
            return [turn.say("nothing_to_cancel", private=True)]
        return await self._s.conversations.cancel(turn, state)

    async def status(self, turn: Turn) -> list[Outbound]:
        petition = petition_from_args(turn.campaign, turn.inbound.args)
        signature = await self._active(turn, petition)
        count = await self._s.store.count(petition.slug)
        key = "status_signed" if signature else "status_not_signed"
        replies = [
            turn.say(
                key,
                petition,
                private=True,
                title=petition.title,
                slug=petition.slug,
                count=count,
                goal=petition.goal,
                percent=percent(count, petition.goal),
                signed_at=signature.signed_at.strftime("%Y-%m-%d") if signature else "",
            )
        ]
        if signature is not None and signature.pending:
            replies.append(turn.say("code_waiting", petition, private=True))
        return replies

    async def share(self, turn: Turn) -> list[Outbound]:
        petition = petition_from_args(turn.campaign, turn.inbound.args)
        signature = await self._active(turn, petition)
        if signature is None:
            return [turn.say("share_needs_signature", petition, slug=petition.slug, private=True)]
        return [turn.reply(share_text(turn, petition, signature), private=True)]

    async def withdraw(self, turn: Turn) -> list[Outbound]:
        petition = petition_from_args(turn.campaign, turn.inbound.args)
        return await self._s.withdrawal.begin(turn, petition)

    async def mydata(self, turn: Turn) -> list[Outbound]:
        text = await personal_data(self._s.store, turn.campaign, turn)
        if text is None:
            return [turn.say("mydata_none", private=True, account=turn.inbound.user_key)]
        return [turn.reply(text, private=True)]

    async def _active(self, turn: Turn, petition: PetitionConfig) -> Signature | None:
        inbound = turn.inbound
        return await self._s.store.active_signature(
            petition.slug, inbound.platform, inbound.user_id
        )
