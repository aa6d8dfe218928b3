"""Rasa's Redis lock store, with each change to a conversation's lock made atomic.

Several Rasa servers take turns on one conversation through a ticket lock kept in Redis (Rasa's `RedisLockStore`).
Rasa 3.6 changes that lock by reading it, changing it in Python and writing it back. Two servers receiving messages
of one conversation at the same moment can both read "no lock", both write a lock holding ticket 0, and both run
their turn at once; the tracker store then keeps one turn and loses most of the other's events (Rasa issue #9213;
the fix went only into Rasa Pro). The scale-out test that sends one conversation's messages to both servers at once
loses events with Rasa's store and none with this one.

`AtomicRedisLockStore` is Rasa's store with its four read-change-write steps (issuing a ticket, dropping expired
ones, finishing a ticket, deleting the lock when nobody waits) done as Redis transactions: WATCH the key, read,
change, write in MULTI/EXEC, and start again if another server changed the key in between.

One more change, to waiting. A ticket expires `lock_lifetime` seconds (60) after it is issued, so that the ticket of
a server that died mid-turn does not block its conversation for ever. In Rasa 3.6 that clock also runs while a
ticket waits its turn: a message that waits behind a dead server's turn expires together with it, is then never
served, and hangs until its client gives up. Here a waiting ticket is renewed at each look, so its lifetime counts
from when it is served; the message is served once the dead turn's ticket expires. The tickets, their order and
their lifetime are otherwise Rasa's.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator, Callable, Optional, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import WatchError

T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    """endpoints.yml: `lock_store: {type: bot.runtime.lock_store.AtomicRedisLockStore, url: <host>, port, db, password,
    key_prefix}`, the settings of Rasa's `redis` lock store."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncIterator[TicketLock]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self._wait_for_turn(conversation_id, ticket, lock_lifetime, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket)

    async def _wait_for_turn(self, conversation_id: str, ticket: int, lifetime: float, wait: float) -> TicketLock:
        """Look every `wait` seconds until `ticket` is served, keeping it alive meanwhile."""

        def renew(lock: TicketLock) -> Optional[TicketLock]:
            lock.remove_expired_tickets()
            mine = next((held for held in lock.tickets if held.number == ticket), None)
            if mine is None:
                return None
            mine.expires = max(mine.expires, time.time() + lifetime)
            return lock

        while True:
            lock = self._change(conversation_id, renew)
            if lock is None:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            ticket = self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)
        except Exception as error:  # as Rasa's own: any failure to take a ticket is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        assert ticket is not None
        return ticket

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish `ticket_number` and delete the lock if nobody else holds a ticket, in one step (Rasa's two steps
        could delete a ticket another server issued between them)."""
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number), delete_when_idle=True)

    def _change(
        self,
        conversation_id: str,
        change: Callable[[TicketLock], T],
        *,
        create: bool = False,
        delete_when_idle: bool = False,
    ) -> Optional[T]:
        """Apply `change` to the stored lock atomically; its result (None when there is no lock and `create` is
        off)."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    if stored is None and not create:
                        pipe.unwatch()
                        return None
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else self.create_lock(conversation_id)
                    result = change(lock)
                    pipe.multi()
                    if delete_when_idle and not lock.is_someone_waiting():
                        pipe.delete(key)
                    else:
                        pipe.set(key, lock.dumps())
                    pipe.execute()
                    return result
                except WatchError:
                    continue  # another server changed the lock meanwhile: read it again
