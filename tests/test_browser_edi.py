"""The biller sends the ready claims from the clearinghouse, in Chromium:
one 837P file, valid under pyx12, its claims submitted; and prints a
claim's CMS-1500 from its Print menu. The front desk checks eligibility
for the next day with sessions: one 270 per payer in the outbound folder;
the demo's 271 answers show on the appointments. An 835 from a payer the
practice does not know yet is refused on Import Answers; once the biller
adds the payer's ID, Retry reads it."""
import datetime as dt
import os
import re
import time
from decimal import Decimal

import pytest

from helpers import output_dir

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    TIMEOUT, choose_tab, front_tab, list_rows, open_action, open_menu,
    sao_login, press, settled)
from test_browser_billing import dialog, print_report, rpc  # noqa: E402

from therapy_edi.x12 import (  # noqa: E402
    ClaimPayment, Entity, Envelope, Remittance, summary, validate, write_835)


def test_biller_sends_the_ready_claims(page, demo_server, demo_database):
    shots = output_dir('browser')
    page.set_viewport_size({'width': 1600, 'height': 1000})
    ready = rpc(demo_server, demo_database, 'biller',
        'model.therapy.claim.search', [
            ('state', '=', 'ready'),
            ('coverage.payer.clearinghouse.name', '=', 'Availity'),
            ], 0, None, None)
    assert ready, "the demo has no ready claim to send"
    sao_login(page, demo_server, demo_database, 'biller')
    open_action(page, 'Caseload', 'Billing', 'Clearinghouses')
    rows = list_rows(page)
    rows.first.wait_for(timeout=TIMEOUT)
    rows.filter(has_text='Availity').first.get_by_text(
        'Availity', exact=True).first.dblclick()
    form = front_tab(page).locator('.form').first
    send = form.get_by_role('button', name='Send Claims')
    send.wait_for(timeout=TIMEOUT)
    press(page, send)
    press(page, dialog(page).get_by_role('button', name=re.compile(r'^OK$')))
    settled(page)

    open_action(page, 'Caseload', 'Billing', 'EDI Files')
    released = list_rows(page).filter(has_text='Released')
    expect(released.first).to_be_visible(timeout=TIMEOUT)
    page.mouse.move(0, 0)
    page.screenshot(path=str(shots / 'sao-edi-files.png'))

    sent, = rpc(demo_server, demo_database, 'biller',
        'model.therapy.edi.file.search_read', [
            ('direction', '=', 'out'),
            ('kind', '=', '837P'),
            ], 0, None, None, ['state', 'path', 'claims', 'file_log'])
    assert sent['state'] == 'released', sent['file_log']
    assert sorted(sent['claims']) == sorted(ready)
    assert validate(sent['path']) == (True, [])
    states = rpc(demo_server, demo_database, 'biller',
        'model.therapy.claim.read', ready, ['state'])
    assert {s['state'] for s in states} == {'submitted'}


def test_biller_prints_a_cms1500(page, demo_server, demo_database):
    "Print > CMS-1500 on a claim gives the form with the claim's data"
    from pypdf import PdfReader
    shots = output_dir('browser')
    page.set_viewport_size({'width': 1600, 'height': 1000})
    claims = rpc(demo_server, demo_database, 'biller',
        'model.therapy.claim.search_read', [
            ('state', 'in', ['ready', 'submitted']),
            ('coverage.payer.clearinghouse', '!=', None),
            ], 0, 1, [('id', 'ASC')], ['number', 'coverage'])
    assert claims, "the demo has no claim ready or sent to a clearinghouse"
    claim, = claims
    coverage, = rpc(demo_server, demo_database, 'biller',
        'model.therapy.coverage.read', [claim['coverage']], ['member_id'])
    sao_login(page, demo_server, demo_database, 'biller')
    page.goto(f'{demo_server}/#{demo_database}'
        f'/model/therapy.claim/{claim["id"]}')
    front_tab(page).locator('.form').first.wait_for(timeout=TIMEOUT)
    settled(page)
    download = print_report(page, re.compile(r'^CMS-1500$'))
    assert download.suggested_filename.startswith(
        f'CMS-1500-{claim["number"]}')
    path = shots / 'cms1500-demo.pdf'
    download.save_as(str(path))
    text = PdfReader(str(path)).pages[0].extract_text()
    for expected in ["HEALTH INSURANCE CLAIM FORM", claim['number'],
            coverage['member_id']]:
        assert expected in text


