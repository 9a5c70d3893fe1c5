"""The CMS-1500 (02/12) grid and, for plain paper, its boxes and labels.

The grid is the pre-printed form's: 10 characters an inch, 6 lines an inch,
line 1 at the top edge of the letter page, column 1 at 0.3 in. Each box
below is (first line, last line, first column, last column, label) on that
grid, its label on the first line and its data on the last, so the drawn
form and the aligned data of cms1500.py stay on the same cells. The labels
abbreviate the form's wording (NUCC 02/12); pure Python, no Tryton.
"""
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import letter

CHAR_WIDTH = 72 / 10
LINE_HEIGHT = 72 / 6
LEFT = 0.3 * 72
PAGE_HEIGHT = letter[1]
DATA_FONT = 'Courier'  # 10 pt Courier: exactly 10 characters an inch
DATA_SIZE = 10
LABEL_FONT = 'Helvetica'
LABEL_SIZE = 5.5
FORM_RED = Color(0.7, 0.1, 0.1)
SHADE = Color(1, 0.92, 0.92)

# item 1: SBR09 claim filing indicator -> column of its X
INSURANCE_TYPES = [
    ('MEDICARE', 1, {'MA', 'MB'}), ('MEDICAID', 8, {'MC'}),
    ('TRICARE', 15, {'CH'}), ('CHAMPVA', 24, {'VA'}),
    ('GROUP', 31, {'BL', 'CI', 'HM', '12', '13', '14', '15', '16', '17'}),
    ('FECA', 39, {'FI'}), ('OTHER', 45, None)]
# item 6: relationship code -> column of its X
RELATIONSHIPS = [('Self', 33, '18'), ('Spouse', 38, '01'),
    ('Child', 42, '19'), ('Other', 47, None)]

