"""The front desk's day, clicked through in Chromium as the `frontdesk`
login: the home board, a new client with insurance, the Day Sheet of a
chosen date, check-in with the copay collected, a late cancellation with
its fee and the waitlist's candidates, and a reschedule picked from the
free-time grid that lands on the new appointment.

Interactions are counted as a person makes them: each click, each field
typed into (the Tab after it is not counted) and each choice in a
drop-down is one."""
import base64
import datetime as dt
import json
import re
import shutil
import urllib.request
from zoneinfo import ZoneInfo

from helpers import ROOT, output_dir
from test_browser import (
    PASSWORD, TIMEOUT, failed, front_tab, list_rows, open_action,
    open_menu, page, page_errors, sao_login)

from playwright.sync_api import expect  # noqa: E402 (test_browser skips)

from caseload.demo_schedule import SOON_NOTE

__all__ = ['page']  # the fixture, imported for this module's tests

SCREENSHOTS = ROOT / 'docs' / 'screenshots'
VIEWPORT = {'width': 1280, 'height': 900}
NEW_YORK = ZoneInfo('America/New_York')


class Counter:
    "Interactions of one step of the journey"

    def __init__(self):
        self.steps = {}
        self.current = None

    def step(self, name):
        self.current = name
        self.steps[name] = 0

    def __call__(self, count=1):
        self.steps[self.current] += count


def rpc(url, database, login, method, *params):
    """JSON-RPC as login (to find the demo's soon session, never to act:
    every action of the journey is a click)"""
    def call(method, params, session=None):
        request = urllib.request.Request(f'{url}/{database}/',
            data=json.dumps({'id': 1, 'method': method,
                    'params': params}).encode(),
            headers={'Content-Type': 'application/json'})
        if session:
            request.add_header('Authorization', 'Session ' + session)
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
        if answer.get('error'):
            raise AssertionError(answer['error'])
        return answer['result']
    user_id, key = call('common.db.login',
        [login, {'password': PASSWORD}, 'en'])[:2]
    session = base64.b64encode(
        f'{login}:{user_id}:{key}'.encode()).decode()
    context = call('model.res.user.get_preferences', [True, {}], session)
    return call(method, [*params, context], session)


def dialog(page):
    "The wizard dialog in front"
    return page.locator('.modal-dialog:visible').last


def column(page, name):
    "Index of the list column headed name in the front tab"
    headers = [h.strip() for h in front_tab(page).locator(
            '.treeview thead th').all_inner_texts()]
    return headers.index(name)


def next_weekday(day):
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def type_date(field, date):
    "sao's date entry takes typed keys, not a pasted value"
    field.click()
    field.press('Control+a')
    field.press('Delete')
    field.press_sequentially(date.strftime('%m/%d/%Y'))
    field.press('Tab')


def set_day_sheet_date(page, date):
    type_date(front_tab(page).locator('input[name="date"]').first, date)


def save(page, name):
    "A screenshot for the test output and, for README, docs/screenshots"
    path = output_dir('front-desk') / name
    page.mouse.move(0, 0)
    page.screenshot(path=str(path))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENSHOTS / name)


