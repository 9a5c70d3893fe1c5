"""Client statement, superbill and desk receipt as PDF (reportlab), from
plain data.

Kept apart from the ERP: report.py gathers the data from the ledger and
the charges, these functions only lay it out, so they are easy to test.
Every word a document prints comes in data['text'] ({key: text}, the keys
listed below; report.py reads them from the module's ir.messages, in the
reader's language); a text with %(name)s placeholders is filled here."""
import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle)
from xml.sax.saxutils import escape

STATEMENT_TEXT = ('title', 'heading', 'date', 'for', 'col_date',
    'col_description', 'col_amount', 'col_balance', 'no_items', 'deposit',
    'total', 'deposit_note', 'how_to_pay')
SUPERBILL_TEXT = ('title', 'heading', 'npi_tax', 'purpose', 'period',
    'col_client', 'col_provider', 'client', 'provider', 'diagnoses',
    'col_code', 'col_description', 'services', 'col_date', 'col_procedure',
    'col_modifiers', 'col_units', 'col_place', 'col_fee', 'total', 'paid',
    'balance')
ESTIMATE_TEXT = ('title', 'heading', 'draft', 'npi_tax', 'issued',
    'period', 'col_client', 'col_provider', 'client', 'services',
    'col_service', 'col_code', 'col_frequency', 'col_quantity', 'col_fee',
    'col_amount', 'tier', 'total', 'diagnoses', 'no_diagnoses',
    'notice_heading', 'notice_right', 'notice_estimate', 'notice_dispute',
    'notice_more', 'notice_keep')
RECEIPT_TEXT = ('heading', 'date', 'client', 'received_from', 'for',
    'visit', 'amount', 'method', 'applies_to', 'thanks')

STYLES = getSampleStyleSheet()
GRID = TableStyle([
        ('GRID', (0, 0), (-1, -1), 0.4, colors.grey),
        ('BACKGROUND', (0, 0), (-1, 0), colors.HexColor('#e6f2f2')),
        ('FONTSIZE', (0, 0), (-1, -1), 9),
        ('VALIGN', (0, 0), (-1, -1), 'TOP'),
        ])


def money(value):
    return f'-${-value:,.2f}' if value < 0 else f'${value:,.2f}'


def _text(data, key, **values):
    "data's text of key, with values in its %(name)s placeholders"
    text = data['text'][key]
    return text % values if values else text


def _paragraphs(lines, style='Normal'):
    return [Paragraph(escape(str(line)), STYLES[style]) for line in lines
        if line]


def _table(header, rows, widths=None):
    table = Table([header] + rows, colWidths=widths, repeatRows=1)
    table.setStyle(GRID)
    return table


def _build(title, story):
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=LETTER, title=title,
        leftMargin=0.7 * inch, rightMargin=0.7 * inch,
        topMargin=0.6 * inch, bottomMargin=0.6 * inch)
    document.build(story)
    return buffer.getvalue()


def statement_pdf(data):
    """data: practice (name, address lines, phone), guarantor (name,
    address lines), date, client (name, number), items [(date,
    description, amount, balance)], aging {bucket: amount}, deposit (paid
    at the desk, not applied yet), total, how_to_pay (lines), text (the
    keys of STATEMENT_TEXT)"""
    story = _paragraphs([data['practice']['name']], 'Title')
    story += _paragraphs(data['practice']['address'] + [
            data['practice'].get('phone')])
    story.append(Spacer(1, 12))
    story += _paragraphs([_text(data, 'heading')], 'Heading1')
    story += _paragraphs([_text(data, 'date', date=data['date']),
            _text(data, 'for', name=data['client']['name'],
                number=data['client']['number'])])
    story.append(Spacer(1, 6))
    story += _paragraphs([data['guarantor']['name']]
        + data['guarantor']['address'])
    story.append(Spacer(1, 12))
    story.append(_table([_text(data, 'col_date'),
                _text(data, 'col_description'), _text(data, 'col_amount'),
                _text(data, 'col_balance')],
            [[str(d), Paragraph(escape(text), STYLES['Normal']), money(a),
                    money(b)] for d, text, a, b in data['items']]
            or [["", _text(data, 'no_items'), "", ""]],
            [0.9 * inch, 3.6 * inch, 1 * inch, 1.1 * inch]))
    story.append(Spacer(1, 12))
    buckets = list(data['aging'].items())
    deposit = data.get('deposit')
    story.append(_table([b for b, _ in buckets]
            + ([_text(data, 'deposit')] if deposit else [])
            + [_text(data, 'total')],
            [[money(v) for _, v in buckets]
                + ([money(-deposit)] if deposit else [])
                + [money(data['total'])]]))
    if deposit:
        story += _paragraphs([_text(data, 'deposit_note')])
    story.append(Spacer(1, 12))
    story += _paragraphs([_text(data, 'how_to_pay')], 'Heading2')
    story += _paragraphs(data['how_to_pay'])
    return _build(
        _text(data, 'title', number=data['client']['number']), story)


