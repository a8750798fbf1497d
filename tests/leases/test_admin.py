import pytest

from kiosco.leases import services
from tests.leases.conftest import new_seat_id


@pytest.mark.django_db
def test_it_shows_slots_and_events_read_only(admin_client) -> None:
    services.check_lease(new_seat_id(), 1, 2, "phone", 0, None)
    for page in ("/admin/leases/slot/", "/admin/leases/event/"):
        response = admin_client.get(page)
        assert response.status_code == 200
        assert b"phone" in response.content
        assert f"{page}add/".encode() not in response.content
