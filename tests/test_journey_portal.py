"""The client portal end to end in Chromium (issue 14), on a phone-sized
screen, then the back office.

The demo parent completes their child's intake packet (the questionnaire,
the consents not signed yet, a PHQ-9) and signs a telehealth consent, books a
free time with the child's clinician, cancels another session inside the
late window and is told the fee first, changes a member ID, pays part of
the balance through the Stripe stand-in and writes to the practice. The
demo's adult client answers a PHQ-9 with item 9 above zero and sees the
crisis lines at once. Then the front desk finds the booking, the coverage
change to review, the payment and the message; the clinician the risk
answer.

The practice's set-up for it (card payments on, a 14-day late window, the
packet given, a PHQ-9 for the adult) is made by this file run as a
script against the demo database, and the late window restored after."""
import json
import re
import subprocess
import sys

import pytest

from helpers import ROOT, rpc_login

WINDOW_DAYS = 14
FEE = '40.00'
MEMBER_ID = 'JRN0042'
MESSAGE = "Journey test: can we move to Thursdays?"


def prepare(config, database):
    """The set-up the journey needs; returns what the browser looks for
    (names) and what restore() puts back"""
    import datetime as dt
    from decimal import Decimal

    from helpers import open_pool
    pool = open_pool(config, database)
    from trytond.transaction import Transaction
    from caseload.demo.schedule import SERVICE_BY_DISCIPLINE
    from therapy_portal.tests.test_billing import committed
    from test_browser_portal_payment import card_journal_once
    found = {}

    def setup():
        Configuration = pool.get('therapy.configuration')
        WebUser = pool.get('web.user')
        Client = pool.get('therapy.client')
        Service = pool.get('therapy.service')
        Coverage = pool.get('therapy.coverage')
        Payer = pool.get('therapy.payer')
        Template = pool.get('therapy.form.template')
        Response = pool.get('therapy.form.response')
        company, = pool.get('company.company').search([])
        with Transaction().set_context(company=company.id,
                _skip_warnings=True):
            card_journal_once(pool, company)
            settings = Configuration(1)
            window = settings.cancellation_window
            found['window'] = window.total_seconds() if window else 0
            found['fee'] = str(settings.late_cancel_fee or 0)
            Configuration.write([settings], {
                    'cancellation_window': dt.timedelta(days=WINDOW_DAYS),
                    'late_cancel_fee': Decimal(FEE)})
            parent, = WebUser.search([
                    ('email', '=', 'parent@harborview.example')])
            child = Client.for_portal_party(parent.party)[0]
            Client.give_intake_packet([child], notify=False)
            # a consent to sign (the demo's packet consents may be signed)
            consent, = Template.search([('code', '=', 'telehealth_consent')])
            Response.create([{'company': company.id, 'client': child.id,
                        'template': consent.id}])
            discipline = child.primary_clinician.discipline
            service, = Service.search([
                    ('code', '=', SERVICE_BY_DISCIPLINE[discipline][-1])])
            Service.write([service], {'portal_booking': 'instant'})
            if not [c for c in Coverage.search([('client', '=', child.id)])
                    if not c.payer.self_pay]:
                payer = [p for p in Payer.search([]) if not p.self_pay][0]
                Coverage.create([{'client': child.id, 'payer': payer.id,
                            'member_id': 'W0000001', 'relationship': '19',
                            'priority': '1',
                            'start_date': pool.get('ir.date').today()}])
            adult, = WebUser.search([
                    ('email', '=', 'client@harborview.example')])
            client, = Client.search([('party', '=', adult.party.id)])
            phq9, = Template.search([('code', '=', 'phq9')])
            Response.create([{'company': company.id, 'client': client.id,
                        'template': phq9.id}])
            clinicians = pool.get('res.user').search([('employees', 'in',
                        [client.primary_clinician.id])])
            found.update(child=child.preferred_name or child.party.name,
                child_id=child.id, service=service.name,
                adult_id=client.id, clinician=clinicians[0].login)
    with Transaction().start(database, 0):
        committed(setup)
    return found


def restore(config, database, window, fee):
    "The demo's late window and fee again"
    import datetime as dt
    from decimal import Decimal

    from helpers import open_pool
    pool = open_pool(config, database)
    from trytond.transaction import Transaction
    from therapy_portal.tests.test_billing import committed

    def write():
        Configuration = pool.get('therapy.configuration')
        Configuration.write([Configuration(1)], {
                'cancellation_window': (
                    dt.timedelta(seconds=window) if window else None),
                'late_cancel_fee': Decimal(fee)})
    with Transaction().start(database, 0):
        committed(write)


