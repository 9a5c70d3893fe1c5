"""A client's reminder links, clicked in Chromium: the page the email's link
opens, and its button. werkzeug's test client sends no Origin header; a
browser does, and sends "null" under some referrer policies, which trytond
refuses: only a real browser shows the button works.

The links' tokens exist only in the email, so a helper run as a script
(python tests/test_browser_links.py CONFIG DATABASE APPOINTMENT) issues a
pair for a demo appointment, as the reminder job does, and prints them."""
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def issue(config, database, appointment_id):
    "{action: path} of a new confirm and cancel link of the appointment"
    from helpers import open_pool
    pool = open_pool(config, database)
    from trytond.transaction import Transaction
    with Transaction().start(database, 0):
        Appointment = pool.get('therapy.appointment')
        Token = pool.get('therapy.appointment.token')
        appointment = Appointment(appointment_id)
        urls = Token.issue(appointment, appointment.client, 'email',
            dt.datetime.now() + dt.timedelta(days=2))
    return {action: '/' + url.split('/', 3)[3] for action, url in urls.items()}


def issued_links(config, database, appointment_id):
    result = subprocess.run([sys.executable, __file__, str(config), database,
            str(appointment_id)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


if __name__ == '__main__':
    sys.path.insert(0, str(ROOT))
    print(json.dumps(issue(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
else:
    pytest.importorskip('playwright')
    from playwright.sync_api import expect
    from test_browser_billing import rpc

    def test_client_confirms_then_cancels_from_the_reminder(
            page, demo_server, demo_database, practice_config):
        # the last booked visit of the demo: no journey works on it
        appointment, = rpc(demo_server, demo_database, 'frontdesk',
            'model.therapy.appointment.search_read', [
                # a group session has attendees, not a client
                ('state', '=', 'scheduled'), ('client', '!=', None),
                ], 0, 1, [('start', 'DESC'), ('id', 'DESC')], ['id'])
        links = issued_links(practice_config, demo_database, appointment['id'])

        def state():
            record, = rpc(demo_server, demo_database, 'frontdesk',
                'model.therapy.appointment.read', [appointment['id']],
                ['state'])
            return record['state']

        page.goto(demo_server + links['confirm'])
        expect(page.get_by_role('heading')).to_have_text(
            "Confirm your appointment")
        assert state() == 'scheduled'  # opening the link changes nothing
        page.get_by_role('button', name="Confirm the appointment").click()
        expect(page.get_by_role('status')).to_have_text(
            "Thank you, your appointment is confirmed.")
        assert state() == 'confirmed'

        page.goto(demo_server + links['cancel'])
        page.get_by_role('button', name="Cancel the appointment").click()
        expect(page.get_by_role('status')).to_have_text(
            "Your appointment is cancelled. Call the practice to book "
            "another time.")
        assert state() == 'cancelled'
        # single use: the link is spent
        page.goto(demo_server + links['confirm'])
        expect(page.get_by_role('heading')).to_have_text(
            "Link no longer valid")