BOXES = [
    (1, 5, 40, 79, "CARRIER: PAYER NAME AND ADDRESS"),
    (7, 8, 1, 48, "1."),
    (7, 8, 49, 79, "1a. INSURED'S I.D. NUMBER (For Program in Item 1)"),
    (9, 10, 1, 29, "2. PATIENT'S NAME (Last Name, First Name, Middle "
        "Initial)"),
    (9, 10, 30, 48, "3. PATIENT'S BIRTH DATE (MM DD YY)   SEX"),
    (9, 10, 49, 79, "4. INSURED'S NAME (Last Name, First Name, Middle "
        "Initial)"),
    (11, 16, 1, 29, "5. PATIENT'S ADDRESS (No., Street)"),
    (11, 12, 30, 48, "6. PATIENT RELATIONSHIP TO INSURED"),
    (13, 16, 30, 48, "8. RESERVED FOR NUCC USE"),
    (11, 16, 49, 79, "7. INSURED'S ADDRESS (No., Street)"),
    (17, 18, 1, 29, "9. OTHER INSURED'S NAME (Last, First, MI)"),
    (19, 20, 1, 29, "a. OTHER INSURED'S POLICY OR GROUP NUMBER"),
    (21, 22, 1, 29, "b. RESERVED FOR NUCC USE"),
    (23, 24, 1, 29, "c. RESERVED FOR NUCC USE"),
    (25, 26, 1, 29, "d. INSURANCE PLAN NAME OR PROGRAM NAME"),
    (17, 18, 30, 48, "10. IS PATIENT'S CONDITION RELATED TO:"),
    (19, 20, 30, 48, "a. EMPLOYMENT? (Current or Previous)"),
    (21, 22, 30, 48, "b. AUTO ACCIDENT?       PLACE (State)"),
    (23, 24, 30, 48, "c. OTHER ACCIDENT?"),
    (25, 26, 30, 48, "10d. CLAIM CODES (Designated by NUCC)"),
    (17, 18, 49, 79, "11. INSURED'S POLICY GROUP OR FECA NUMBER"),
    (19, 20, 49, 79, "a. INSURED'S DATE OF BIRTH (MM DD YY)        SEX"),
    (21, 22, 49, 79, "b. OTHER CLAIM ID (Designated by NUCC)"),
    (23, 24, 49, 79, "c. INSURANCE PLAN NAME OR PROGRAM NAME"),
    (25, 26, 49, 79, "d. IS THERE ANOTHER HEALTH BENEFIT PLAN?"),
    (27, 29, 1, 48, "12. PATIENT'S OR AUTHORIZED PERSON'S SIGNATURE: "
        "I authorize the release of any medical or other information "
        "necessary to process this claim."),
    (27, 29, 49, 79, "13. INSURED'S OR AUTHORIZED PERSON'S SIGNATURE: "
        "payment of medical benefits to the provider."),
    (31, 32, 1, 29, "14. DATE OF CURRENT ILLNESS (MM DD YY)   QUAL."),
    (31, 32, 30, 48, "15. OTHER DATE   QUAL.   MM DD YY"),
    (31, 32, 49, 79, "16. DATES PATIENT UNABLE TO WORK"),
    (33, 34, 1, 29, "17. NAME OF REFERRING PROVIDER OR OTHER SOURCE"),
    (33, 34, 30, 48, "17a.          17b. NPI"),
    (33, 34, 49, 79, "18. HOSPITALIZATION DATES RELATED TO CURRENT "
        "SERVICES"),
    (35, 36, 1, 48, "19. ADDITIONAL CLAIM INFORMATION (Designated by "
        "NUCC)"),
    (35, 36, 49, 79, "20. OUTSIDE LAB?          $ CHARGES"),
    (37, 40, 1, 48, "21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY "
        "Relate A-L to service line below (24E)     ICD Ind."),
    (37, 38, 49, 79, "22. RESUBMISSION CODE      ORIGINAL REF. NO."),
    (39, 40, 49, 79, "23. PRIOR AUTHORIZATION NUMBER"),
    (55, 56, 1, 21, "25. FEDERAL TAX I.D. NUMBER   SSN EIN"),
    (55, 56, 22, 36, "26. PATIENT'S ACCOUNT NO."),
    (55, 56, 37, 49, "27. ACCEPT ASSIGNMENT?"),
    (55, 56, 50, 60, "28. TOTAL CHARGE"),
    (55, 56, 61, 70, "29. AMOUNT PAID"),
    (55, 56, 71, 79, "30. Rsvd for NUCC Use"),
    (57, 62, 1, 21, "31. SIGNATURE OF PHYSICIAN OR SUPPLIER INCLUDING "
        "DEGREES OR CREDENTIALS"),
    (57, 62, 22, 48, "32. SERVICE FACILITY LOCATION INFORMATION"),
    (57, 62, 49, 79, "33. BILLING PROVIDER INFO & PH #"),
    ]

# item 24: (first column, last column, label) of each column
SERVICE_COLUMNS = [
    (1, 18, "24. A. DATE(S) OF SERVICE  From MM DD YY  To MM DD YY"),
    (19, 21, "B. POS"), (22, 24, "C. EMG"),
    (25, 44, "D. PROCEDURES, SERVICES, OR SUPPLIES  CPT/HCPCS  MODIFIER"),
    (45, 49, "E. DX PTR"), (50, 58, "F. $ CHARGES"),
    (59, 62, "G. UNITS"), (63, 64, "H."),
    (65, 67, "I. QUAL"), (68, 79, "J. RENDERING PROVIDER ID. #"),
    ]
# checkboxes drawn around the cell of their X: (line, column, caption)
CHECKBOXES = (
    [(8, column, name) for name, column, _ in INSURANCE_TYPES]
    + [(10, 42, 'M'), (10, 47, 'F'), (20, 68, 'M'), (20, 75, 'F')]
    + [(12, column, name) for name, column, _ in RELATIONSHIPS]
    + [(line, column, caption) for line in (20, 22, 24)
        for column, caption in ((35, 'YES'), (41, 'NO'))]
    + [(26, 52, 'YES'), (26, 57, 'NO'), (56, 17, ''), (56, 19, ''),
        (56, 38, 'YES'), (56, 43, 'NO'), (36, 52, 'YES'), (36, 57, 'NO')])
