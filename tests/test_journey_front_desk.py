"""The front desk's day, clicked through in Chromium as the `frontdesk`
login: the home board, a new client with insurance, the Day Sheet of a
chosen date, check-in with the copay collected, a late cancellation with
its fee and the waitlist's candidates, and a reschedule picked from the
free-time grid that lands on the new appointment.

Interactions are counted as a person makes them: each click, each field
typed into (the Tab after it is not counted) and each choice in a
drop-down is one."""
import datetime as dt
import json
import re
import shutil
from zoneinfo import ZoneInfo

from helpers import ROOT, output_dir, rpc_login
from test_browser import (
    PASSWORD, TIMEOUT, front_tab, list_rows, open_action, open_menu, sao_login,
    press, settled)

from playwright.sync_api import expect  # noqa: E402 (test_browser skips)

from caseload.demo.schedule import SOON_NOTE


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
    call, _ = rpc_login(url, database, login, PASSWORD)
    return call(method, *params)


def dialog(page):
    "The wizard dialog in front"
    return page.locator('.modal-dialog:visible').last


def column(page, name, within=None):
    "Index of the list column headed name in the front tab (or within)"
    within = within or front_tab(page)
    headers = [h.strip() for h in within.locator(
            '.treeview thead th').all_inner_texts()]
    return headers.index(name)


def record_form(page):
    "The record's form in the front tab (not the Day Sheet's date form)"
    return front_tab(page).locator('.form:visible').filter(
        has=page.locator('input[name="local_time"]')).first


def money(text):
    "'$ 25.00' as sao's amount entry shows it: 25.00"
    return text.replace('$', '').strip()


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
    """Type the date above the Day Sheet; Enter searches (the date is in
    the list's filter box)"""
    settled(page)  # the list puts the cursor in its search box once loaded
    field = front_tab(page).locator('input[name="date"]').first
    field.click()
    field.press('Control+a')
    field.press('Delete')
    field.press_sequentially(date.strftime('%m/%d/%Y'))
    with page.expect_response(lambda response: b'therapy.appointment.read'
            in (response.request.post_data_buffer or b''),
            timeout=TIMEOUT):
        field.press('Enter')
    settled(page)


def save(page, name, readme=False):
    """A screenshot for the test output and, for README's telling ones,
    docs/screenshots"""
    path = output_dir('front-desk') / name
    page.mouse.move(0, 0)
    page.screenshot(path=str(path))
    if readme:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SCREENSHOTS / name)