if __name__ == '__main__':
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / 'tests'))
    if sys.argv[3] == 'prepare':
        print(json.dumps(prepare(sys.argv[1], sys.argv[2])))
    else:
        restore(sys.argv[1], sys.argv[2], float(sys.argv[4]), sys.argv[5])
else:
    pytest.importorskip('playwright')
    from playwright.sync_api import expect
    from test_browser import PASSWORD, TIMEOUT, sao_login
    from test_browser_portal_payment import card_paid, stand_in_stripe_js


def script(config, database, *args):
    result = subprocess.run([sys.executable, __file__, str(config),
            database, *map(str, args)], capture_output=True, text=True,
        cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1]) if args == (
        'prepare',) else None


# answers to the required questions, by the words of their text
ANSWERS = [('street', "12 Harbor Street"), ('city', "Brooklyn"),
    ('zip', "11201"), ('emergency contact phone', "718-555-0143"),
    ('phone', "718-555-0142"), ('emergency contact name', "Sam Padilla"),
    ('what brings you in', "Speech is hard to follow at school."),
    ('state you will usually be located in', "New York")]


def fill_form(page, item9=None):
    """Answer the form on the page as a parent would: every choice (Yes
    where offered, else the first, PHQ-9's 'Not at all'), the required
    text, the signature; submitted"""
    for index, fieldset in enumerate(page.locator('fieldset.question').all()):
        options = fieldset.locator('label.option')
        if item9 is not None and index == 8:
            options.nth(item9).locator('input').check()
        elif options.filter(has_text='Yes').count():
            options.filter(has_text='Yes').first.locator('input').check()
        else:
            options.first.locator('input').check()
    for label in page.locator('label.question').all():
        text = label.inner_text().lower()
        if '(required)' not in text:
            continue
        value = next(v for k, v in ANSWERS if k in text)
        label.locator('input, textarea').first.fill(value)
    if page.locator('input[name=signer_name]').count():
        page.fill('input[name=signer_name]', "Nancy Padilla")
        page.check('input[name=consent]')
    page.locator('form button[type=submit]:not([name])').click()
    expect(page.get_by_text('Completed on')).to_be_visible(timeout=TIMEOUT)


def portal_login(page, portal, email):
    page.goto(f'{portal}/')
    page.fill('input[name=email]', email)
    page.fill('input[name=password]', PASSWORD)
    page.click('button[type=submit]')
    page.get_by_role('heading', name='Welcome').wait_for(timeout=TIMEOUT)


def test_portal_journey(page, demo_server, demo_database, practice_config,
        stripe_standin):
    found = script(practice_config, demo_database, 'prepare')
    try:
        journey(page, demo_server, demo_database, stripe_standin, found)
    finally:
        script(practice_config, demo_database, 'restore', found['window'],
            found['fee'])