def open_availity(page):
    "The demo's clearinghouse's form, from Billing > Clearinghouses"
    open_action(page, 'Caseload', 'Billing', 'Clearinghouses')
    rows = list_rows(page)
    rows.first.wait_for(timeout=TIMEOUT)
    press(page, rows.filter(has_text='Availity').first.get_by_text(
            'Availity', exact=True).first, double=True)
    return front_tab(page).locator('.form').first


def next_day_with_sessions(demo_server, demo_database):
    "Tomorrow, or the first day after it with insured sessions booked"
    day = dt.date.today() + dt.timedelta(days=1)
    for _ in range(14):
        if rpc(demo_server, demo_database, 'frontdesk',
                'model.therapy.appointment.search', [
                    ('local_date', '=', {'__class__': 'date',
                            'year': day.year, 'month': day.month,
                            'day': day.day}),
                    ('client', '!=', None),
                    ('state', 'in', ['scheduled', 'confirmed']),
                    ], 0, 1, None):
            return day
        day += dt.timedelta(days=1)
    raise AssertionError("the demo books no session in the next two weeks")


def test_front_desk_checks_eligibility(page, demo_server, demo_database):
    shots = output_dir('browser')
    page.set_viewport_size({'width': 1600, 'height': 1000})
    # the demo's 271 answers are on the day sheet: one plan ended
    shown = [a['eligibility'] for a in rpc(demo_server, demo_database,
            'frontdesk', 'model.therapy.appointment.search_read', [
                ('state', 'in', ['scheduled', 'confirmed']),
                ('client', '!=', None),
                ], 0, None, None, ['eligibility'])]
    assert any(': active (271 of ' in (s or '') for s in shown), shown[:5]
    assert any(': inactive (271 of ' in (s or '') for s in shown)

    day = next_day_with_sessions(demo_server, demo_database)
    sao_login(page, demo_server, demo_database, 'frontdesk')
    open_menu(page, 'Caseload', 'Schedule', 'Check Eligibility')
    form = dialog(page)
    date = form.get_by_label('Appointments On')
    date.wait_for(timeout=TIMEOUT)
    settled(page)
    # always the day found: the wizard's 'tomorrow' is the practice's (New
    # York) date, which is not the machine's between midnight and 5 am UTC
    date.fill(day.strftime('%m/%d/%Y'))
    date.press('Tab')
    settled(page)
    form.locator('.treeview tbody tr').first.wait_for(timeout=TIMEOUT)
    page.screenshot(path=str(shots / 'sao-check-eligibility.png'))
    press(page, form.get_by_role('button', name='Send Inquiries'))
    # the result is a read-only text field: its lines are the files
    result = dialog(page).locator('textarea')
    expect(result.first).to_have_value(
        re.compile(r'\.270: \d+ coverage'), timeout=TIMEOUT)
    settled(page)
    page.screenshot(path=str(shots / 'sao-check-eligibility-sent.png'))
    press(page, dialog(page).get_by_role('button', name='Close'))

    inquiries = rpc(demo_server, demo_database, 'biller',
        'model.therapy.edi.file.search_read', [
            ('direction', '=', 'out'),
            ('kind', '=', '270'),
            ], 0, None, None, ['state', 'path', 'create_uid'])
    assert inquiries and {i['state'] for i in inquiries} == {'released'}
    for inquiry in inquiries:
        with open(inquiry['path'], 'rb') as file:
            transaction, = summary(file.read())['transactions']
        assert transaction['type'] == '270'
        assert transaction['subscriber_count'] >= 1


def labelled(text):
    "A field's label as sao shows it (its name, with or without a colon)"
    return re.compile(rf'^\s*{re.escape(text)}:?\s*$')