def superbill_pdf(data):
    """data: practice (name, address, phone, npi, tax_id), provider (name,
    npi, credential), client (name, number, birth_date, address),
    period (from, to), diagnoses [(code, description)], lines [(date, code,
    modifiers, units, fee, place)], total, paid, text (the keys of
    SUPERBILL_TEXT)"""
    practice = data['practice']
    story = _paragraphs([practice['name']], 'Title')
    story += _paragraphs(practice['address'] + [practice.get('phone'),
            _text(data, 'npi_tax', npi=practice.get('npi') or '-',
                tax_id=practice.get('tax_id') or '-')])
    story.append(Spacer(1, 10))
    story += _paragraphs([_text(data, 'heading')], 'Heading1')
    story += _paragraphs([_text(data, 'purpose'),
            _text(data, 'period', start=data['period'][0],
                end=data['period'][1])])
    story.append(Spacer(1, 6))
    client = data['client']
    provider = data['provider']
    story.append(_table(
            [_text(data, 'col_client'), _text(data, 'col_provider')], [[
                Paragraph(escape(_text(data, 'client', name=client['name'],
                            number=client['number'],
                            birth_date=client.get('birth_date') or '-')),
                    STYLES['Normal']),
                Paragraph(escape(_text(data, 'provider',
                            name=provider['name'],
                            credential=provider.get('credential') or '',
                            npi=provider.get('npi') or '-')),
                    STYLES['Normal'])]],
            [3.3 * inch, 3.3 * inch]))
    story.append(Spacer(1, 10))
    story += _paragraphs([_text(data, 'diagnoses')], 'Heading2')
    story.append(_table(
            ["", _text(data, 'col_code'), _text(data, 'col_description')],
            [[chr(ord('A') + i), code, Paragraph(escape(text),
                        STYLES['Normal'])]
                for i, (code, text) in enumerate(data['diagnoses'])]
            or [["", "-", ""]],
            [0.3 * inch, 0.9 * inch, 5.4 * inch]))
    story.append(Spacer(1, 10))
    story += _paragraphs([_text(data, 'services')], 'Heading2')
    story.append(_table([_text(data, key) for key in ('col_date',
                    'col_procedure', 'col_modifiers', 'col_units',
                    'col_place', 'col_fee')],
            [[str(d), code, modifiers or '', str(units), place or '',
                    money(fee)]
                for d, code, modifiers, units, fee, place in data['lines']]))
    story.append(Spacer(1, 10))
    story.append(_table([_text(data, 'total'), _text(data, 'paid'),
                _text(data, 'balance')], [[
                money(data['total']), money(data['paid']),
                money(data['total'] - data['paid'])]]))
    return _build(_text(data, 'title', number=client['number']), story)


