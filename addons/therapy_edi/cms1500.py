"""The CMS-1500 (02/12) paper claim, drawn from the 837P dataclasses.

Paper and electronic claims come from the same data: the input is the
codec's ``BillingProvider``, ``Subscriber`` and ``Claim`` (x12/claim837.py)
as claim_data.py builds them, the output PDF bytes. No Tryton import.

Box map source: the NUCC "1500 Health Insurance Claim Form Reference
Instruction Manual for Form Version 02/12" (what goes in each item: names as
LAST, FIRST, MI; item 21 ICD indicator 0 and codes without the decimal
point, "because it is implied"; item 22 frequency code 7/8 left and the
payer's original reference; item 24 six lines a page, totals in items 28-29
on the last page of a multi-page claim) and the form's printing grid: 10
characters an inch, 6 lines an inch, 66 lines by 80 columns on 8.5 x 11 in,
the line/column of each item as the print-file layout used by practice
systems (e.g. item 1a line 8 column 50, item 21 lines 38-40 columns
3/16/29/42, item 24 data on lines 44, 46 ... 54, items 25-29 line 56,
items 32/33 lines 58-61).

Two layouts share that grid: ``aligned`` prints the data only, for the red
pre-printed OCR form (``offset`` shifts it for a printer's margins); the
plain layout also draws the boxes with their labels so the page reads on
its own.
"""
import datetime as dt
import io
from decimal import Decimal

from reportlab.lib.colors import black
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from .cms1500_form import (
    DATA_FONT, DATA_SIZE, INSURANCE_TYPES, RELATIONSHIPS, draw_form, grid_xy)

__all__ = ['LINES_PER_PAGE', 'claims_pdf', 'cms1500_pdf', 'form_pages']

LINES_PER_PAGE = 6

DIAGNOSIS_LETTERS = 'ABCDEFGHIJKL'
FIRST_SERVICE_LINE = 44  # unshaded line of the first item 24 row


def person(name, initial=True):
    "LAST SUFFIX, FIRST, M as items 2, 4, 9 and 17 want it"
    if name is None:
        return ''
    if not name.first:
        return name.last.upper()
    last = ' '.join(p for p in [name.last, name.suffix] if p)
    parts = [last, name.first]
    if name.middle:
        parts.append(name.middle[0] if initial else name.middle)
    return ', '.join(parts).upper()


def full_name(name):
    "First M Last: a provider as the signature block names them"
    if not name.first:
        return name.last.upper()
    middle = f' {name.middle[0]}' if name.middle else ''
    return f'{name.first}{middle} {name.last}'.upper()


def long_date(value):
    return value.strftime('%m %d %Y') if value else ''


def short_date(value):
    return value.strftime('%m %d %y')


def amount(value, width=8):
    "Dollars right-aligned, a blank where the form's dotted line is, cents"
    value = Decimal(value or 0).quantize(Decimal('0.01'))
    return f'{value:{width}.2f}'.replace('.', ' ')


def zip_code(value):
    digits = (value or '').replace('-', '')
    return f'{digits[:5]}-{digits[5:]}' if len(digits) == 9 else digits


def phone(value):
    digits = ''.join(c for c in value or '' if c.isdigit())[-10:]
    if len(digits) != 10:
        return None, None
    return digits[:3], f'{digits[3:6]}-{digits[6:]}'


def diagnosis(code):
    return code.replace('.', '').strip().upper()


def letters(pointers):
    return ''.join(DIAGNOSIS_LETTERS[int(p) - 1] for p in pointers)


class Page:
    "The data cells of one form: (line, column, width, text)"

    def __init__(self):
        self.cells = []

    def put(self, line, column, width, text):
        "Text cut to its box; leading blanks (right-aligned amounts) skipped"
        text = str(text or '')[:width]
        stripped = text.lstrip()
        if stripped.strip():
            self.cells.append((line, column + len(text) - len(stripped),
                    width, stripped.rstrip()))

    def check(self, line, column):
        self.put(line, column, 1, 'X')

    def yes_no(self, line, yes_column, no_column, value):
        self.check(line, yes_column if value else no_column)


