"""The biller's remittance buttons clicked in Chromium: a paper EOB typed in
as a remittance is posted with its Post button, and the Denial Queue shows
what the payers' 835s held, with what each reason and remark code means."""
import datetime as dt
import re
from decimal import Decimal

import pytest

from helpers import output_dir

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    TIMEOUT, choose_tab, front_tab, list_rows, open_action, press,
    sao_login, settled)
from test_browser_billing import dialog, rpc  # noqa: E402
from test_browser_edi import labelled  # noqa: E402

CONTRACT = Decimal('30.00')


def decimal(value):
    "A Decimal of a JSON-RPC value (sao's protocol sends Decimal objects)"
    if isinstance(value, dict):
        value = value['decimal']
    return Decimal(str(value))


def sent(value):
    "A Decimal or a date as sao's JSON-RPC protocol sends it"
    if isinstance(value, Decimal):
        return {'__class__': 'Decimal', 'decimal': str(value)}
    return {'__class__': 'date', 'year': value.year, 'month': value.month,
        'day': value.day}


def paper_eob(url, database):
    """The draft remittance the biller typed in from a paper EOB for an
    accepted, unpaid claim of the demo: paid its charge less the
    contract's CO-45. (The typing itself is sao's ordinary form; the
    button is what a role may or may not see.)"""
    claims = rpc(url, database, 'biller',
        'model.therapy.claim.search_read', [
            ('state', '=', 'accepted'),
            ('primary_claim', '=', None),
            ], 0, 1, [('date', 'ASC')], ['number', 'payer', 'lines'])
    assert claims, "the demo has no accepted claim waiting for its payer"
    claim, = claims
    lines = rpc(url, database, 'biller', 'model.therapy.claim.line.read',
        claim['lines'], ['billed', 'procedure_code', 'units',
            'service_date', 'control_number'])
    answers = []
    for line in lines:
        billed = decimal(line['billed'])
        answers.append({
                'claim_line': line['id'],
                # the EOB's line number: a line with modifiers is matched
                # by it alone (the EOB typed in here names none)
                'control_number': line['control_number'],
                'procedure_code': line['procedure_code'],
                'charge': billed, 'paid': billed - CONTRACT,
                'units': line['units'],
                'adjustments': [('create', [{'group': 'CO', 'reason': '45',
                                'amount': sent(CONTRACT)}])],
                })
    paid = sum(a['paid'] for a in answers)
    charge = sum(a['charge'] for a in answers)
    for values in answers:
        values['charge'] = sent(values['charge'])
        values['paid'] = sent(values['paid'])
    trace = f"CHK {claim['id']:06d}"
    remittance, = rpc(url, database, 'biller',
        'model.therapy.remittance.create', [{
                'payer': claim['payer'], 'trace_number': trace,
                'payment_method': 'CHK', 'payment_amount': sent(paid),
                'payment_date': sent(dt.date.today()),
                'claims': [('create', [{
                                'claim': claim['id'],
                                'claim_number': claim['number'],
                                'status': '1',
                                'charge': sent(charge),
                                'paid': sent(paid),
                                'lines': [('create', answers)],
                                }])],
                }])
    return remittance, claim, trace


def test_biller_posts_a_paper_eob(page, demo_server, demo_database):
    shots = output_dir('browser')
    remittance, claim, trace = paper_eob(demo_server, demo_database)
    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'biller')
    open_action(page, 'Caseload', 'Billing', 'Remittances')
    row = list_rows(page).filter(has_text=trace)
    choose_tab(page, 'Draft', row)
    press(page, row.first.get_by_text(trace, exact=True), double=True)
    form = front_tab(page).locator('.form').first
    post = form.get_by_role('button', name='Post')
    post.wait_for(timeout=TIMEOUT)
    press(page, post)
    # Post asks first: it writes to the ledger
    press(page, dialog(page).get_by_role('button', name='OK'))
    # posted: the button goes (and the server says so below)
    expect(post).to_be_hidden(timeout=TIMEOUT)
    page.mouse.move(0, 0)
    page.screenshot(path=str(shots / 'sao-remittance-posted.png'))
    # the payer owes nothing more on the claim and named no client's
    # share: it is closed
    state, = rpc(demo_server, demo_database, 'biller',
        'model.therapy.claim.read', [claim['id']], ['state'])
    assert state['state'] == 'closed', state
    posted, = rpc(demo_server, demo_database, 'biller',
        'model.therapy.remittance.read', [remittance], ['state', 'move'])
    assert posted['state'] == 'posted' and posted['move'], posted