def test_front_desk_day(page, demo_server, demo_database):
    shots = output_dir('front-desk')
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
        save(page, 'front-desk-home.png', readme=True)

        # --- New Client with insurance ----------------------------------
        clicks.step('new client with insurance')
        open_menu(page, 'Caseload', 'New Client')
        clicks(2)
        form = dialog(page)
        expect(form.locator('input[name="city"]').first).to_have_value(
            "Brooklyn", timeout=TIMEOUT)
        settled(page)
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
        expect(form.locator('input[name="first_name"]').first
            ).to_have_value("Rosa")
        save(page, 'front-desk-new-client.png', readme=True)
        press(page, form.get_by_role('button', name='Create Client'))
        clicks()
        # the new client's form: the one party, its number, its contacts
        client_form = front_tab(page)
        expect(client_form.locator('input[name="number"]').first
            ).to_have_value(re.compile(r'^C\d+$'), timeout=TIMEOUT)
        expect(client_form.locator('input[name="party"]').first
            ).to_have_value("Rosa Delgado")
        expect(client_form.locator('input[name="email"]').first
            ).to_have_value('rosa.delgado@example.com')
        # phone and email are editable by the front desk (they write the
        # party's contact mechanisms)
        assert client_form.locator('input[name="email"]').first.is_editable()
        assert clicks.steps['new client with insurance'] <= 10

        # --- Day Sheet of a chosen date: check in, collect the copay -----
        clicks.step('day sheet for a date')
        open_action(page, 'Caseload', 'Schedule', 'Day Sheet')
        clicks(2)  # Caseload stays open: Schedule, Day Sheet
        day = dt.datetime.now(NEW_YORK).date()
        for _ in range(5):  # the next weekday with a copay due
            day = next_weekday(day)
            set_day_sheet_date(page, day)
            clicks()
            rows = list_rows(page)
            rows.first.wait_for(timeout=TIMEOUT)
            copay = column(page, 'Copay Due')
            name = column(page, 'Client')
            # the rows as one snapshot: [client, copay due, can check in]
            shown = rows.evaluate_all(
                """(rows, [copay, name]) => rows.filter(
                    row => row.cells.length > Math.max(copay, name)
                ).map(row => [
                    row.cells[name].innerText.trim(),
                    row.cells[copay].innerText,
                    [...row.querySelectorAll('button')].some(
                        b => b.offsetParent
                        && b.innerText.trim().toUpperCase() == 'CHECK IN')])""",
                [copay, name])
            due = [client for client, amount, can in shown
                if can and money(amount) not in {'', '0.00'}]
            if due:
                break
        assert due, "no session with a copay due to check in"
        client = due[0]
        row = list_rows(page).filter(has_text=client).first
        amount = row.locator('td').nth(copay).inner_text().strip()
        check_in = row.get_by_role('button', name='Check In')
        box = check_in.bounding_box()
        assert box and box['x'] + box['width'] <= VIEWPORT['width']
        save(page, 'front-desk-day-sheet.png', readme=True)

        clicks.step('check in and collect the copay')
        press(page, check_in)  # one click, though the row was not selected
        clicks()
        form = dialog(page)
        # the dialog shows what is due (and is ready once it does)
        expect(form.locator('input[name="copay_due"]').first).to_have_value(
            money(amount), timeout=TIMEOUT)
        expect(form.locator('input[name="balance_due"]').first
            ).not_to_have_value('', timeout=TIMEOUT)
        press(page, form.get_by_role('button', name='Check In',
            exact=True))
        clicks()
        row = list_rows(page).filter(has_text=client).first
        row.get_by_text('Arrived').wait_for(timeout=TIMEOUT)
        # Collect Copay, clicked on the row as the front desk
        press(page, row.get_by_role('button', name='Collect Copay'))
        clicks()
        form = dialog(page)
        expect(form.locator('input[name="amount"]').first).to_have_value(
            money(amount), timeout=TIMEOUT)
        settled(page)
        method = form.locator('input[name="payment_method"]').first
        method.click()
        method.press_sequentially('Cas')
        clicks()
        form.locator('.dropdown-completion li.completion').filter(
            has_text='Cash').first.click()
        clicks()
        expect(method).to_have_value('Cash', timeout=TIMEOUT)
        press(page, form.get_by_role('button', name='Collect', exact=True))
        clicks()
        row = list_rows(page).filter(has_text=client).first
        expect(row.locator('td').nth(copay)).to_contain_text(
            '0.00', timeout=TIMEOUT)
        expect(row.get_by_role('button', name='Collect Copay')).to_have_count(
            0, timeout=TIMEOUT)
        save(page, 'front-desk-checked-in.png')

        # --- a late cancellation: the fee, then the waitlist ------------
        clicks.step('late cancel')
        soon, = rpc(demo_server, demo_database, 'frontdesk',
            'model.therapy.appointment.search_read',
            [('notes', '=', SOON_NOTE),
                ('state', 'in', ['scheduled', 'confirmed'])], 0, 1, None,
            ['local_date', 'client.rec_name', 'clock'])
        local_date = soon['local_date']  # JSON-RPC's date object
        set_day_sheet_date(page, dt.date(local_date['year'],
                local_date['month'], local_date['day']))
        clicks()
        # by its time too: the client may have an earlier session that day,
        # and one starting now frees a slot no waitlist can take (seen when
        # the suite ran at the hour of that earlier session)
        row = list_rows(page).filter(
            has_text=soon['client.']['rec_name']).filter(
            has_text=soon['clock']).filter(
            has_text=re.compile('Scheduled|Confirmed'))
        row.first.wait_for(timeout=TIMEOUT)
        press(page, row.first.locator('td').nth(column(page, 'Time')),
            double=True)
        clicks()
        form = record_form(page)
        expect(form.locator('input[name="local_time"]').first
            ).not_to_have_value('', timeout=TIMEOUT)
        press(page, form.get_by_role('button', name='Cancel', exact=True))
        clicks()
        form = dialog(page)
        # the fee that will be charged, before anything is charged
        expect(form.locator('input[name="fee"]').first).to_have_value(
            '50.00', timeout=TIMEOUT)
        assert form.locator('input[name="late"]').first.is_checked()
        # the front desk may not waive the fee: the owner's right
        assert not form.locator('input[name="waive"]').first.is_visible()
        form.locator('select[name="reason"]').select_option(label="Illness")
        clicks()
        save(page, 'front-desk-late-cancel.png')
        press(page, form.get_by_role('button', name='Cancel Appointment'))
        clicks()
        # the freed slot's waitlist candidates, right there
        form = dialog(page)
        candidates = form.locator('.treeview tbody tr')
        candidates.first.wait_for(timeout=TIMEOUT)
        assert form.get_by_role('button', name='Send Offers').is_visible()
        save(page, 'front-desk-waitlist.png')
        press(page, form.get_by_role('button', name='Done'))
        clicks()
        expect(record_form(page).locator('select[name="state"]').first
            .locator('option:checked')).to_have_text(
                'Cancelled', timeout=TIMEOUT)

        # --- reschedule from the free-time grid -------------------------
        clicks.step('reschedule')
        open_action(page, 'Caseload', 'Schedule', 'Appointments')
        clicks()  # the menu is open: Appointments (its Upcoming tab)
        rows = list_rows(page)
        rows.first.wait_for(timeout=TIMEOUT)
        settled(page)
        state, name = column(page, 'State'), column(page, 'Client')
        shown = rows.evaluate_all(
            """(rows, [state, name]) => rows.filter(
                row => row.cells.length > Math.max(state, name)
            ).map(row => [row.cells[name].innerText.trim(),
                row.cells[state].innerText.trim()])""", [state, name])
        client = next(client for client, now in shown
            if now in {'Scheduled', 'Confirmed'})
        press(page, rows.filter(has_text=client).filter(
            has_text=re.compile('Scheduled|Confirmed')).first.locator(
            'td').nth(column(page, 'Date')), double=True)
        clicks()
        form = record_form(page)
        old_time = form.locator('input[name="local_time"]').first
        expect(old_time).not_to_have_value('', timeout=TIMEOUT)
        before = old_time.input_value()
        press(page, form.get_by_role('button', name='Reschedule'))
        clicks()
        form = dialog(page)
        expect(form.locator('input[name="date_from"]').first
            ).not_to_have_value('', timeout=TIMEOUT)
        press(page, form.get_by_role('button', name='Find Times'))
        clicks()
        form = dialog(page)
        grid = form.locator('.treeview tbody tr')
        grid.first.wait_for(timeout=TIMEOUT)
        times = grid.all_inner_texts()
        # on the service's own length: no quarter-hour starts
        assert not any(re.search(r':(15|45) [AP]M', text) for text in times)
        save(page, 'front-desk-slot-grid.png', readme=True)
        choose = column(page, 'Choose', within=form)
        grid.first.locator('td').nth(choose).locator(
            'input[type="checkbox"]').click()
        clicks()
        press(page, form.get_by_role('button', name='Reschedule'))
        clicks()
        # the front desk lands on the new appointment, in its own tab
        form = record_form(page)
        new_time = form.locator('input[name="local_time"]').first
        expect(new_time).not_to_have_value(before, timeout=TIMEOUT)
        expect(form.locator('select[name="state"]').first.locator(
                'option:checked')).to_have_text('Scheduled')
        expect(form.get_by_role('tab', name='Rescheduled From')
            ).to_be_visible()
        save(page, 'front-desk-rescheduled.png')
    finally:
        (shots / 'interactions.json').write_text(
            json.dumps(clicks.steps, indent=2))
    print(json.dumps(clicks.steps))