# small captions inside boxes: (line, column, text)
CAPTIONS = [
    (13, 1, "CITY"), (13, 26, "STATE"), (15, 1, "ZIP CODE"),
    (15, 15, "TELEPHONE (Include Area Code)"),
    (13, 50, "CITY"), (13, 74, "STATE"), (15, 50, "ZIP CODE"),
    (15, 65, "TELEPHONE"), (61, 22, "a."), (61, 49, "a."),
    (61, 1, "DATE"),
    ]


def grid_xy(line, column, offset=(0, 0)):
    "PDF point of the baseline start of a character cell (1-based)"
    x = LEFT + (column - 1) * CHAR_WIDTH + offset[0]
    y = PAGE_HEIGHT - line * LINE_HEIGHT + 3 - offset[1]
    return x, y


def _left(column):
    return LEFT + (column - 1) * CHAR_WIDTH - 2


def _top(line):
    return PAGE_HEIGHT - (line - 1) * LINE_HEIGHT


def _label(canvas, x, y, text, width):
    "A label cut to the box's width (the small font fits most whole)"
    size = LABEL_SIZE
    while text and canvas.stringWidth(text, LABEL_FONT, size) > width:
        text = text[:-1]
    canvas.setFont(LABEL_FONT, size)
    canvas.drawString(x, y, text)


def draw_form(canvas, number, count):
    "The form's boxes and labels in red, under the data"
    canvas.saveState()
    canvas.setStrokeColor(FORM_RED)
    canvas.setFillColor(FORM_RED)
    canvas.setLineWidth(0.5)
    canvas.setFont('Helvetica-Bold', 11)
    canvas.drawString(LEFT, _top(6) - 10, "HEALTH INSURANCE CLAIM FORM")
    canvas.setFont(LABEL_FONT, 6)
    canvas.drawString(LEFT, _top(1) - 20,
        "APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12")
    canvas.drawRightString(_left(80), _top(6) - 10,
        f"PAGE {number} OF {count}")
    for first, last, start, end, label in BOXES:
        x, top = _left(start), _top(first)
        width = _left(end + 1) - x
        canvas.rect(x, _top(last + 1), width, top - _top(last + 1))
        _label(canvas, x + 1.5, top - 6, label, width - 3)
    # item 24: header, six shaded/unshaded rows, column rules
    top, bottom = _top(41), _top(55)
    canvas.rect(_left(1), bottom, _left(80) - _left(1), top - bottom)
    for row in range(6):
        shaded = 43 + 2 * row
        canvas.setFillColor(SHADE)
        canvas.rect(_left(1), _top(shaded + 1), _left(80) - _left(1),
            LINE_HEIGHT, stroke=0, fill=1)
        canvas.setFillColor(FORM_RED)
        canvas.line(_left(1), _top(shaded), _left(80), _top(shaded))
        canvas.setFont(LABEL_FONT, 7)
        canvas.drawString(_left(1) - 8, _top(shaded + 1) - 9, str(row + 1))
    for start, end, label in SERVICE_COLUMNS:
        x, width = _left(start), _left(end + 1) - _left(start)
        canvas.line(x, top, x, bottom)
        _label(canvas, x + 1.5, top - 6, label, width - 3)
    # dotted rules where the form splits dollars from cents
    canvas.setDash(1, 2)
    for column, first, last in ((55, 43, 54), (57, 56, 56), (67, 56, 56)):
        x = _left(column) + 2 + CHAR_WIDTH / 2
        canvas.line(x, _top(first), x, _top(last + 1))
    canvas.setDash()
    canvas.setFont(LABEL_FONT, LABEL_SIZE)
    for index, letter_ in enumerate('ABCDEFGHIJKL'):
        x, y = grid_xy(38 + index // 4, 1 + 13 * (index % 4))
        canvas.drawString(x, y, f"{letter_}.")
    for line, column, caption in CAPTIONS:
        if caption:
            x, y = grid_xy(line, column)
            canvas.drawString(x, _top(line) - 6, caption)
    for line, column, caption in CHECKBOXES:
        x, y = grid_xy(line, column)
        canvas.rect(x - 1, y - 2, CHAR_WIDTH + 1, 9)
        if caption:
            canvas.drawString(x + CHAR_WIDTH + 1.5, y + 1, caption)
    canvas.restoreState()