def test_biller_keeps_payer_routes_and_rules(page, demo_server, demo_database):
    """What the electronic claims added to the payer, the clearinghouse and
    the claim, clicked by the biller who keeps them: a fallback route, the
    associates' rule and a modifier rule on the payer; the SFTP settings of
    the clearinghouse; the claim's detail page"""
    shots = output_dir('browser')
    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'biller')
    open_action(page, 'Caseload', 'Billing', 'Payers')
    rows = list_rows(page)
    rows.first.wait_for(timeout=TIMEOUT)
    # the payer's name is a link to its party: open the row by another cell
    press(page, rows.filter(has_text='Medicare Part B').first.get_by_role(
            'cell', name='365', exact=True), double=True)
    form = front_tab(page).locator('.form').first
    expect(form.get_by_label(labelled('Clearinghouse'))).to_have_value(
        'Availity', timeout=TIMEOUT)
    for label in ['Fallback Clearinghouse', "Associates' Sessions"]:
        expect(form.get_by_label(labelled(label))).to_be_editable()
    press(page, form.get_by_role('tab', name='Modifier Rules'))
    rules = form.locator('.tab-pane.active').filter(has_text='GP').last
    for modifier in ['GP', 'GO', 'GN', 'CQ', 'CO']:
        expect(rules.get_by_text(modifier, exact=True).first).to_be_visible(
            timeout=TIMEOUT)
    # a new rule: KX on this payer's speech lines
    press(page, rules.get_by_role('button', name='New'))
    rule = dialog(page)
    modifier = rule.get_by_label(labelled('Modifier'))
    modifier.wait_for(timeout=TIMEOUT)
    settled(page)
    speech = 'Speech-Language Pathology'
    rule.get_by_label('Discipline').select_option(label=speech)
    settled(page)  # choosing redraws the form
    modifier.fill('KX')
    modifier.press('Tab')
    settled(page)
    expect(modifier).to_have_value('KX')
    page.screenshot(path=str(shots / 'sao-payer-modifier-rule.png'))
    press(page, rule.get_by_role('button', name=re.compile(r'^Add$', re.I)))
    expect(rules.get_by_text('KX', exact=True)).to_be_visible(
        timeout=TIMEOUT)
    press(page, front_tab(page).get_by_role('button', name='Save'))
    expect(page.locator('.infobar .alert:visible', has_text='Record saved.')
        ).to_be_visible(timeout=TIMEOUT)
    added = rpc(demo_server, demo_database, 'biller',
        'model.therapy.payer.modifier.search_read', [
            ('payer.party.name', '=', 'Medicare Part B'),
            ('modifier', '=', 'KX'),
            ], 0, None, None, ['discipline'])
    assert [a['discipline'] for a in added] == ['speech']
    # the demo's other tests bill Medicare: the rule goes again, and with
    # it the payer's speech lines would carry KX
    rpc(demo_server, demo_database, 'biller',
        'model.therapy.payer.modifier.delete', [a['id'] for a in added])

    draft = rpc(demo_server, demo_database, 'biller',
        'model.therapy.claim.search', [('state', '=', 'draft')],
        0, 1, None)
    assert draft, "the demo has no draft claim"
    page.goto(f'{demo_server}/#{demo_database}/model/therapy.claim/'
        f'{draft[0]}')
    form = front_tab(page).locator('.form').first
    press(page, form.get_by_role('tab', name='Claim Detail'))
    for label in ['Referring Provider', 'Referral Number', 'Onset Date',
            'Initial Treatment Date']:
        expect(form.get_by_label(labelled(label))).to_be_editable(
            timeout=TIMEOUT)

    form = open_availity(page)
    transport = form.get_by_label('Transport')
    transport.wait_for(timeout=TIMEOUT)
    host = form.get_by_label('SFTP Host')
    expect(host).to_be_hidden()
    settled(page)
    transport.select_option(label='SFTP')
    # the SFTP settings show, each editable, once the transport says SFTP
    # (left unsaved: the demo's clearinghouse keeps its folders)
    for label in ['SFTP Host', 'SFTP User', 'Private Key File',
            'Server Host Key', 'Remote Outbound Directory',
            'Remote Inbound Directory']:
        expect(form.get_by_label(labelled(label))).to_be_editable(
            timeout=TIMEOUT)
    page.screenshot(path=str(shots / 'sao-clearinghouse-sftp.png'))


def test_owner_adds_a_form_question_of_a_chosen_type(
        page, demo_server, demo_database):
    """A drop-down chosen in a one2many dialog whose list has a sequence
    (sao redraws the still-open form after Add): the question's type holds
    (sao/custom.js)"""
    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'owner')
    # (two menu folders are named Clinical: the address is plainer)
    page.goto(f'{demo_server}/#{demo_database}/model/therapy.form.template')
    list_rows(page).first.wait_for(timeout=TIMEOUT)
    press(page, front_tab(page).get_by_role('button', name='New').first)
    form = front_tab(page).locator('.form').first
    name = form.get_by_label(labelled('Name'))
    name.wait_for(timeout=TIMEOUT)
    settled(page)
    name.fill('Browser Check Form')
    name.press('Tab')
    settled(page)
    questions = form.locator('.tab-pane.active').last
    press(page, questions.get_by_role('button', name='New'))
    question = dialog(page)
    text = question.locator('textarea').first
    text.wait_for(timeout=TIMEOUT)
    settled(page)
    kind = question.get_by_label(labelled('Type'))
    wording = 'Do you feel safe at home?'
    # the dialog's defaults may still redraw it (CI once saved the
    # question as text): choose and type once sao is idle, and again until
    # both hold
    for attempt in range(3):
        kind.select_option(label='Yes / No')
        settled(page)
        text.fill(wording)
        text.press('Tab')
        settled(page)
        if (chosen_label(kind) == 'Yes / No'
                and text.input_value() == wording):
            break
    assert chosen_label(kind) == 'Yes / No'
    expect(text).to_have_value(wording)
    press(page, question.get_by_role('button', name=re.compile(
                r'^Add$', re.I)))
    expect(questions.get_by_text(wording)).to_be_visible(
        timeout=TIMEOUT)
    press(page, front_tab(page).get_by_role('button', name='Save'))
    expect(page.locator('.infobar .alert:visible', has_text='Record saved.')
        ).to_be_visible(timeout=TIMEOUT)
    templates = rpc(demo_server, demo_database, 'owner',
        'model.therapy.form.template.search',
        [('name', '=', 'Browser Check Form')], 0, None, None)
    saved = rpc(demo_server, demo_database, 'owner',
        'model.therapy.form.question.search_read',
        [('template', 'in', templates)], 0, None, None, ['type'])
    assert [q['type'] for q in saved] == ['yes_no']
    rpc(demo_server, demo_database, 'owner',
        'model.therapy.form.template.delete', templates)