def _header(page, billing, subscriber, claim):
    "Items 1-23 and the carrier block: the same on every page"
    payer = subscriber.payer
    patient = subscriber.patient
    patient_name = patient.name if patient else subscriber.name
    patient_birth = patient.birth_date if patient else subscriber.birth_date
    patient_sex = patient.sex if patient else subscriber.sex
    patient_address = patient.address if patient else subscriber.address
    relationship = patient.relationship if patient else '18'
    insured_address = subscriber.address or (
        patient_address if relationship == '18' else None)

    page.put(2, 41, 31, payer.name.upper())
    if payer.address:
        page.put(3, 41, 31, payer.address.line1.upper())
        page.put(4, 41, 31, (payer.address.line2 or '').upper())
        page.put(5, 41, 31, f'{payer.address.city}, {payer.address.state} '
            f'{zip_code(payer.address.zip)}'.upper())

    for _, column, codes in INSURANCE_TYPES:
        if codes is None or subscriber.claim_filing in codes:
            page.check(8, column)
            break
    page.put(8, 50, 29, subscriber.member_id)  # 1a
    page.put(10, 1, 28, person(patient_name))  # 2
    if patient_birth:  # 3
        page.put(10, 31, 10, long_date(patient_birth))
    if patient_sex in ('M', 'F'):
        page.check(10, 42 if patient_sex == 'M' else 47)
    page.put(10, 50, 29, person(subscriber.name))  # 4
    _address(page, 12, 1, patient_address, city_width=24, state_column=26)
    for _, column, code in RELATIONSHIPS:  # 6
        if code is None or code == relationship:
            page.check(12, column)
            break
    _address(page, 12, 50, insured_address, city_width=23, state_column=74)

    other = claim.other_payers[0] if claim.other_payers else None
    if other:  # 9, 9a, 9d
        page.put(18, 1, 28, person(other.subscriber_name))
        page.put(20, 1, 28, other.group_number or other.member_id)
        page.put(26, 1, 28, other.payer_name.upper())
    for line in (20, 22, 24):  # 10a-c: therapy is not accident related
        page.yes_no(line, 35, 41, False)
    page.put(18, 50, 29, subscriber.group_number)  # 11
    if subscriber.birth_date:  # 11a
        page.put(20, 53, 10, long_date(subscriber.birth_date))
    if subscriber.sex in ('M', 'F'):
        page.check(20, 68 if subscriber.sex == 'M' else 75)
    page.put(22, 50, 29, (subscriber.group_name or '').upper())  # 11b
    page.put(24, 50, 29, payer.name.upper())  # 11c
    page.yes_no(26, 52, 57, bool(other))  # 11d

    if claim.release_of_information == 'Y':  # 12
        page.put(29, 7, 20, 'SIGNATURE ON FILE')
    if claim.benefits_assigned == 'Y':  # 13
        page.put(29, 55, 20, 'SIGNATURE ON FILE')
    if claim.onset_date:  # 14, qualifier 431 onset
        page.put(32, 2, 10, long_date(claim.onset_date))
        page.put(32, 16, 3, '431')
    if claim.initial_treatment_date:  # 15, qualifier 454 initial treatment
        page.put(32, 31, 3, '454')
        page.put(32, 37, 10, long_date(claim.initial_treatment_date))
    referring = claim.referring
    if referring:  # 17, 17b
        page.put(34, 1, 2, 'DN')
        page.put(34, 4, 25, person(referring.name))
        page.put(34, 33, 10, referring.npi)

    page.put(37, 42, 1, '0')  # 21: ICD-10-CM
    for number, code in enumerate(claim.diagnoses[:12]):
        page.put(38 + number // 4, 3 + 13 * (number % 4), 8, diagnosis(code))
    if claim.frequency in ('7', '8'):  # 22
        page.put(38, 50, 11, claim.frequency)
        page.put(38, 62, 18, claim.payer_claim_number)
    page.put(40, 50, 29, prior_authorization(claim))  # 23


def _address(page, line, column, address, city_width, state_column):
    "Items 5 and 7: street, then city and state, then ZIP"
    if not address:
        return
    street = ' '.join(p for p in [address.line1, address.line2] if p)
    page.put(line, column, 28, street.upper())
    page.put(line + 2, column, city_width, address.city.upper())
    page.put(line + 2, state_column, 2, address.state.upper())
    page.put(line + 4, column, 10, zip_code(address.zip))


def prior_authorization(claim):
    "Item 23: the claim's number, else the one number its lines share"
    if claim.prior_authorization:
        return claim.prior_authorization
    numbers = {l.prior_authorization for l in claim.lines
        if l.prior_authorization}
    return numbers.pop() if len(numbers) == 1 else None


def _service_lines(page, claim, lines):
    "Item 24, one unshaded line each (the shaded one above stays empty)"
    rendering = claim.rendering.npi if claim.rendering else None
    for number, line in enumerate(lines):
        row = FIRST_SERVICE_LINE + 2 * number
        page.put(row, 1, 8, short_date(line.date))  # 24A from
        page.put(row, 10, 8, short_date(line.date))  # 24A to
        page.put(row, 19, 2, line.place_of_service or claim.place_of_service)
        page.put(row, 25, 6, line.procedure)  # 24D
        for index, modifier in enumerate(tuple(line.modifiers)[:4]):
            page.put(row, 33 + 3 * index, 2, modifier)
        page.put(row, 45, 4, letters(line.diagnosis_pointers))  # 24E
        page.put(row, 50, 8, amount(line.charge))  # 24F
        units = Decimal(line.units)
        page.put(row, 59, 3, units.normalize() if units % 1 == 0 else units)
        page.put(row, 68, 10, rendering)  # 24J


def _footer(page, billing, claim, last, signed):
    "Items 25-33; 28 and 29 only on the last page"
    page.put(56, 1, 15, billing.tax_id)  # 25
    page.check(56, 17 if billing.tax_id_qualifier == 'SY' else 19)
    page.put(56, 23, 14, claim.id)  # 26
    page.yes_no(56, 38, 43, claim.assignment in ('A', 'B'))  # 27
    if last:
        page.put(56, 52, 8, amount(claim.total))  # 28
        paid = sum((Decimal(o.paid or 0) for o in claim.other_payers),
            Decimal(claim.patient_paid or 0))
        page.put(56, 62, 8, amount(paid))  # 29
    area, number = phone(billing.contact_phone)  # 33 phone
    page.put(57, 66, 3, area)
    page.put(57, 70, 8, number)
    if claim.rendering:  # 31
        page.put(59, 1, 21, full_name(claim.rendering.name))
    if claim.provider_signature:
        page.put(60, 1, 21, 'SIGNATURE ON FILE')
        page.put(61, 6, 10, signed.strftime('%m %d %y'))
    facility = claim.service_facility
    if facility:  # 32, 32a
        page.put(58, 23, 26, facility.name.upper())
        page.put(59, 23, 26, facility.address.line1.upper())
        page.put(60, 23, 26, _city_line(facility.address))
        page.put(61, 23, 10, facility.npi)
    page.put(58, 50, 29, person(billing.name))  # 33, 33a
    page.put(59, 50, 29, billing.address.line1.upper())
    page.put(60, 50, 29, _city_line(billing.address))
    page.put(61, 50, 10, billing.npi)


def _city_line(address):
    return (f'{address.city} {address.state} '
        f'{zip_code(address.zip)}').upper()


def form_pages(billing, subscriber, claim, signed=None):
    """The data of each form page: six service lines a page, the claim's
    boxes repeated, the totals on the last"""
    signed = signed or dt.date.today()
    lines = list(claim.lines)
    chunks = [lines[i:i + LINES_PER_PAGE]
        for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    pages = []
    for number, chunk in enumerate(chunks, 1):
        page = Page()
        _header(page, billing, subscriber, claim)
        _service_lines(page, claim, chunk)
        _footer(page, billing, claim, number == len(chunks), signed)
        pages.append(page)
    return pages


def cms1500_pdf(billing, subscriber, claim, aligned=False, signed=None,
        offset=(0, 0)):
    """PDF bytes of the claim's CMS-1500: data only for the pre-printed
    form when ``aligned``, else with the boxes drawn"""
    return claims_pdf([(billing, subscriber, claim)], aligned=aligned,
        signed=signed, offset=offset)


def claims_pdf(forms, aligned=False, signed=None, offset=(0, 0)):
    "One PDF of the forms of several claims: (billing, subscriber, claim)"
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter, invariant=True)
    canvas.setTitle('CMS-1500 ' + ' '.join(c.id for _, _, c in forms))
    for billing, subscriber, claim in forms:
        pages = form_pages(billing, subscriber, claim, signed=signed)
        for number, page in enumerate(pages, 1):
            if not aligned:
                draw_form(canvas, number, len(pages))
            canvas.setFillColor(black)
            canvas.setFont(DATA_FONT, DATA_SIZE)
            for line, column, _, text in page.cells:
                canvas.drawString(*grid_xy(line, column, offset), text)
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()
