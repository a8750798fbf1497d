"""Two people racing for the last seat, each on their own database connection."""

import threading

import pytest
from django.db import connection, connections, transaction

from kiosco.subscriptions.models import Organisation, Seat
from kiosco.subscriptions.services import seats
from kiosco.subscriptions.services.seats import SeatRefused
from tests.support.personas import make_reader, personas


def _race(target, contenders):
    barrier = threading.Barrier(len(contenders))
    results: dict[str, str] = {}

    def run(reader):
        try:
            barrier.wait()
            target(reader)
            results[reader.email] = "seated"
        except SeatRefused as refused:
            results[reader.email] = refused.code
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(reader,)) for reader in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_racers_take_the_last_seat():
    people = personas()
    acme = people.acme.subscription
    for n in range(3):  # seats 2-4 taken; seat 5 is the last
        seats.take_seat(acme, make_reader(f"member{n}@acme.example", None))
    Organisation.objects.filter(pk=people.acme.pk).update(
        domain="acme.example", domain_join_enabled=True, domain_verified_at="2026-01-01T00:00Z"
    )
    organisation = Organisation.objects.get(pk=people.acme.pk)

    for round_ in range(3):  # a fresh last seat each round
        if round_:
            Seat.objects.create(subscription=acme, number=5 + round_)
        racers = [make_reader(f"racer{round_}{n}@acme.example", None) for n in range(2)]
        results = _race(lambda reader: seats.join_by_domain(organisation, reader), racers)

        assert sorted(results.values()) == ["no_seats_left", "seated"], (connection.vendor, results)
        assert not Seat.objects.filter(subscription=acme, holder__isnull=True).exists()
        assert Seat.objects.filter(holder__in=racers).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_never_seats_one_reader_twice_when_they_race_two_invitations():
    people = personas()
    Seat.objects.filter(holder=people.carol).update(holder=None)
    erin = make_reader("erin@example.com", None)
    subscriptions = [people.acme.subscription, people.bob.owned_subscriptions.get()]

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(subscription):
        try:
            barrier.wait()
            seats.take_seat(subscription, erin)
            outcomes.append("seated")
        except SeatRefused as refused:
            outcomes.append(refused.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(s,)) for s in subscriptions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["already_seated", "seated"]
    assert Seat.objects.filter(holder=erin).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_holds_the_last_seat_by_compare_and_set_alone():
    """Without the subscription row lock, the per-seat compare-and-set still lets only
    one racer in (the lock is a second line, not the only one)."""
    people = personas()
    acme = people.acme.subscription
    for n in range(3):
        seats.take_seat(acme, make_reader(f"member{n}@acme.example", None))
    racers = [make_reader(f"racer{n}@acme.example", None) for n in range(2)]

    def take_without_lock(reader):
        with transaction.atomic():
            seats.take_seat(acme, reader)

    results = _race(take_without_lock, racers)
    assert sorted(results.values()) == ["no_seats_left", "seated"], (connection.vendor, results)
    assert Seat.objects.filter(holder__in=racers).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_never_closes_the_seat_of_a_member_seated_while_the_admin_reduces_seats(
    on_postgres,
):
    """dave cuts acme to one seat (his) while erin accepts her invitation. The cut used
    to count the taken seats before locking the subscription: erin, seated in between,
    lost the seat she had just taken. The barrier is the database's own word that the
    cut is waiting for the subscription's row lock, which the test holds while erin
    takes her seat — wherever the cut counts, it is waiting there."""
    if not on_postgres:
        pytest.skip("a row lock another connection waits on: PostgreSQL's (SQLite has one writer)")
    from kiosco.subscriptions.services import lifecycle, subscribe
    from tests.leases.test_under_traffic import wait_until_blocked

    people = personas()
    acme = people.acme.subscription
    erin = make_reader("erin@acme.example", None)
    cut: dict[str, object] = {}
    connected = threading.Event()

    def reduce_to_one_seat():
        try:
            connection.ensure_connection()
            cut["pid"] = connection.connection.info.backend_pid
            connected.set()
            subscribe.contract_seats(Organisation.objects.get(pk=people.acme.pk), 1)
            cut["outcome"] = "reduced"
        except SeatRefused as refused:
            cut["outcome"] = refused.code
        finally:
            connections.close_all()

    admin = threading.Thread(target=reduce_to_one_seat)
    with transaction.atomic():
        lifecycle.lock(acme)  # erin's acceptance holds the subscription
        admin.start()
        assert connected.wait(30), cut
        wait_until_blocked(int(str(cut["pid"])))
        seats.take_seat(lifecycle.lock(acme), erin)
    admin.join(30)

    assert cut["outcome"] == "seats_below_taken"
    assert Seat.objects.filter(subscription=acme, holder=erin).exists()


@pytest.mark.django_db(transaction=True)
def test_two_admins_deleting_their_accounts_at_once_leave_one_to_run_the_organisation(
    on_postgres,
):
    """dave and zoe administer acme, whose subscription runs. Each may leave while the
    other stays; both at once, each counted the other and acme was left with nobody.
    The barrier: zoe's deletion waits for the organisation row dave's holds."""
    if not on_postgres:
        pytest.skip("a row lock another connection waits on: PostgreSQL's (SQLite has one writer)")
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    from kiosco.readers.services import ReaderNotDeletable, delete_reader
    from tests.leases.test_under_traffic import wait_until_blocked

    def deletion_of(reader):
        request = RequestFactory().post("/account/delete/")
        request.session = SessionStore()
        request.user = reader
        return request

    people = personas()
    zoe = make_reader("zoe@acme.example", None)
    people.acme.admins.add(zoe)
    second: dict[str, object] = {}
    connected = threading.Event()

    def zoe_leaves():
        try:
            connection.ensure_connection()
            second["pid"] = connection.connection.info.backend_pid
            connected.set()
            delete_reader(deletion_of(zoe), zoe)
            second["outcome"] = "deleted"
        except ReaderNotDeletable:
            second["outcome"] = "refused"
        finally:
            connections.close_all()

    zoes = threading.Thread(target=zoe_leaves)
    with transaction.atomic():
        delete_reader(deletion_of(people.dave), people.dave)  # not committed yet
        zoes.start()
        assert connected.wait(30), second
        wait_until_blocked(int(str(second["pid"])))
    zoes.join(30)

    assert second["outcome"] == "refused"
    assert list(Organisation.objects.get(pk=people.acme.pk).admins.all()) == [zoe]
