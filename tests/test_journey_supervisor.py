"""A clinical supervisor's day in the browser, as the demo's supervisor
(Avery Brooks, who also sees clients): the notes awaiting their
co-signature on the home, one co-signed with an attestation, one returned
with comments, several co-signed at once; then the clinician finds the
returned note on their home with the comments."""
import re

import pytest
from playwright.sync_api import expect

from journeys import (
    Journey, board_list, dialog, filled_texts, rows_of, sao_logout, type_in,
    wait_selected)
from test_browser import TIMEOUT, front_tab, sao_login

pytest.importorskip('playwright')


ATTESTATION = ("Reviewed with Morgan in Tuesday's supervision: the "
    "assessment and plan are appropriate.")
COMMENTS = "Please add how the client responded to the exposure exercise."


def awaiting_rows(page):
    return rows_of(board_list(page, "Awaiting My Co-signature"))


def reload_board(journey, page):
    "The board's lists searched again (a wizard does not redo them)"
    journey.click(front_tab(page).get_by_role('button', name='Reload'),
        "Reload the home")


def open_note(journey, page, row, why):
    "A note of a home list, in a dialog: double click a plain cell"
    journey.dblclick(row.locator('td').nth(2), why)
    note = dialog(page)
    note.locator('.list-form textarea').first.wait_for(timeout=TIMEOUT)
    return note


def test_supervisor_journey(page, demo_server, demo_database):
    page.set_viewport_size({'width': 1600, 'height': 1200})
    journey = Journey(page, 'supervisor')
    try:
        sao_login(page, demo_server, demo_database, 'supervisor')

        # --- home: the notes awaiting this supervisor, their own day too -
        rows = awaiting_rows(page)
        texts = filled_texts(rows)
        waiting = len(texts)
        assert waiting >= 4, texts
        for text in texts:
            assert 'Morgan Patel' in text and 'Signed' in text
        for title in ["Today's Sessions", "My Notes to Write",
                "Returned by My Supervisor", "Risk Flags on My Clients"]:
            board_list(page, title).wait_for(timeout=TIMEOUT)
        journey.shot('home', docs='back-office-supervisor-home.png')

        # --- co-sign one, attesting -------------------------------------
        client = rows.first.locator('td').nth(3).inner_text().strip()
        note = open_note(journey, page, rows.first, "Open the first note")
        journey.click(note.get_by_role('button', name='Co-sign'), "Co-sign")
        wizard = page.locator('.modal-dialog:visible',
            has=page.locator('textarea[name="attestation"]'))
        attestation = wizard.locator('textarea[name="attestation"]')
        attestation.wait_for(timeout=TIMEOUT)
        # the practice's attestation, shown before signing
        expect(attestation).to_have_value(re.compile(
                'agree with the assessment and plan'), timeout=TIMEOUT)
        assert client in wizard.inner_text()
        type_in(attestation, ATTESTATION)
        journey.shot('cosign-attestation')
        journey.click(wizard.get_by_role('button', name='Co-sign'),
            "Co-sign with the attestation")
        note = page.locator('.modal-dialog:visible', has_text='Risk Assessment')
        wait_selected(note.get_by_label('State'), 'Co-signed')
        journey.click(note.get_by_role('tab', name='Signatures'),
            "Signatures & Supervision")
        # stored and shown with the co-signature: who, when, the text
        assert note.get_by_label('Co-signed By').input_value() == (
            'Avery Brooks')
        assert re.search(r' [EM][SD]T$',
            note.get_by_label('Co-signed At').input_value())
        assert ATTESTATION in [
            area.input_value() for area in note.locator('textarea').all()]
        journey.click(note.get_by_role('button', name='Apply Changes'),
            "Close the note")
        reload_board(journey, page)
        expect(awaiting_rows(page)).to_have_count(
            waiting - 1, timeout=TIMEOUT)

        # --- return one to the clinician with comments -------------------
        # the client and the date of service: the demo has returned notes
        # of its own, some of the same client
        returned_client = rows.first.locator('td').nth(3).inner_text().strip()
        returned_date = rows.first.locator('td').nth(2).inner_text().strip()
        note = open_note(journey, page, rows.first, "Open the next note")
        journey.click(note.get_by_role('button', name='Return to Clinician'),
            "Return to Clinician")
        wizard = page.locator('.modal-dialog:visible',
            has=page.locator('textarea[name="comments"]'))
        type_in(wizard.locator('textarea[name="comments"]'), COMMENTS)
        journey.click(wizard.get_by_role('button', name='Return to Clinician'),
            "Return with the comments")
        note = page.locator('.modal-dialog:visible', has_text='Risk Assessment')
        wait_selected(note.get_by_label('State'), 'Draft')
        assert COMMENTS in note.get_by_label(
            "Supervisor's Comments").input_value()
        journey.click(note.get_by_role('button', name='Apply Changes'),
            "Close the note")
        reload_board(journey, page)
        expect(awaiting_rows(page)).to_have_count(
            waiting - 2, timeout=TIMEOUT)

        # --- bulk: select the rest, one click, one attestation ----------
        rest = rows.count()
        assert rest >= 2
        for row in rows.all():
            journey.click(row.locator('input[type=checkbox]').first,
                "Select a note")
        journey.click(board_list(page, "Awaiting My Co-signature").get_by_role(
                'button', name='Co-sign'), "Co-sign the selection")
        wizard = page.locator('.modal-dialog:visible',
            has=page.locator('textarea[name="attestation"]'))
        wizard.wait_for(timeout=TIMEOUT)
        expect(rows_of(wizard)).to_have_count(rest, timeout=TIMEOUT)
        journey.click(wizard.get_by_role('button', name='Co-sign'),
            "Co-sign them all")
        wizard.wait_for(state='hidden', timeout=TIMEOUT)
        reload_board(journey, page)
        expect(awaiting_rows(page)).to_have_count(0, timeout=TIMEOUT)
        journey.shot('home-done')

        # --- the clinician finds the returned note, with the comments ---
        sao_logout(page)
        clinician = Journey(page, 'clinician-returned')
        sao_login(page, demo_server, demo_database, 'clinician')
        returned = rows_of(board_list(page, "Returned by My Supervisor"))
        row = returned.filter(has_text=returned_client).filter(
            has_text=returned_date)
        row.first.wait_for(timeout=TIMEOUT)
        to_write = board_list(page, "My Notes to Write")
        assert to_write.locator('tbody tr', has_text=returned_client).filter(
            has_text='Returned by supervisor').count()
        note = open_note(clinician, page, row.first, "Open the returned note")
        comments = note.get_by_label("Supervisor's Comments")
        expect(comments).to_have_value(re.compile(
                r'^Returned by Avery Brooks on .* [EM][SD]T:\n'
                + re.escape(COMMENTS)), timeout=TIMEOUT)
        clinician.shot('returned-note')
        clinician.report()
    finally:
        journey.report()
