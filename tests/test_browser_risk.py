"""Risk answers in Chromium (issue 14): the demo's PHQ-9 answers with item
9 above 0 wait on the clinician's home, under Risk Answers to Review,
until the clinician opens one and records the review with its button; the
front desk's home has no such list."""
import pytest

from helpers import rpc_login

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, front_tab, press, sao_login, settled)
from journeys import DOCS, board_list, dialog, rows_of  # noqa: E402

TITLE = "Risk Answers to Review"


def test_clinician_reviews_a_risk_answer(page, demo_server, demo_database):
    admin, _ = rpc_login(demo_server, demo_database, 'admin', PASSWORD)
    user_id, = admin('model.res.user.search', [('login', '=', 'clinician')],
        0, None, None)
    clinician, _ = rpc_login(
        demo_server, demo_database, 'clinician', PASSWORD)
    waiting = clinician('model.therapy.form.response.search_read', [
            ('risk_flag', '=', True), ('risk_reviewed_at', '=', None),
            ('state', '=', 'completed')], 0, None, None, ['id'])
    assert waiting, "the demo has no risk answer on the clinician's team"

    page.set_viewport_size({'width': 1600, 'height': 1200})
    sao_login(page, demo_server, demo_database, 'clinician')
    risks = board_list(page, TITLE)
    rows = rows_of(risks)
    # sao draws the row before its cells are filled: wait for the text
    expect(risks).to_contain_text('PHQ-9', timeout=TIMEOUT)
    expect(rows).to_have_count(len(waiting), timeout=TIMEOUT)
    settled(page)
    DOCS.mkdir(parents=True, exist_ok=True)
    # (sao scrolls the board to the list it focused last)
    risks.scroll_into_view_if_needed()
    page.mouse.move(0, 0)
    page.screenshot(path=str(DOCS / 'back-office-risk-answers.png'))

    # the row opens the form (a dialog over the home), where the care team
    # records the review
    press(page, rows.first.locator('td').nth(2), double=True)
    # (the confirmation asked over it is another dialog)
    form = page.locator('.modal-dialog:visible', has_text='Signed Document')
    button = form.get_by_role('button', name='Risk Reviewed')
    button.wait_for(timeout=TIMEOUT)
    press(page, button)
    press(page, dialog(page).get_by_role('button', name='OK'))
    expect(button).to_be_hidden(timeout=TIMEOUT)
    press(page, form.get_by_role('button', name='Apply Changes'))
    reviewed = clinician('model.therapy.form.response.search_read', [
            ('id', 'in', [w['id'] for w in waiting]),
            ('risk_reviewed_at', '!=', None)], 0, None, None,
        ['risk_reviewed_by'])
    assert [r['risk_reviewed_by'] for r in reviewed] == [user_id], reviewed


def test_front_desk_home_has_no_risk_answers(
        page, demo_server, demo_database):
    sao_login(page, demo_server, demo_database, 'frontdesk')
    settled(page)
    front_tab(page).locator('.board-action').first.wait_for(timeout=TIMEOUT)
    assert TITLE not in front_tab(page).inner_text()
