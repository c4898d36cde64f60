"""`PetitionBot`: the one entry point adapters call with an `Inbound` to get `Outbound` replies."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from core.alerts.watch import BurstWatch
from core.broadcasts.composer import BroadcastComposer
from core.broadcasts.deliveries import Deliveries
from core.broadcasts.desk import BroadcastDesk
from core.catalog import Catalog
from core.commands.base import Handler, Services, UnknownPetition
from core.commands.language import CHOICE_PREFIX as LANGUAGE_PREFIX
from core.commands.language import LanguageCommands
from core.commands.moderator import ModeratorCommands
from core.commands.organizer import OrganizerCommands
from core.commands.sheets import SheetCommands
from core.commands.supporter import SupporterCommands
from core.commands.table import BY_NAME, Command, available_to, bind, description
from core.config import CampaignConfig
from core.conversation import SigningConversation
from core.conversations import Conversations
from core.email_confirmation import CHOICE_PREFIX as CODE_PREFIX
from core.email_confirmation import EmailConfirmation
from core.exports import Exports
from core.figures import Figures
from core.fitting import fit_choices
from core.flood import FloodGate, MemoryFloodGate, Verdict
from core.inbox import Inbox, stored_replies
from core.keyed_lock import KeyedLock
from core.lifecycle import Lifecycles
from core.mail import CodeToSend, Mailer
from core.messages import Capabilities, Inbound, InboundKind, Outbound
from core.meter import Meters
from core.models import AuditEntry, Signature
from core.paper.importer import SignatureImport
from core.referrals import parse_payload
from core.retention import Retention
from core.roles import Role, RoleBook
from core.states import BroadcastDraft, SigningState, WithdrawalState
from core.store import Store
from core.turn import Turn
from core.withdrawal_conversation import WithdrawalConversation

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class PetitionBot:
    """Routes each inbound message to a command, the signing conversation or a button."""

    def __init__(
        self,
        campaign: CampaignConfig,
        store: Store,
        catalog: Catalog | None = None,
        clock: Clock = utc_now,
        mailer: Mailer | None = None,
        flood: FloodGate | None = None,
    ) -> None:
        self.campaign = campaign
        self.store = store
        self.catalog = catalog or Catalog.load()
        # Each reader's view of the petitions' texts, by shipped language (their turn's).
        self._campaigns = {lang: campaign.in_language(lang) for lang in self.catalog.languages}
        self.clock = clock
        self._roles = RoleBook(campaign.roles)
        self._per_person = KeyedLock()
        self._flood = flood or MemoryFloodGate(campaign.flood)
        self.meters = Meters()  # per-process counts, for whoever watches (bots/web/metrics.py)
        self.inbox = Inbox(store, clock)
        idle_timeout = timedelta(hours=campaign.conversation.idle_timeout_hours)
        self.conversations = Conversations(store, campaign, idle_timeout)
        self.lifecycles = Lifecycles(store)
        self.confirmation = EmailConfirmation(
            store, campaign, self.catalog, mailer, clock, self.lifecycles
        )
        self.conversation = SigningConversation(
            store, campaign, self.conversations, self.confirmation, self.lifecycles
        )
        withdrawal = WithdrawalConversation(store, campaign)
        self.deliveries = Deliveries(store, campaign, self.catalog, clock, self.meters)
        self.bursts = BurstWatch(
            store, campaign.alerts, campaign.roles, self.deliveries.alerts_queued
        )
        self.desk = BroadcastDesk(store, campaign, self.deliveries)
        self.exports = Exports(store)
        self.figures = Figures(store, self.catalog)
        self.retention = Retention(store, campaign, clock)
        self.imports = SignatureImport(store, self.catalog)
        services = Services(
            store,
            campaign,
            self.catalog,
            self.conversations,
            self.conversation,
            withdrawal,
            self.exports,
            self.figures,
            self.lifecycles,
            self.imports,
        )
        self.broadcasts = BroadcastComposer(services, self.desk)
        self.languages = LanguageCommands(services)
        # Who may use each command and where come from its declaration (core/commands/table.py).
        self._commands: dict[str, tuple[Command, Handler]] = bind(
            SupporterCommands(services).handlers,
            ModeratorCommands(services).handlers,
            OrganizerCommands(services).handlers,
            SheetCommands(services).handlers,
            self.broadcasts.supporter_handlers,
            self.broadcasts.organizer_handlers,
            self.languages.handlers,
        )
        self.conversations.register(SigningState, self.conversation)
        self.conversations.register(WithdrawalState, withdrawal)
        self.conversations.register(BroadcastDraft, self.broadcasts)

    def describe(self, command: str, language: str | None = None) -> str:
        """A command's one-line description for platform menus, from the catalog."""
        return description(BY_NAME[command], self.catalog, language)

    def commands_for(self, role: Role) -> list[str]:
        """Command names available to ``role``, for platform command menus."""
        return [command.name for command in available_to(role)]

    async def handle(self, inbound: Inbound, caps: Capabilities) -> list[Outbound]:
        """Answer one inbound message; bad input is answered, never raised.

        One person's messages are handled one at a time (their conversation state is read,
        changed and written back); different people's run concurrently. Everything a turn
        changes is committed together with the mark that the platform's message was handled
        and the replies to send (core/inbox.py): after a crash the turn happened with its
        answer stored, or it did not happen at all.
        """
        verdict = await self._flood.admit(inbound.user_key, _is_signing(inbound))
        if verdict is Verdict.ADMIT:
            started = time.perf_counter()
            try:
                return await self._answer(inbound, caps, self._dispatch)
            finally:
                self.meters.turn(inbound, time.perf_counter() - started)
        log.info("flood limit reached by %s: %s", inbound.user_key, verdict)
        replies = [await self._slow_down(inbound)] if verdict is Verdict.WARN else []
        if inbound.message_id is not None:
            # Only the inbox's mark, so a redelivering platform does not hand it back again.
            await self.store.mark_handled(
                inbound.platform, inbound.message_id, stored_replies(inbound, replies), self.clock()
            )
        return replies

    async def _slow_down(self, inbound: Inbound) -> Outbound:
        language = await self._reply_language(inbound)
        return Outbound(text=self.catalog.render("slow_down", language), private=True)

    async def _reply_language(self, inbound: Inbound) -> str:
        """The language of a reply written outside a turn (slow down, the turn failed): the
        person's choice if the store can still say it, else their platform's."""
        try:
            return (await self._in_their_language(inbound)).language or self.catalog.resolve(None)
        except Exception:  # the store is what failed: the platform's language will do
            log.exception("could not read the chosen language of %s", inbound.user_key)
            return self.catalog.resolve(inbound.language)

    async def resume(self, inbound: Inbound, caps: Capabilities) -> list[Outbound]:
        """Greet someone coming back (a restarted terminal chat): the current step of their
        unfinished conversation if they have one, otherwise the answer to ``inbound``, the
        ``/start`` the adapter would send."""
        return await self._answer(inbound, caps, self._resume)

    async def _answer(
        self, inbound: Inbound, caps: Capabilities, answer: Handler
    ) -> list[Outbound]:
        outbox: list[CodeToSend] = []
        signed: list[Signature] = []
        async with self._per_person.hold(inbound.user_key):
            try:
                async with self.store.transaction():
                    # Another process may have this person's next message (PostgreSQL).
                    await self.store.hold_person(inbound.user_key)
                    answers = await self._safely(inbound, caps, answer, outbox, signed)
                    replies = [fit_choices(reply, caps) for reply in answers]
                    answered = time.perf_counter()
                    if inbound.message_id is not None:
                        kept = stored_replies(inbound, replies)
                        await self.store.mark_handled(
                            inbound.platform, inbound.message_id, kept, self.clock()
                        )
                self.meters.committed(time.perf_counter() - answered)
            except Exception:  # the turn could not be stored; the person is told so
                log.exception("could not store the turn of %s", inbound.user_key)
                return [self._internal_error(await self._reply_language(inbound))]
            await self._watch_bursts(signed)
            # Emailed only once the code is stored: a slow mail server never holds a commit.
            try:
                return replies + await self.confirmation.deliver(outbox)
            except Exception:  # the turn is stored; the background sender takes the code over
                log.exception("could not email the code of %s", inbound.user_key)
                return replies

    async def _watch_bursts(self, signed: list[Signature]) -> None:
        """Once the turn is committed, count what its new signatures share with others."""
        for signature in signed:
            try:
                await self.bursts.signed(signature, self.clock())
            except Exception:  # the signature is stored; only this check is missed
                log.exception("could not check for a burst")  # no petition: it would date a signing

    async def _safely(
        self,
        inbound: Inbound,
        caps: Capabilities,
        answer: Handler,
        outbox: list[CodeToSend],
        signed: list[Signature],
    ) -> list[Outbound]:
        language = self.catalog.resolve(inbound.language)
        try:
            inbound = await self._in_their_language(inbound)
            language = inbound.language or language
            return await self._in_turn(inbound, caps, answer, outbox, signed)
        except Exception:
            # A bug or a database failure: the person still gets an answer, in the language
            # they chose, and the log gets ids only (the inbound text may be personal data).
            log.exception("could not handle %s from %s", inbound.kind, inbound.user_key)
            return [self._internal_error(language)]

    def _internal_error(self, language: str) -> Outbound:
        return Outbound(text=self.catalog.render("error_internal", language))

    async def _in_turn(
        self,
        inbound: Inbound,
        caps: Capabilities,
        answer: Handler,
        outbox: list[CodeToSend],
        signed: list[Signature],
    ) -> list[Outbound]:
        turn = Turn(
            outbox=outbox,
            signed=signed,
            inbound=inbound,
            caps=caps,
            role=self._roles.role_of(inbound),
            campaign=self._campaigns.get(inbound.language or "", self.campaign),
            catalog=self.catalog,
            now=self.clock(),
        )
        try:
            return await answer(turn)
        except UnknownPetition as exc:
            # What someone typed is only ever repeated to them: privately where the platform
            # can, never into a group.
            if turn.in_group_without_privacy:
                return [turn.say("unknown_petition_in_group", slugs=self._slugs())]
            slug = exc.slug[:40]
            return [turn.say("unknown_petition", private=True, slug=slug, slugs=self._slugs())]

    async def _in_their_language(self, inbound: Inbound) -> Inbound:
        """The inbound with the language every reply is written in: the one the person chose
        with /language, else their platform's, as a shipped language (English otherwise)."""
        chosen = await self.store.chosen_language(inbound.platform, inbound.user_id)
        language = self.catalog.resolve(chosen or inbound.language)
        if language == inbound.language:
            return inbound
        who = inbound.who.model_copy(update={"language": language})
        return inbound.model_copy(update={"who": who})

    async def _dispatch(self, turn: Turn) -> list[Outbound]:
        match turn.inbound.kind:
            case InboundKind.COMMAND:
                return await self._command(turn)
            case InboundKind.CHOICE:
                return await self._choice(turn)
            case InboundKind.FORM:
                return await self._form(turn)
            case InboundKind.TEXT:
                return await self._text(turn)

    async def _resume(self, turn: Turn) -> list[Outbound]:
        state, expired = await self.conversations.load(turn)
        if state is not None:
            return await self.conversations.resume(turn, state)
        notice = [turn.say("expired", private=True)] if expired else []
        return notice + await self._dispatch(turn)

    async def _command(self, turn: Turn) -> list[Outbound]:
        turn = self._continued(turn)
        name = (turn.inbound.command or "").lower()
        if name not in self._commands:
            if turn.in_group_without_privacy:
                return [turn.say("unknown_command_in_group")]
            return [turn.say("unknown_command", private=True, command=name[:40])]
        command, handler = self._commands[name]
        if turn.role < command.audience:
            await self._audit(turn, f"refused:{name}")
            self.meters.refused(turn.inbound.platform, name)
            return [turn.say("not_allowed", private=True, command=name)]
        if command.private and turn.in_group_without_privacy:
            return [self._go_private(turn, command)]
        if command.audience <= Role.SUPPORTER:
            return await handler(turn)
        try:
            return await handler(turn)
        finally:
            # Audited after the work, so the turn's transaction starts late: a slow
            # command (a chart) never holds a commit that other people's turns wait for.
            await self._audit(turn, name)

    def _go_private(self, turn: Turn, command: Command) -> Outbound:
        """In a public chat: a button into the private chat that continues the same command."""
        # Only a configured slug goes into the link: the link is shown to the whole group.
        if command.starts_from_petition_link:
            wanted = self.campaign.petition(parse_payload(list(turn.inbound.args)).petition)
            link = turn.private_link((wanted or self.campaign.default_petition).slug)
        else:
            args = turn.inbound.args
            named = self.campaign.petition(args[0]) if args else None
            link = turn.private_link(named.slug if named else None, command=command.name)
        return turn.say("go_private", links=[link] if link else [])

    def _continued(self, turn: Turn) -> Turn:
        """``/start c_<command>`` (the link from :meth:`_go_private`) runs that command, with
        its role check and audit, as if typed in the private chat."""
        if (turn.inbound.command or "").lower() != "start":
            return turn
        wanted = parse_payload(list(turn.inbound.args))
        command = BY_NAME.get(wanted.command or "")
        if command is None or not command.private or command.starts_from_petition_link:
            return turn
        args = (wanted.petition,) if wanted.petition else ()
        inbound = turn.inbound.model_copy(update={"command": wanted.command, "args": args})
        return replace(turn, inbound=inbound)

    async def _choice(self, turn: Turn) -> list[Outbound]:
        data = turn.inbound.text
        if data.startswith(CODE_PREFIX):
            return await self.confirmation.on_choice(turn, data)
        if data.startswith(LANGUAGE_PREFIX):
            return await self.languages.on_choice(turn, data)
        if data.startswith("sign:"):
            petition = turn.campaign.petition(data.removeprefix("sign:"))
            if petition is None:
                return [turn.say("stale_button", private=True)]
            if turn.in_group_without_privacy:
                link = turn.private_link(petition.slug)
                return [turn.say("go_private", links=[link] if link else [])]
            return await self.conversation.begin(turn, petition, confirmed=True)
        state, expired = await self.conversations.load(turn)
        nonce, _, action = data.partition(":")
        if state is None or nonce != state.nonce:
            return [turn.say("expired" if expired else "stale_button", private=True)]
        return await self.conversations.on_choice(turn, state, action)

    async def _form(self, turn: Turn) -> list[Outbound]:
        if turn.inbound.form_id.startswith(CODE_PREFIX):
            return await self.confirmation.on_form(turn)
        state, expired = await self.conversations.load(turn)
        if state is None:
            return [turn.say("expired" if expired else "stale_button", private=True)]
        return await self.conversations.on_form(turn, state)

    async def _text(self, turn: Turn) -> list[Outbound]:
        if turn.in_group_without_privacy:
            return []  # group chatter is not for the bot
        state, expired = await self.conversations.load(turn)
        if state is not None:
            return await self.conversations.on_text(turn, state)
        confirming = await self.confirmation.on_text(turn)
        if confirming is not None:
            return confirming
        return [turn.say("expired" if expired else "not_understood", private=True)]

    async def _audit(self, turn: Turn, action: str) -> None:
        args = turn.inbound.args
        petition = args[0][:40] if args and self.campaign.petition(args[0]) else None
        entry = AuditEntry(
            actor=turn.inbound.user_key, action=action, petition=petition, at=turn.now
        )
        await self.store.record_audit(entry)
        log.info("privileged action=%s actor=%s", action, entry.actor)

    def _slugs(self) -> str:
        return ", ".join(p.slug for p in self.campaign.petitions)


def _is_signing(inbound: Inbound) -> bool:
    """A signing attempt (the tighter limit): /sign, a Sign button, a submitted form."""
    return (
        (inbound.kind is InboundKind.COMMAND and (inbound.command or "").lower() == "sign")
        or (inbound.kind is InboundKind.CHOICE and inbound.text.startswith("sign:"))
        or inbound.kind is InboundKind.FORM
    )
