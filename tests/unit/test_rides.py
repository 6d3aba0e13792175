"""A received batch rides along with the next unit of work that commits
(``bot.delivery.rides``): the pure box, then ``record_updates`` against the database."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.delivery.rides import Ride, Rides
from bot.services import delivery
from bot.services.container import Services
from bot.store.models import InboundUpdate


def test_a_ride_is_taken_once_and_is_done_when_its_commit_is_written() -> None:
    rides = Rides()
    first, second = Ride(lambda _uow: 1), Ride(lambda _uow: 2)
    rides.put(first)
    rides.put(second)
    assert rides.waiting(first) and rides.waiting(second)
    taken = rides.take()
    assert taken == [first, second] and rides.take() == []
    assert not rides.waiting(first)
    rides.written(taken)
    assert rides.settled(first) and rides.settled(second)
    assert not rides.withdraw(first)  # written: its owner keeps the result


def test_a_failed_commit_puts_its_rides_back_in_front_in_order() -> None:
    rides = Rides()
    a, b, c = (Ride(lambda _uow: None) for _ in range(3))
    rides.put(a)
    rides.put(b)
    taken = rides.take()
    rides.put(c)
    rides.put_back(taken)
    assert not rides.settled(a)  # waits again: not written
    assert rides.take() == [a, b, c]


def test_a_withdrawn_ride_is_taken_by_no_one() -> None:
    rides = Rides()
    ride = Ride(lambda _uow: None)
    rides.put(ride)
    assert rides.withdraw(ride)
    assert rides.take() == [] and not rides.waiting(ride)


def _update(update_id: int, user_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "甲"}, "text": "你好"}}


class Watched:
    """Connection checkouts (units of work that reached the database), and an event set once
    ``record_updates`` has put its batch in the box."""

    def __init__(self, services: Services) -> None:
        self.checkouts = 0
        self.put = threading.Event()
        event.listen(services.engine, "checkout", self._checkout)
        original = services.rides.put

        def put(ride: Ride) -> None:
            original(ride)
            self.put.set()

        services.rides.put = put  # type: ignore[method-assign]

    def _checkout(self, *_a: object) -> None:
        self.checkouts += 1


def _stored(services: Services) -> list[int]:
    with services.uow() as uow:
        return list(uow.session.scalars(select(InboundUpdate.update_id)
                                        .order_by(InboundUpdate.update_id)))


def test_on_a_quiet_database_the_batch_is_written_by_its_own_unit_of_work(services) -> None:
    watched = Watched(services)
    new, actors = delivery.record_updates(services, [_update(7, 501), _update(8, 502)])
    assert new == [7, 8] and set(actors) == {501, 502}
    assert actors[501].kind.value == "guest"
    assert watched.checkouts == 1
    assert delivery.record_updates(services, [_update(8, 502)]) == ([], {})  # known: not new
    assert _stored(services) == [7, 8]


@pytest.mark.sqlite_only("the choreography needs SQLite's serial lock (PostgreSQL units of "
                         "work do not wait for each other)")
def test_a_batch_rides_along_with_the_unit_of_work_that_holds_the_database(services) -> None:
    watched = Watched(services)
    with ThreadPoolExecutor(1) as pool:
        with services.uow() as uow:  # an update's transaction, holding the database
            recording = pool.submit(delivery.record_updates, services, [_update(9, 601)])
            assert watched.put.wait(30)  # the batch waits in the box; its own unit queues
            uow.commit()  # … and this commit takes it along
        new, actors = recording.result(timeout=30)
    assert new == [9] and set(actors) == {601}
    assert watched.checkouts == 1  # one round trip for both: the queued unit wrote nothing
    assert _stored(services) == [9]


@pytest.mark.sqlite_only("the choreography needs SQLite's serial lock")
def test_when_the_taking_commit_fails_the_batch_is_written_by_its_own_unit(services) -> None:
    watched = Watched(services)
    with ThreadPoolExecutor(1) as pool:
        with services.uow() as uow:
            recording = pool.submit(delivery.record_updates, services, [_update(10, 701)])
            assert watched.put.wait(30)

            def refuse() -> None:
                raise RuntimeError("disk full")

            uow.session.commit = refuse  # type: ignore[method-assign]
            with pytest.raises(RuntimeError):
                uow.commit()  # took the batch, failed, put it back
        new, actors = recording.result(timeout=30)
    assert new == [10] and set(actors) == {701}
    assert _stored(services) == [10]



@pytest.mark.sqlite_only("the choreography needs SQLite's serial lock")
def test_an_update_that_cannot_be_read_fails_the_poll_loop_not_another_commit(services) -> None:
    watched = Watched(services)
    broken = {"update_id": 11, "message": {"message_id": 1, "date": 0, "from": {}}}
    ready = threading.Event()  # it failed at once, or its batch waits in the box
    with ThreadPoolExecutor(1) as pool:
        with services.uow() as uow:  # an update's transaction, holding the database
            recording = pool.submit(delivery.record_updates, services, [_update(12, 801), broken])
            recording.add_done_callback(lambda _f: ready.set())
            threading.Thread(target=lambda: watched.put.wait(30) and ready.set(),
                             daemon=True).start()
            assert ready.wait(30)
            uow.commit()  # takes nothing that could make it fail
        with pytest.raises(KeyError):
            recording.result(timeout=30)
    assert not watched.put.is_set() and services.rides.take() == []
    assert _stored(services) == []
