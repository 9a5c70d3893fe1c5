"""Client statement, superbill and desk receipt as PDF (reportlab), from
plain data.

Kept apart from the ERP: report.py gathers the data from the ledger and
the charges, these functions only lay it out, so they are easy to test."""
import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle)
from xml.sax.saxutils import escape

STYLES = getSampleStyleSheet()
GRID = TableStyle([
        ('GRID', (0, 0), (-1, -1), 0.4, colors.grey),
        ('BACKGROUND', (0, 0), (-1, 0), colors.HexColor('#e6f2f2')),
        ('FONTSIZE', (0, 0), (-1, -1), 9),
        ('VALIGN', (0, 0), (-1, -1), 'TOP'),
        ])


def money(value):
    return f'-${-value:,.2f}' if value < 0 else f'${value:,.2f}'


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
    at the desk, not applied yet), total, how_to_pay (lines)"""
    story = _paragraphs([data['practice']['name']], 'Title')
    story += _paragraphs(data['practice']['address'] + [
            data['practice'].get('phone')])
    story.append(Spacer(1, 12))
    story += _paragraphs(["Statement"], 'Heading1')
    story += _paragraphs([f"Date: {data['date']}",
            f"For: {data['client']['name']} (client {data['client']['number']})"])
    story.append(Spacer(1, 6))
    story += _paragraphs([data['guarantor']['name']]
        + data['guarantor']['address'])
    story.append(Spacer(1, 12))
    story.append(_table(["Date", "Description", "Amount", "Balance due"],
            [[str(d), Paragraph(escape(text), STYLES['Normal']), money(a),
                    money(b)] for d, text, a, b in data['items']]
            or [["", "No open items", "", ""]],
            [0.9 * inch, 3.6 * inch, 1 * inch, 1.1 * inch]))
    story.append(Spacer(1, 12))
    buckets = list(data['aging'].items())
    deposit = data.get('deposit')
    story.append(_table([b for b, _ in buckets]
            + (["Paid, not applied yet"] if deposit else []) + ["Total due"],
            [[money(v) for _, v in buckets]
                + ([money(-deposit)] if deposit else [])
                + [money(data['total'])]]))
    if deposit:
        story += _paragraphs(["Payments taken at the desk wait for your "
                "insurer's answer and are then applied to what you owe."])
    story.append(Spacer(1, 12))
    story += _paragraphs(["How to pay"], 'Heading2')
    story += _paragraphs(data['how_to_pay'])
    return _build(f"Statement {data['client']['number']}", story)


def superbill_pdf(data):
    """data: practice (name, address, phone, npi, tax_id), provider (name,
    npi, credential), client (name, number, birth_date, address),
    period (from, to), diagnoses [(code, description)], lines [(date, code,
    modifiers, units, fee, place)], total, paid"""
    practice = data['practice']
    story = _paragraphs([practice['name']], 'Title')
    story += _paragraphs(practice['address'] + [practice.get('phone'),
            f"NPI: {practice.get('npi') or '-'}    "
            f"Tax ID: {practice.get('tax_id') or '-'}"])
    story.append(Spacer(1, 10))
    story += _paragraphs(["Superbill"], 'Heading1')
    story += _paragraphs([
            "Statement of services for submission to your insurance "
            "(out-of-network reimbursement).",
            f"Services from {data['period'][0]} to {data['period'][1]}"])
    story.append(Spacer(1, 6))
    client = data['client']
    provider = data['provider']
    story.append(_table(["Client", "Rendering provider"], [[
                Paragraph(escape(
                        f"{client['name']} ({client['number']}), born "
                        f"{client.get('birth_date') or '-'}"),
                    STYLES['Normal']),
                Paragraph(escape(
                        f"{provider['name']} {provider.get('credential') or ''}"
                        f", NPI {provider.get('npi') or '-'}"),
                    STYLES['Normal'])]],
            [3.3 * inch, 3.3 * inch]))
    story.append(Spacer(1, 10))
    story += _paragraphs(["Diagnoses (ICD-10-CM)"], 'Heading2')
    story.append(_table(["", "Code", "Description"],
            [[chr(ord('A') + i), code, Paragraph(escape(text),
                        STYLES['Normal'])]
                for i, (code, text) in enumerate(data['diagnoses'])]
            or [["", "-", ""]],
            [0.3 * inch, 0.9 * inch, 5.4 * inch]))
    story.append(Spacer(1, 10))
    story += _paragraphs(["Services"], 'Heading2')
    story.append(_table(
            ["Date", "CPT/HCPCS", "Modifiers", "Units", "Place", "Fee"],
            [[str(d), code, modifiers or '', str(units), place or '',
                    money(fee)]
                for d, code, modifiers, units, fee, place in data['lines']]))
    story.append(Spacer(1, 10))
    story.append(_table(["Total charges", "Paid", "Balance"], [[
                money(data['total']), money(data['paid']),
                money(data['total'] - data['paid'])]]))
    return _build(f"Superbill {client['number']}", story)


def receipt_pdf(data):
    """data: practice (name, address lines, phone), number, date,
    client_number, received_from, kind, visit (date or None), amount,
    method, applies_to (lines)"""
    practice = data['practice']
    story = _paragraphs([practice['name']], 'Title')
    story += _paragraphs(practice['address'] + [practice.get('phone')])
    story.append(Spacer(1, 12))
    story += _paragraphs([f"Receipt {data['number']}"], 'Heading1')
    rows = [
        ["Date", str(data['date'])],
        ["Client", data['client_number']],
        ["Received from", data['received_from']],
        ["For", data['kind'] + (f", visit of {data['visit']}"
                if data.get('visit') else "")],
        ["Amount", money(data['amount'])],
        ["Method", data['method']],
        ["Applies to", Paragraph('<br/>'.join(
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
    story += _paragraphs(["Thank you. Keep this receipt: a copay held on "
            "account is applied to your share once your insurer answers."])
    return _build(f"Receipt {data['number']}", story)
