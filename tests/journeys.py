"""What the role journeys share: counting a person's clicks, saving the
pictures worth keeping, and sao's ways (a board's lists, row buttons,
dialogs)."""
import re
from pathlib import Path

from playwright.sync_api import expect

from helpers import ROOT, output_dir
from test_browser import TIMEOUT, front_tab, settled

DOCS = ROOT / 'docs' / 'screenshots'


class Journey:
    """A person's way through the back office: each click (a button, a
    row, a choice in a list) is counted; typing is not a click"""

    def __init__(self, page, name):
        self.page = page
        self.name = name
        self.clicks = 0
        self.steps = []
        self.shots = output_dir('journeys')

    def click(self, locator, why, **kwargs):
        settled(self.page)
        locator.click(**kwargs)
        self.count(why)

    def dblclick(self, locator, why):
        settled(self.page)
        locator.dblclick()
        self.count(why)

    def choose(self, select, label, why):
        settled(self.page)
        select.select_option(label=label)
        self.count(why)

    def count(self, why):
        self.clicks += 1
        self.steps.append(why)

    def shot(self, name, docs=None):
        "A screenshot in test-output/journeys, and in docs/screenshots too"
        self.page.mouse.move(0, 0)  # no hover highlight in the picture
        path = self.shots / f'{self.name}-{name}.png'
        self.page.screenshot(path=str(path))
        if docs:
            DOCS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(DOCS / docs))
        return path

    def report(self):
        "The clicks, step by step, for the README and the team"
        lines = [f'{self.name}: {self.clicks} clicks'] + [
            f'  {n}. {why}' for n, why in enumerate(self.steps, 1)]
        (self.shots / f'{self.name}-clicks.txt').write_text(
            '\n'.join(lines) + '\n')
        print('\n'.join(lines))


def sao_logout(page):
    """Log out as a person does, once the screen shows its data: the user
    menu, Logout (a board count still on its way when the session ends
    comes back as an error dialog over the login form)"""
    settled(page)
    page.locator('#user-preferences').click()
    page.get_by_text('Logout', exact=True).click()
    # "The following action requires to close all tabs."
    dialog(page).get_by_role('button', name='OK').click()
    page.locator('#login').wait_for(timeout=TIMEOUT)


def board_list(page, title):
    "One list of the home board in front"
    return front_tab(page).locator('.board-action', has_text=title)


def rows_of(container):
    return container.locator('.treeview tbody tr')


def filled_texts(rows):
    """The rows' texts once each row shows its record: sao draws a list's
    rows before it has read their fields, so a row can be there and blank"""
    rows.first.wait_for(timeout=TIMEOUT)
    for index in range(rows.count()):
        expect(rows.nth(index)).to_contain_text(
            re.compile(r'\S'), timeout=TIMEOUT)
    return rows.all_inner_texts()


def row_button(journey, row, name, why):
    """A button in a list row: one click (sao/custom.js selects the row
    and presses the button in the same click)"""
    journey.click(row.get_by_role('button', name=name), why)


def dialog(page):
    "The dialog in front (a wizard, a popup form, a confirmation)"
    return page.locator('.modal-dialog:visible').last


def wait_tab(page, pattern):
    "The sao tab whose title matches pattern, once in front"
    title = page.locator('#tablist a', has_text=re.compile(pattern))
    title.first.wait_for(timeout=TIMEOUT)
    return title.first.inner_text().strip().lstrip('×').strip()


def type_in(field, text, leave=True):
    """Type into a field sao may still be filling (a new record's
    defaults land after the dialog shows): again until the text stays.
    A text field is left (sao takes its text then); a record field's
    search is left open to pick from."""
    for _ in range(20):
        field.fill(text)
        field.page.wait_for_timeout(300)
        if field.input_value() == text:
            if leave:
                field.blur()
            return
    raise AssertionError(f"{text!r} did not stay in the field")


def section_texts(form):
    return [area.input_value()
        for area in form.locator('.list-form textarea').all()]


def headings(form):
    return [field.input_value()
        for field in form.locator('.list-form input').all()]


def selected(select):
    return select.locator('option:checked').inner_text()


def wait_selected(select, text):
    "Until the selection shows text (after the server answered)"
    expect(select.locator('option:checked')).to_have_text(
        text, timeout=TIMEOUT)


def relative(path):
    return Path(path).relative_to(ROOT)