def held_answer(url, database):
    """A posted remittance whose one answer names a claim number the payer
    mistyped: its payment waits as unapplied cash. (trace, our claim)"""
    remittance, claim, trace = paper_eob(url, database)
    answer, = rpc(url, database, 'biller',
        'model.therapy.remittance.claim.search', [
            ('remittance', '=', remittance)], 0, None, None)
    # the payer's typo, typed in from its EOB
    rpc(url, database, 'biller', 'model.therapy.remittance.claim.write',
        [answer], {'claim': None, 'claim_number': 'CLM-TYPO-1'})
    lines = rpc(url, database, 'biller', 'model.therapy.remittance.line.search',
        [('remittance_claim', '=', answer)], 0, None, None)
    rpc(url, database, 'biller', 'model.therapy.remittance.line.write',
        lines, {'claim_line': None})
    rpc(url, database, 'biller', 'model.therapy.remittance.post',
        [remittance])
    return trace, claim


def test_biller_applies_unapplied_cash(page, demo_server, demo_database):
    trace, claim = held_answer(demo_server, demo_database)
    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'biller')
    open_action(page, 'Caseload', 'Billing', 'Remittances')
    row = list_rows(page).filter(has_text=trace)
    choose_tab(page, 'With Unapplied Cash', row)
    press(page, row.first.get_by_text(trace, exact=True), double=True)
    form = front_tab(page).locator('.form').first
    answer = form.locator('.treeview tbody tr').filter(
        has_text='CLM-TYPO-1')
    press(page, answer.first.get_by_text('CLM-TYPO-1', exact=True),
        double=True)
    press(page, dialog(page).get_by_role('button', name='Apply to Claim'))
    wizard = dialog(page)
    ours = wizard.get_by_label('Our Claim')
    ours.wait_for(timeout=TIMEOUT)
    ours.fill(claim['number'])
    ours.press('Tab')
    # sao opens its search when the typed text names more than one claim
    # (CLM000002 is in CLM000021 too): the biller searches there
    settled(page)
    search = dialog(page)
    if search.get_by_role('button', name='Find').count():
        search.get_by_placeholder('Search').fill(claim['number'])
        search.get_by_placeholder('Search').press('Enter')
        found = search.get_by_role('cell', name=claim['number'],
            exact=True)
        found.first.wait_for(timeout=TIMEOUT)
        press(page, found.first)
        press(page, search.get_by_role('button', name='OK', exact=True))
    expect(ours).to_have_value(claim['number'])
    page.screenshot(path=str(output_dir('browser')
            / 'sao-apply-unapplied.png'))
    press(page, dialog(page).get_by_role('button', name='Apply',
            exact=True))
    expect(dialog(page).get_by_label('Applied By')).not_to_have_value(
        '', timeout=TIMEOUT)
    state, = rpc(demo_server, demo_database, 'biller',
        'model.therapy.claim.read', [claim['id']], ['state'])
    assert state['state'] == 'closed', state


def test_biller_works_the_denial_queue(page, demo_server, demo_database):
    "The demo's 835s held denials: each row says its reason in words"
    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'biller')
    open_action(page, 'Caseload', 'Billing', 'Denial Queue')
    rows = list_rows(page).filter(has=page.get_by_text(
            re.compile(r'^CLM\d+$')))
    rows.first.wait_for(timeout=TIMEOUT)
    texts = rows.all_inner_texts()
    assert any(re.search(r'\b(197|50)\b', t) for t in texts), texts
    # a CARC's words, not only its number, and the remarks' (carc.py)
    assert any(re.search(r'[a-z]{4,} [a-z]{3,}', t) for t in texts), texts
    assert any(re.search(r'\b(N54|N130) [A-Z][a-z]+', t) for t in texts), (
        texts)


