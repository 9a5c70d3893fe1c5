"""The care team's buttons clicked in Chromium by the roles that need them:
the owner and the clinical director add a covering clinician to a client's
care team and end the membership with End; a plain clinician has neither
the screen nor the right. The server then says what the clicks did."""
import re

import pytest

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from journeys import Journey, dialog, type_in  # noqa: E402
from test_browser import (  # noqa: E402
    TIMEOUT, front_tab, open_action, open_menu, sao_login)
from test_browser_billing import rpc  # noqa: E402

REASON = "Covering during leave"
MEMBER = 'model.therapy.client.care_team.member'


def employee_ids(url, database):
    "The demo's clinicians: name -> employee id"
    return {e['rec_name']: e['id'] for e in rpc(url, database, 'owner',
            'model.company.employee.search_read',
            [('discipline', '!=', None)], 0, None, None, ['rec_name'])}


def outside_team(url, database, avoid_client=None):
    """A client with diagnoses on whose care team neither the demo's
    clinician login (Morgan Patel) nor their supervisor is, and a
    clinician without a login who is not on it either"""
    employees = employee_ids(url, database)
    logins = {employees['Morgan Patel'], employees['Avery Brooks']}
    with_diagnoses = {d['client'] for d in rpc(url, database, 'owner',
            'model.therapy.client.diagnosis.search_read', [], 0, None, None,
            ['client'])}
    clients = rpc(url, database, 'owner',
        'model.therapy.client.search_read', [('id', 'in', list(
                    with_diagnoses))], 0, None, [('id', 'ASC')],
        ['rec_name', 'care_team'])
    for client in clients:
        team = set(client['care_team'])
        if client['id'] == avoid_client or team & logins:
            continue
        for name, employee in sorted(employees.items()):
            if employee not in team | logins:
                return client, name
    raise AssertionError("no demo client outside the clinician's team")


def add_and_end(journey, page, client, clinician, ender):
    """Care Team Members, New: client, clinician, reason; Save; End. The
    form then shows the membership ended today by `ender`."""
    open_action(page, 'Caseload', 'Care Team Members')
    journey.count("Caseload in the menu")
    journey.count("Care Team Members")
    tab = front_tab(page)
    journey.click(tab.get_by_role('button', name='New'), "New")
    client_name = client['rec_name'].split(' [')[0]
    type_in(tab.locator('input[name="client"]'), client_name, leave=False)
    journey.click(page.locator('.dropdown-menu:visible li',
            has_text=client['rec_name']).first, "Pick the client")
    type_in(tab.locator('input[name="employee"]'), clinician, leave=False)
    journey.click(page.locator('.dropdown-menu:visible li',
            has_text=clinician).first, "Pick the clinician")
    type_in(tab.locator('input[name="reason"]'), REASON)
    from_date = tab.locator('input[name="from_date"]')
    expect(from_date).to_have_value(re.compile(r'\d\d/\d\d/\d{4}'))
    journey.click(tab.get_by_role('button', name='Save'), "Save")
    page.locator('.infobar .alert:visible',
        has_text='Record saved.').wait_for(timeout=TIMEOUT)
    end = tab.get_by_role('button', name='End')
    expect(end).to_be_visible()
    journey.click(end, "End")
    confirm = dialog(page)
    expect(confirm).to_contain_text("End this clinician's membership")
    journey.click(confirm.get_by_role('button', name='OK'),
        "Confirm the end")
    # ended today (the membership began today): To, Ended By, Ended At
    expect(tab.locator('input[name="to_date"]')).to_have_value(
        from_date.input_value(), timeout=TIMEOUT)
    expect(tab.locator('input[name="ended_by"]')).to_have_value(ender)
    expect(tab.locator('input[name="ended_at"]')).not_to_have_value('')
    # an ended membership has nothing left to click
    expect(end).to_be_hidden()
    for name in ['client', 'employee', 'reason', 'to_date']:
        assert not tab.locator(f'input[name="{name}"]').is_editable(), name


def ended_membership(url, database, client, clinician):
    "The membership as the server holds it"
    employee = employee_ids(url, database)[clinician]
    members = rpc(url, database, 'owner', f'{MEMBER}.search_read',
        [('client', '=', client['id']), ('employee', '=', employee)],
        0, None, None, ['reason', 'from_date', 'to_date', 'ended_by.name',
            'ended_at'])
    assert len(members) == 1, members
    member, = members
    assert member['reason'] == REASON
    assert member['to_date'] and member['ended_at']
    return member


def test_owner_adds_and_ends_a_care_team_member(
        page, sao_errors, demo_server, demo_database):
    journey = Journey(page, 'care-team-owner')
    page.set_viewport_size({'width': 1600, 'height': 1000})
    client, clinician = outside_team(demo_server, demo_database)
    sao_login(page, demo_server, demo_database, 'owner')
    add_and_end(journey, page, client, clinician, 'Jordan Owner')
    # sao's "Record saved." would cover the toolbar in the picture
    for toast in page.locator('.infobar .alert:visible').all():
        toast.get_by_role('button', name='Close').click()
    journey.shot('ended', docs='back-office-care-team.png')
    assert not sao_errors, sao_errors
    journey.report()

    member = ended_membership(demo_server, demo_database, client, clinician)
    assert member['ended_by.']['name'] == 'Jordan Owner'
    # the owner reads the client's diagnoses; a clinician off the team
    # still does not, whoever else joined it
    diagnoses = [('client', '=', client['id'])]
    assert rpc(demo_server, demo_database, 'owner',
        'model.therapy.client.diagnosis.search', diagnoses)
    assert rpc(demo_server, demo_database, 'clinician',
        'model.therapy.client.diagnosis.search', diagnoses) == []


def test_clinical_director_adds_and_ends_a_care_team_member(
        page, sao_errors, demo_server, demo_database):
    # the demo's supervisor, Avery Brooks, is the clinical director
    # (caseload/demo/clinical.py grant_director)
    assert rpc(demo_server, demo_database, 'admin',
        'model.res.user.search', [('login', '=', 'supervisor'),
            ('groups.name', '=', 'Caseload Clinical Director')]), (
        "the demo's supervisor is not the clinical director")
    owners_client, _ = outside_team(demo_server, demo_database)
    client, clinician = outside_team(
        demo_server, demo_database, avoid_client=owners_client['id'])
    journey = Journey(page, 'care-team-director')
    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'supervisor')
    add_and_end(journey, page, client, clinician, 'Avery Brooks')
    journey.shot('ended')
    assert not sao_errors, sao_errors
    journey.report()
    member = ended_membership(demo_server, demo_database, client, clinician)
    assert member['ended_by.']['name'] == 'Avery Brooks'


def test_clinician_cannot_add_to_a_care_team(
        page, sao_errors, demo_server, demo_database):
    sao_login(page, demo_server, demo_database, 'clinician')
    open_menu(page, 'Caseload')
    page.locator('#menu').get_by_text('Clients', exact=True).wait_for(
        timeout=TIMEOUT)
    entries = [e.strip() for e in page.locator(
            '#menu .treeview tbody tr').all_inner_texts()]
    assert 'Clients' in entries, entries
    assert 'Care Team Members' not in entries, entries
    assert not sao_errors, sao_errors
    # nor through the server: no membership of their own making
    client, _ = outside_team(demo_server, demo_database)
    employee = employee_ids(demo_server, demo_database)['Morgan Patel']
    with pytest.raises(AssertionError, match='(?i)access|permission'):
        rpc(demo_server, demo_database, 'clinician', f'{MEMBER}.create',
            [{'client': client['id'], 'employee': employee,
                    'reason': REASON}])
