"""Evaluation jobs that arrive together share one transaction.

A burst of changes (mail arriving, agents answering) queues one evaluation job per change, and
each job alone is a short transaction: on SQLite one write-lock turn and one fsync apiece. Here
a job that finds nobody evaluating takes the write slot and evaluates, in one unit of work, the
tickets of every job waiting by then (up to a batch); the others wait for their answer. A job
is answered only by an evaluation that started after it asked, so a change committed while an
evaluation runs still gets a turn of its own.

A caller that knows its change was committed before some earlier point (a job knows its cause
committed before it started) passes a `mark()` taken then: any evaluation that took its
tickets after the mark saw the change, whether it is still running or has finished.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_REMEMBERED = 10_000  # tickets whose latest answer is kept for callers with a mark
# Opens a unit of work, calls `take()` once it holds the write slot for the tickets to evaluate,
# and returns per ticket its answer or what its evaluation raised.
EvaluateMany = Callable[[Callable[[], list[int]]], Awaitable[Mapping[int, "T | BaseException"]]]


class Batcher(Generic[T]):
    def __init__(self, evaluate_many: EvaluateMany[T], size: int) -> None:
        self._evaluate_many = evaluate_many
        self._size = size
        self._waiting: dict[int, list[asyncio.Future[T]]] = {}
        self._busy = False
        self._turn: asyncio.Future[None] | None = None
        self._taken = 0  # batches that have taken their tickets; the latest is number _taken
        self._running: dict[int, list[asyncio.Future[T]]] | None = None  # its tickets' answers
        self._joined: set[asyncio.Future[T]] = set()  # answers that joined it with a mark
        self._answered: dict[int, tuple[int, T]] = {}  # ticket -> (batch number, answer)
        self.batches = 0  # for tests and diagnostics

    def mark(self) -> int:
        """A point in time for `evaluate(since=...)`."""
        return self._taken

    async def evaluate(self, ticket_id: int, since: int | None = None) -> T:
        """The answer for `ticket_id` from an evaluation that started after this call, or,
        given `since` (a `mark()`), after that mark."""
        if since is not None:
            latest = self._answered.get(ticket_id)
            if latest is not None and latest[0] > since:
                return latest[1]
        answer: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        running = self._running
        if (
            since is not None
            and running is not None
            and self._taken > since
            and ticket_id in running
        ):
            running[ticket_id].append(answer)  # the running batch took its tickets after the mark
            self._joined.add(answer)
        else:
            self._waiting.setdefault(ticket_id, []).append(answer)
        while not answer.done():
            if self._busy:
                if self._turn is None:
                    self._turn = asyncio.get_running_loop().create_future()
                either: set[asyncio.Future[Any]] = {answer, self._turn}
                await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
                continue
            self._busy = True
            try:
                await self._one_batch()
            except BaseException:
                self._forget(ticket_id, answer)  # nobody will wait for it any more
                raise
            finally:
                self._busy = False
                turn, self._turn = self._turn, None
                if turn is not None and not turn.done():
                    turn.set_result(None)  # a waiter whose ticket is left takes the next batch
        return answer.result()

    def _forget(self, ticket_id: int, answer: asyncio.Future[T]) -> None:
        answers = self._waiting.get(ticket_id, [])
        if answer in answers:
            answers.remove(answer)
        if not answers:
            self._waiting.pop(ticket_id, None)

    async def _one_batch(self) -> None:
        # The tickets asked for by the time the write slot is ours, oldest first: jobs that
        # queued while this one waited for the slot join its transaction.
        taken: dict[int, list[asyncio.Future[T]]] = {}

        def take() -> list[int]:
            for ticket_id in list(self._waiting)[: self._size]:
                taken[ticket_id] = self._waiting.pop(ticket_id)
            self._taken += 1
            self._running = taken
            return list(taken)

        try:
            results = await self._evaluate_many(take)
        except Exception as error:
            if not taken:
                # Failed before it took any ticket (the database unreachable, say): this job
                # fails and its queue retries it with backoff, rather than starting another
                # batch at once and again, for ever.
                raise
            for ticket_id, answers in taken.items():
                for answer in answers:
                    if answer in self._joined:
                        # It did not wait for this batch: it gets a batch of its own, as it
                        # would have without the mark, instead of this one's failure.
                        self._waiting.setdefault(ticket_id, []).append(answer)
                    else:
                        answer.set_exception(error)
            return
        except BaseException:
            # Cancelled: the tickets go back to the queue for the next waiter (evaluating a
            # ticket again changes nothing that one evaluation did not).
            for ticket_id, answers in taken.items():
                self._waiting.setdefault(ticket_id, []).extend(answers)
            raise
        finally:
            self._running = None
            self._joined.clear()
        self.batches += 1
        for ticket_id, answers in taken.items():
            result = results[ticket_id]
            if not isinstance(result, BaseException):
                self._remember(ticket_id, result)
            for answer in answers:
                if isinstance(result, BaseException):
                    answer.set_exception(result)
                else:
                    answer.set_result(result)

    def _remember(self, ticket_id: int, result: T) -> None:
        self._answered.pop(ticket_id, None)  # to the end: the oldest are forgotten first
        self._answered[ticket_id] = (self._taken, result)  # one batch at a time: this one's
        if len(self._answered) > _REMEMBERED:
            del self._answered[next(iter(self._answered))]