def estimate_pdf(data):
    """The Good Faith Estimate (45 CFR 149.610, after CMS's model form).
    data: practice (name, address, phone, npi, tax_id), client (name,
    number, birth_date), issued (date or None: a draft), period (from,
    to), lines [(description, code, frequency, quantity, fee, amount,
    tier name or None)], total, diagnoses (codes), text (the keys of
    ESTIMATE_TEXT)"""
    practice = data['practice']
    client = data['client']
    story = _paragraphs([practice['name']], 'Title')
    story += _paragraphs(practice['address'] + [practice.get('phone'),
            _text(data, 'npi_tax', npi=practice.get('npi') or '-',
                tax_id=practice.get('tax_id') or '-')])
    story.append(Spacer(1, 10))
    story += _paragraphs([_text(data, 'heading')], 'Heading1')
    if not data.get('issued'):
        story += _paragraphs([_text(data, 'draft')], 'Heading2')
    story += _paragraphs([
            _text(data, 'issued', date=data.get('issued') or '-'),
            _text(data, 'period', start=data['period'][0],
                end=data['period'][1])])
    story.append(Spacer(1, 6))
    story.append(_table(
            [_text(data, 'col_client'), _text(data, 'col_provider')], [[
                Paragraph(escape(_text(data, 'client', name=client['name'],
                            number=client['number'],
                            birth_date=client.get('birth_date') or '-')),
                    STYLES['Normal']),
                Paragraph(escape(practice['name']), STYLES['Normal'])]],
            [3.3 * inch, 3.3 * inch]))
    story.append(Spacer(1, 10))
    story += _paragraphs([_text(data, 'services')], 'Heading2')
    rows = []
    for description, code, frequency, quantity, fee, amount, tier in (
            data['lines']):
        if tier:
            description = f'{description} ({_text(data, "tier", tier=tier)})'
        rows.append([Paragraph(escape(description), STYLES['Normal']), code,
                Paragraph(escape(frequency or ''), STYLES['Normal']),
                str(quantity), money(fee), money(amount)])
    rows.append(['', '', '', '', _text(data, 'total'), money(data['total'])])
    story.append(_table([_text(data, key) for key in ('col_service',
                    'col_code', 'col_frequency', 'col_quantity', 'col_fee',
                    'col_amount')], rows,
            [2.2 * inch, 0.7 * inch, 1.3 * inch, 0.7 * inch, 0.85 * inch,
                0.85 * inch]))
    story.append(Spacer(1, 10))
    story += _paragraphs([_text(data, 'diagnoses')], 'Heading2')
    story += _paragraphs([', '.join(data['diagnoses'])
            or _text(data, 'no_diagnoses')])
    story.append(Spacer(1, 10))
    story += _paragraphs([_text(data, 'notice_heading')], 'Heading2')
    story += _paragraphs([_text(data, key) for key in ('notice_right',
                'notice_estimate', 'notice_dispute', 'notice_more',
                'notice_keep')])
    return _build(_text(data, 'title', number=client['number']), story)


def receipt_pdf(data):
    """data: practice (name, address lines, phone), number, date,
    client_number, received_from, kind, visit (date or None), amount,
    method, applies_to (lines), text (the keys of RECEIPT_TEXT)"""
    practice = data['practice']
    story = _paragraphs([practice['name']], 'Title')
    story += _paragraphs(practice['address'] + [practice.get('phone')])
    story.append(Spacer(1, 12))
    heading = _text(data, 'heading', number=data['number'])
    story += _paragraphs([heading], 'Heading1')
    rows = [
        [_text(data, 'date'), str(data['date'])],
        [_text(data, 'client'), data['client_number']],
        [_text(data, 'received_from'), data['received_from']],
        [_text(data, 'for'), _text(data, 'visit', kind=data['kind'],
                visit=data['visit']) if data.get('visit') else data['kind']],
        [_text(data, 'amount'), money(data['amount'])],
        [_text(data, 'method'), data['method']],
        [_text(data, 'applies_to'), Paragraph('<br/>'.join(
                    escape(line) for line in data['applies_to']) or "-",
                STYLES['Normal'])],
        ]
    table = Table(rows, colWidths=[1.5 * inch, 5.1 * inch])
    table.setStyle(TableStyle([
                ('GRID', (0, 0), (-1, -1), 0.4, colors.grey),
                ('BACKGROUND', (0, 0), (0, -1), colors.HexColor('#e6f2f2')),
                ('FONTSIZE', (0, 0), (-1, -1), 10),
                ('VALIGN', (0, 0), (-1, -1), 'TOP'),
                ]))
    story.append(table)
    story.append(Spacer(1, 12))
    story += _paragraphs([_text(data, 'thanks')])
    return _build(heading, story)