def chosen_label(select):
    "The label of a drop-down's chosen option (sao's values are JSON)"
    return select.evaluate('s => s.options[s.selectedIndex].text')


def era_of_a_new_payer_id(payer_id):
    "An 835 naming its payer by an ID no payer has, for a claim not ours"
    envelope = Envelope('AVAILITY', 'CASELOAD', 9001, 9001)
    denied = ClaimPayment('CLM-NOT-OURS', '4', Decimal(100), Decimal(0),
        Decimal(0), '12', 'ICN-NOT-OURS', 0)
    remittance = Remittance('0001', '005010X221A1', 0, handling='H',
        payment_amount=Decimal(0), credit_debit='C', payment_method='NON',
        payment_date=dt.date.today(), check_number=f'TRACE-{payer_id}',
        payer=Entity("MEDICARE PART B", references={'2U': payer_id}),
        payee=Entity("HARBORVIEW THERAPY COLLECTIVE"), claims=[denied])
    return write_835([remittance], envelope).encode('ascii')


def test_biller_retries_a_refused_835(page, demo_server, demo_database):
    """Import Answers on the clearinghouse, the refused file under EDI
    Files' Needs Attention, and Retry once the payer's ID is added"""
    shots = output_dir('browser')
    page.set_viewport_size({'width': 1600, 'height': 1000})
    house, = rpc(demo_server, demo_database, 'biller',
        'model.therapy.clearinghouse.search_read',
        [('name', '=', 'Availity')], 0, 1, None, ['inbound_folder'])
    payer_id = f'NEW{int(time.time())}'
    name = f'era-{payer_id}.835'
    os.makedirs(house['inbound_folder'], exist_ok=True)
    with open(os.path.join(house['inbound_folder'], name), 'wb') as file:
        file.write(era_of_a_new_payer_id(payer_id))

    sao_login(page, demo_server, demo_database, 'biller')
    form = open_availity(page)
    answers = form.get_by_role('button', name='Import Answers')
    answers.wait_for(timeout=TIMEOUT)
    press(page, answers)
    settled(page)

    open_action(page, 'Caseload', 'Billing', 'EDI Files')
    refused = list_rows(page).filter(has_text=name)
    choose_tab(page, 'Needs Attention', refused)
    expect(refused.first).to_contain_text('Refused')
    press(page, refused.first.get_by_text(name, exact=True), double=True)
    form = front_tab(page).locator('.form').first
    expect(form.locator('textarea').first).to_have_value(
        re.compile('payer we cannot find'), timeout=TIMEOUT)
    retry = form.get_by_role('button', name='Retry')
    expect(retry).to_be_visible()

    # the cause mended: the payer's ID at this clearinghouse
    payer, = rpc(demo_server, demo_database, 'biller',
        'model.therapy.payer.search', [('party.name', '=', 'Medicare Part B')],
        0, 1, None)
    rpc(demo_server, demo_database, 'biller',
        'model.therapy.payer.identifier.create', [{'payer': payer,
                'clearinghouse': 'Retry test', 'payer_id': payer_id}])
    settled(page)
    press(page, retry)
    expect(retry).to_be_hidden(timeout=TIMEOUT)
    page.screenshot(path=str(shots / 'sao-edi-file-retried.png'))
    edi_file, = rpc(demo_server, demo_database, 'biller',
        'model.therapy.edi.file.search_read', [('name', '=', name)],
        0, None, None, ['state', 'remittances'])
    assert edi_file['state'] == 'imported', edi_file
    assert len(edi_file['remittances']) == 1, edi_file