def test_front_desk_day(page, demo_server, demo_database):
    shots = output_dir('front-desk')
    errors = page_errors(page)
    page.set_viewport_size(VIEWPORT)
    clicks = Counter()
    try:
        # --- home: today's arrivals, freed slots, offers ----------------
        sao_login(page, demo_server, demo_database, 'frontdesk')
        home = front_tab(page)
        for title in ["Today's Arrivals", "Freed Slots to Offer",
                "Waitlist Offers Awaiting an Answer"]:
            home.get_by_text(title, exact=True).wait_for(timeout=TIMEOUT)
        header = home.locator('.board-action').first.locator(
            '.treeview thead').first.inner_text()
        for name in ['Time', 'Client', 'Forms Due', 'Copay Due',
                'Balance Due', 'Eligibility']:
            assert name in header, header
        save(page, 'front-desk-home.png')

        # --- New Client with insurance ----------------------------------
        clicks.step('new client with insurance')
        open_menu(page, 'Caseload', 'New Client')
        clicks(2)
        form = dialog(page)
        # typing before the defaults arrive would be wiped by them
        expect(form.locator('input[name="city"]').first).to_have_value(
            "Brooklyn", timeout=TIMEOUT)
        for name, value in [('first_name', "Rosa"), ('last_name', "Delgado"),
                ('birth_date', dt.date(1991, 4, 12)),
                ('phone', '(718) 555-0177'),
                ('email', 'rosa.delgado@example.com')]:
            field = form.locator(f'input[name="{name}"]').first
            if isinstance(value, dt.date):
                type_date(field, value)
            else:
                field.fill(value)
                field.press('Tab')
            clicks()
        form.locator('select[name="payer"]').select_option(
            label="Harbor Health Plan")
        clicks()
        member = form.locator('input[name="member_id"]').first
        member.wait_for(timeout=TIMEOUT)
        member.fill('HHP-448812')
        member.press('Tab')
        clicks()
        save(page, 'front-desk-new-client.png')
        form.get_by_role('button', name='Create Client').click()
        clicks()
        client_form = front_tab(page)
        client_form.locator('input[name="party"]').first.wait_for(
            timeout=TIMEOUT)
        assert client_form.locator('input[name="party"]').first.input_value(
            ) == "Rosa Delgado"
        assert re.match(r'C\d+', client_form.locator(
                'input[name="number"]').first.input_value())
        assert clicks.steps['new client with insurance'] <= 10

        # --- Day Sheet of a chosen date: check in, collect the copay -----
        clicks.step('day sheet for a date')
        open_action(page, 'Caseload', 'Schedule', 'Day Sheet')
        clicks(2)  # Caseload stays open: Schedule, Day Sheet
        day = next_weekday(dt.datetime.now(NEW_YORK).date())
        set_day_sheet_date(page, day)
        clicks()
        rows = list_rows(page)
        rows.first.wait_for(timeout=TIMEOUT)
        copay = column(page, 'Copay Due')
        due = [row for row in rows.all()
            if row.locator('td').nth(copay).inner_text().strip() not in {
                '', '$0.00'}
            and row.get_by_role('button', name='Check In').count()]
        assert due, "no session with a copay due on " + str(day)
        row = due[0]
        client = row.locator('td').nth(column(page, 'Client')).inner_text(
            ).strip()
        amount = row.locator('td').nth(copay).inner_text().strip()
        check_in = row.get_by_role('button', name='Check In')
        box = check_in.bounding_box()
        assert box and box['x'] + box['width'] <= VIEWPORT['width']
        save(page, 'front-desk-day-sheet.png')

        clicks.step('check in and collect the copay')
        check_in.click()  # one click, though the row was not selected
        clicks()
        form = dialog(page)
        form.get_by_text('Copay Due').first.wait_for(timeout=TIMEOUT)
        assert form.locator('input[name="copay_due"]').first.input_value(
            ) == amount.replace('$', '').strip() or amount in form.inner_text()
        form.get_by_role('button', name='Check In', exact=True).click()
        clicks()
        row = list_rows(page).filter(has_text=client).first
        row.get_by_text('Arrived').wait_for(timeout=TIMEOUT)
        row.get_by_role('button', name='Collect Copay').click()
        clicks()
        form = dialog(page)
        method = form.locator('input[name="payment_method"]').first
        method.wait_for(timeout=TIMEOUT)
        method.fill('Cash')
        method.press('Tab')
        clicks()
        form.get_by_role('button', name='Collect').click()
        clicks()
        row = list_rows(page).filter(has_text=client).first
        row.locator('td').nth(copay).get_by_text('$0.00').wait_for(
            timeout=TIMEOUT)
        assert not row.get_by_role('button', name='Collect Copay').count()
        save(page, 'front-desk-checked-in.png')

        # --- a late cancellation: the fee, then the waitlist ------------
        clicks.step('late cancel')
        soon, = rpc(demo_server, demo_database, 'frontdesk',
            'model.therapy.appointment.search_read',
            [('notes', '=', SOON_NOTE)], 0, 1, None,
            ['local_date', 'client.rec_name', 'clock'])
        local_date = soon['local_date']  # JSON-RPC's date object
        set_day_sheet_date(page, dt.date(local_date['year'],
                local_date['month'], local_date['day']))
        clicks()
        row = list_rows(page).filter(has_text=soon['client.']['rec_name'])
        row.first.wait_for(timeout=TIMEOUT)
        row.first.locator('td').nth(column(page, 'Time')).dblclick()
        clicks()
        form = front_tab(page).locator('.form').first
        form.get_by_role('button', name='Cancel', exact=True).click()
        clicks()
        form = dialog(page)
        form.locator('select[name="reason"]').select_option(label="Illness")
        clicks()
        assert form.locator('input[name="fee"]').first.input_value() in {
            '50.00', '$50.00'}
        assert form.locator('input[name="late"]').first.is_checked()
        # the front desk may not waive the fee: the owner's right
        assert not form.locator('input[name="waive"]').first.is_visible()
        save(page, 'front-desk-late-cancel.png')
        form.get_by_role('button', name='Cancel Appointment').click()
        clicks()
        form = dialog(page)
        form.get_by_role('button', name='Send Offers').wait_for(
            timeout=TIMEOUT)
        candidates = form.locator('.treeview tbody tr')
        candidates.first.wait_for(timeout=TIMEOUT)
        assert candidates.count() >= 1
        save(page, 'front-desk-waitlist.png')
        form.get_by_role('button', name='Done').click()
        clicks()

        # --- reschedule from the free-time grid -------------------------
        clicks.step('reschedule')
        set_day_sheet_date(page, day)
        clicks()
        rows = list_rows(page)
        rows.first.wait_for(timeout=TIMEOUT)
        state = column(page, 'State')
        movable = [r for r in rows.all() if r.locator('td').nth(
                state).inner_text().strip() in {'Scheduled', 'Confirmed'}]
        movable[0].locator('td').nth(column(page, 'Time')).dblclick()
        clicks()
        form = front_tab(page).locator('.form').first
        old_time = form.locator('input[name="local_time"]').first
        old_time.wait_for(timeout=TIMEOUT)
        before = old_time.input_value()
        form.get_by_role('button', name='Reschedule').click()
        clicks()
        form = dialog(page)
        form.get_by_role('button', name='Find Times').click()
        clicks()
        grid = dialog(page).locator('.treeview tbody tr')
        grid.first.wait_for(timeout=TIMEOUT)
        days = grid.all_inner_texts()
        # no quarter-hour starts: the service's own length
        assert not any(re.search(r':(15|45) [AP]M', text) for text in days)
        save(page, 'front-desk-slot-grid.png')
        grid.first.locator('input[type="checkbox"]').first.click()
        clicks()
        dialog(page).get_by_role('button', name='Reschedule').click()
        clicks()
        # the new appointment is what the front desk lands on
        form = front_tab(page).locator('.form').first
        new_time = form.locator('input[name="local_time"]').first
        page.wait_for_function(
            '([el, before]) => el.value && el.value != before',
            arg=[new_time.element_handle(), before], timeout=TIMEOUT)
        assert form.locator('select[name="state"]').first.locator(
            'option:checked').inner_text() == 'Scheduled'
    except Exception as exc:
        failed(page, shots / 'front-desk-failure.png', errors, exc)
    finally:
        (shots / 'interactions.json').write_text(
            json.dumps(clicks.steps, indent=2))
    print(json.dumps(clicks.steps))
