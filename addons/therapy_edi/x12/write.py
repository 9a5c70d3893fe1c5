"""Segment and envelope writer: ISA/GS/ST ... SE/GE/IEA around segments
given as plain lists of elements.

An element is ``None`` or ``''`` (empty), a ``str``, an ``int``, a
``Decimal`` (written without exponent or trailing zeros) or a tuple/list
(a composite, joined with the component separator). Trailing empty elements
and components are dropped, as the standard requires. A value holding a
separator character raises :class:`X12Error` rather than corrupting the file.
"""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .tokens import Separators, X12Error

__all__ = ['Envelope', 'format_element', 'write_segments', 'interchange']


def _decimal(value):
    "X12 R type: plain notation, no trailing zeros (250.00 -> 250)."
    text = format(value, 'f')
    if '.' in text:
        text = text.rstrip('0').rstrip('.')
    return text


def format_element(value, separators):
    if value is None:
        return ''
    if isinstance(value, (tuple, list)):
        parts = [format_element(v, separators) for v in value]
        while parts and not parts[-1]:
            parts.pop()
        return separators.component.join(parts)
    if isinstance(value, bool):
        return 'Y' if value else 'N'
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, dt.datetime):
        return value.strftime('%Y%m%d')
    if isinstance(value, dt.date):
        return value.strftime('%Y%m%d')
    text = str(value)
    for char in (separators.element, separators.component,
                 separators.segment, separators.repetition):
        if char in text:
            raise X12Error(
                f'{text!r} contains the separator {char!r}: change the '
                'value or the separators')
    return text


def write_segments(segments, separators=Separators(), line_break=False):
    "Text of ``segments`` (lists of elements, the first being the ID)."
    separators.check()
    end = separators.segment + ('\n' if line_break else '')
    out = []
    for seg in segments:
        if seg[0] == 'ISA':  # fixed width, keeps its empty elements
            for position, value in enumerate(seg[1:16], 1):
                if position != 11:  # ISA11 is the repetition separator
                    format_element(value, separators)
            out.append(separators.element.join(seg) + end)
            continue
        parts = [format_element(v, separators) for v in seg]
        while len(parts) > 1 and not parts[-1]:
            parts.pop()
        out.append(separators.element.join(parts) + end)
    return ''.join(out)


@dataclass
class Envelope:
    """ISA/GS values. Control numbers come from the caller (the module's
    sequences): ``interchange_control_number`` (ISA13/IEA02, 1-999999999)
    and ``group_control_number`` (GS06/GE02)."""
    sender_id: str
    receiver_id: str
    interchange_control_number: int
    group_control_number: int
    sender_qualifier: str = 'ZZ'
    receiver_qualifier: str = 'ZZ'
    application_sender: str = None  # GS02, defaults to sender_id
    application_receiver: str = None  # GS03, defaults to receiver_id
    usage: str = 'P'  # ISA15: P production, T test
    acknowledgment_requested: str = '0'  # ISA14
    created: dt.datetime = field(default_factory=dt.datetime.now)


def _isa(envelope, separators):
    number = int(envelope.interchange_control_number)
    if not 0 < number <= 999999999:
        raise X12Error(f'interchange control number {number} is not '
                       'within 1-999999999')
    for name in ('sender_id', 'receiver_id'):
        value = getattr(envelope, name)
        if not value or len(value) > 15:
            raise X12Error(f'{name} {value!r} must be 1-15 characters')
    created = envelope.created
    return ['ISA', '00', ' ' * 10, '00', ' ' * 10,
            envelope.sender_qualifier.ljust(2), envelope.sender_id.ljust(15),
            envelope.receiver_qualifier.ljust(2),
            envelope.receiver_id.ljust(15),
            created.strftime('%y%m%d'), created.strftime('%H%M'),
            separators.repetition, '00501', f'{number:09d}',
            envelope.acknowledgment_requested, envelope.usage,
            separators.component]


def interchange(envelope, functional_id, version, transactions,
                separators=Separators(), line_break=False, st03=True):
    """Text of one interchange with one functional group.

    ``transactions`` is a list of ``(st01, st02, segments)`` where
    ``segments`` are the body lists between ST and SE; ST03 is
    ``version`` (left out with ``st03=False``: the 835 does not use it),
    SE01 counts ST through SE."""
    separators.check()
    created = envelope.created
    group_number = int(envelope.group_control_number)
    segments = [_isa(envelope, separators), [
        'GS', functional_id,
        envelope.application_sender or envelope.sender_id,
        envelope.application_receiver or envelope.receiver_id,
        created.strftime('%Y%m%d'), created.strftime('%H%M'),
        str(group_number), 'X', version]]
    for st01, st02, body in transactions:
        segments.append(['ST', st01, st02] + ([version] if st03 else []))
        segments.extend(body)
        segments.append(['SE', str(len(body) + 2), st02])
    segments.append(['GE', str(len(transactions)), str(group_number)])
    segments.append(['IEA', '1', segments[0][13]])
    return write_segments(segments, separators, line_break)