def journey(page, demo_server, demo_database, stripe_standin, found):
    portal = f'{demo_server}/{demo_database}/portal'
    desk, _ = rpc_login(demo_server, demo_database, 'frontdesk', PASSWORD)
    child_visits = [('client', '=', found['child_id'])]
    before = set(desk('model.therapy.appointment.search', child_visits,
            0, None, None))
    stand_in_stripe_js(page, stripe_standin)
    page.set_viewport_size({'width': 390, 'height': 844})
    portal_login(page, portal, 'parent@harborview.example')

    # the intake packet, form after form
    done = []
    forms = page.locator('.forms a')
    while forms.count():
        done.append(forms.first.inner_text())
        with page.expect_navigation(timeout=TIMEOUT):
            forms.first.click()
        fill_form(page)
        # the home page's list is read once it has loaded: counted while
        # the link was still navigating, it is empty
        with page.expect_navigation(timeout=TIMEOUT):
            page.click('text=Back to your care')
        page.get_by_role('heading', name='Welcome').wait_for(timeout=TIMEOUT)
    assert {"Client intake questionnaire",
        "Telehealth informed consent"} <= set(done), done

    # a free time booked; another session cancelled inside the window
    page.get_by_role('link', name='Appointments').click()
    cancel = page.locator('.visit a', has_text='Cancel').first
    cancel.wait_for(timeout=TIMEOUT)
    cancel_url = cancel.get_attribute('href')
    page.get_by_role('link', name='Book an appointment').click()
    if page.locator('select[name=client]').count():
        page.select_option('select[name=client]', label=found['child'])
        page.locator('form[method=get] button[type=submit]').click()
    page.select_option('select[name=service]', label=found['service'])
    page.get_by_role('button', name='Show free times').click()
    slot = page.locator('input[name=slot]').first
    slot.wait_for(timeout=TIMEOUT)
    slot.check()
    page.get_by_role('button', name='Book this time').click()
    expect(page.locator('.notice')).to_be_visible(timeout=TIMEOUT)
    page.goto(f'{demo_server}{cancel_url}')
    expect(page.locator('body')).to_contain_text(f'${FEE}')
    page.get_by_role('button', name='Cancel and accept the fee').click()
    expect(page.locator('.notice')).to_contain_text('cancelled',
        timeout=TIMEOUT)

    # a new member ID
    page.click('text=Back to your care')
    page.get_by_role('link', name='My information').click()
    member = page.locator('input[name^=member_id_]').first
    member.wait_for(timeout=TIMEOUT)
    member.fill(MEMBER_ID)
    member.locator('xpath=ancestor::form').get_by_role(
        'button', name='Save changes').click()
    expect(page.locator('.notice')).to_contain_text('saved', timeout=TIMEOUT)

    # $5.00 paid by card
    page.click('text=Back to your care')
    page.get_by_role('link', name='Billing').first.click()
    pay = page.locator('form[action$="/billing/pay"]').first
    pay.locator('input[name=amount]').fill('5.00')
    pay.get_by_role('button', name='Pay by card').click()
    card_paid(page, f'{demo_server}/{demo_database}', stripe_standin, 500)

    # a message to the practice
    page.goto(f'{portal}/messages')
    page.fill('input[name=subject]', "Schedule")
    page.fill('textarea[name=body]', MESSAGE)
    page.get_by_role('button', name='Send securely').click()
    expect(page.locator('body')).to_contain_text(MESSAGE, timeout=TIMEOUT)
    page.goto(f'{portal}/')
    page.click('text=Log out')

    # the adult client: PHQ-9 item 9 "Several days", the crisis lines
    portal_login(page, portal, 'client@harborview.example')
    page.locator('.forms a', has_text='PHQ-9').first.click()
    fill_form(page, item9=1)
    crisis = page.locator('.crisis')
    expect(crisis).to_contain_text('988')
    expect(crisis).to_contain_text('911')
    page.click('text=Back to your care')
    page.click('text=Log out')

    # the back office sees it all
    booked, = set(desk('model.therapy.appointment.search', child_visits,
            0, None, None)) - before
    cancelled = int(re.search(r'/appointments/(\d+)/cancel$',
            cancel_url).group(1))
    visits = {v['id']: v for v in desk('model.therapy.appointment.read',
            [booked, cancelled], ['state', 'late_cancellation'])}
    assert visits[booked]['state'] == 'scheduled', visits
    assert visits[cancelled]['state'] == 'cancelled', visits
    assert visits[cancelled]['late_cancellation'], visits
    changes = desk('model.therapy.portal.change.search_read', [
            ('state', '=', 'pending')], 0, None, None, ['summary'])
    assert [c for c in changes if MEMBER_ID in c['summary']], changes
    threads = desk('model.therapy.portal.thread.search_read', [
            ('unread_by_practice', '=', True)], 0, None, None, ['id'])
    assert threads, threads
    admin, _ = rpc_login(demo_server, demo_database, 'admin', PASSWORD)
    payments = admin('model.account.payment.search_read', [
            ('state', '=', 'succeeded'), ('amount', '=', '5.00')],
        0, None, None, ['clearing_move'])
    assert payments and payments[-1]['clearing_move'], payments
    clinician, _ = rpc_login(demo_server, demo_database, found['clinician'],
        PASSWORD)
    risks = clinician('model.therapy.form.response.search_read', [
            ('risk_flag', '=', True), ('risk_reviewed_at', '=', None),
            ('client', '=', found['adult_id'])], 0, None, None, ['id'])
    assert risks, "the adult's clinician has no risk answer to review"
    page.set_viewport_size({'width': 1600, 'height': 1200})
    sao_login(page, demo_server, demo_database, 'frontdesk')
    for title in ["Client Updates to Review",
            "Messages Waiting for the Practice"]:
        expect(page.get_by_text(title).first).to_be_visible(timeout=TIMEOUT)