def test_biller_adds_a_provider_adjustment_rule(
        page, demo_server, demo_database):
    """A provider-level adjustment reason with no default (72, an
    authorized return) posts where a rule the biller adds says, instead of
    waiting on unapplied cash; the biller reaches both kinds of rules
    from the Billing menu (Configuration is the owner's)"""
    shots = output_dir('browser')
    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'biller')
    # both kinds of rules are the biller's, beside the remittances
    open_action(page, 'Caseload', 'Billing', 'Adjustment Rules')
    open_action(page, 'Caseload', 'Billing', 'Provider Adjustment Rules')
    press(page, front_tab(page).get_by_role('button', name='New').first)
    form = front_tab(page).locator('.form').first
    reason = form.get_by_label(labelled('Reason'))
    reason.wait_for(timeout=TIMEOUT)
    settled(page)
    reason.fill('72')
    reason.press('Tab')
    settled(page)
    account = form.get_by_label(labelled('Account'))
    account.fill('Other Adjustments')
    # leaving a typed many2one searches it: one match is taken, more open
    # sao's search
    account.press('Tab')
    settled(page)
    if dialog(page).count():
        search = dialog(page)
        search.get_by_role('cell', name=re.compile('Other Adjustments')
            ).first.click()
        press(page, search.get_by_role('button', name='OK', exact=True))
    expect(account).to_have_value(re.compile('Other Adjustments'),
        timeout=TIMEOUT)
    expect(page.locator('.modal-dialog:visible')).to_have_count(
        0, timeout=TIMEOUT)
    settled(page)
    page.screenshot(path=str(shots / 'sao-provider-adjustment-rule.png'))
    press(page, front_tab(page).get_by_role('button', name='Save'))
    expect(page.locator('.infobar .alert:visible', has_text='Record saved.')
        ).to_be_visible(timeout=TIMEOUT)
    added = rpc(demo_server, demo_database, 'biller',
        'model.therapy.plb.rule.search_read', [('reason', '=', '72')],
        0, None, None, ['account', 'payer'])
    assert len(added) == 1 and added[0]['payer'] is None, added
    name, = rpc(demo_server, demo_database, 'biller',
        'model.account.account.read', [added[0]['account']], ['name'])
    assert name['name'] == 'Other Adjustments', name
    rpc(demo_server, demo_database, 'biller',
        'model.therapy.plb.rule.delete', [added[0]['id']])


def held_line(url, database):
    """A posted remittance answering a demo claim whose first line the
    payer answers under another code and no line control number: that
    line's payment waits as unapplied cash. (remittance line, claim)"""
    remittance, claim, trace = paper_eob(url, database)
    lines = rpc(url, database, 'biller', 'model.therapy.remittance.line.search',
        [('remittance_claim.remittance', '=', remittance)], 0, None,
        [('id', 'ASC')])
    rpc(url, database, 'biller', 'model.therapy.remittance.line.write',
        lines[:1], {'claim_line': None, 'control_number': None,
            'procedure_code': '99999'})
    rpc(url, database, 'biller', 'model.therapy.remittance.post',
        [remittance])
    return lines[0], claim


def test_biller_applies_an_unmatched_line(page, demo_server, demo_database):
    service, claim = held_line(demo_server, demo_database)
    held, = rpc(demo_server, demo_database, 'biller',
        'model.therapy.remittance.line.read', [service], ['claim_line'])
    assert held['claim_line'] is None, held
    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'biller')
    page.goto(f'{demo_server}/#{demo_database}'
        f'/model/therapy.remittance.line/{service}')
    form = front_tab(page).locator('.form').first
    button = form.get_by_role('button', name='Apply to Line')
    button.wait_for(timeout=TIMEOUT)
    press(page, button)
    wizard = dialog(page)
    ours = wizard.get_by_label('Our Claim Line')
    ours.wait_for(timeout=TIMEOUT)
    settled(page)
    # the one line of the claim the payer's other lines left
    expect(ours).to_have_value(re.compile(re.escape(claim['number'])),
        timeout=TIMEOUT)
    page.screenshot(path=str(output_dir('browser')
            / 'sao-apply-unmatched-line.png'))
    press(page, wizard.get_by_role('button', name='Apply', exact=True))
    expect(form.get_by_label('Applied By')).not_to_have_value(
        '', timeout=TIMEOUT)
    expect(button).to_be_hidden(timeout=TIMEOUT)
    applied, = rpc(demo_server, demo_database, 'biller',
        'model.therapy.remittance.line.read', [service], ['claim_line'])
    assert applied['claim_line'] == claim['lines'][0], applied
    state, = rpc(demo_server, demo_database, 'biller',
        'model.therapy.claim.read', [claim['id']], ['state'])
    assert state['state'] == 'closed', state
