"""Separators, the tokenizer and the envelope (ISA/GS/ST ... SE/GE/IEA).

A segment is a plain ``list`` of strings: ``seg[0]`` is the segment ID and
``seg[n]`` the n-th element, so reading an element costs an index, and
components (``HC:90837:HO``) are split only by the code that needs them
(:func:`components`). Tokenizing is two ``str.split`` passes, which keeps a
reader within a small factor of a naive split of the same file.

Separators are never assumed: the element separator is ISA's fourth
character, the repetition separator ISA11 (5010), the component separator
ISA16 and the segment terminator the character right after ISA16 (a line
break when the file has no terminator of its own).
"""
import re
from dataclasses import dataclass, field

__all__ = [
    'X12Error', 'Separators', 'Transaction', 'Group', 'Interchange',
    'Document', 'tokenize', 'tokenize_interchanges', 'parse', 'components',
    'element']

BOM = '\ufeff'
WHITESPACE = ' \t\r\n'
ISA_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]


class X12Error(ValueError):
    """A file that is not X12 or breaks the envelope rules.

    ``segment`` is the 1-based number of the offending segment in the file
    (ISA is segment 1) and ``segment_id`` its ID, when known."""

    def __init__(self, message, segment=None, segment_id=None):
        self.segment = segment
        self.segment_id = segment_id
        self.reason = message
        where = ''
        if segment is not None:
            where = f'segment {segment}'
            if segment_id:
                where += f' ({segment_id})'
            where += ': '
        super().__init__(where + message)


@dataclass(frozen=True)
class Separators:
    element: str = '*'
    component: str = ':'
    segment: str = '~'
    repetition: str = '^'

    def check(self):
        chars = [self.element, self.component, self.segment, self.repetition]
        if any(len(c) != 1 for c in chars) or len(set(chars)) != 4:
            raise X12Error(
                'separators must be four different single characters, '
                f'got {chars!r}')
        if any(c.isalnum() for c in chars):
            raise X12Error(
                f'a separator cannot be a letter or digit: {chars!r}')
        return self


def components(value, separators):
    "The components of a composite element (``'HC:90837:HO'``)."
    return value.split(separators.component) if value else []


def element(segment, position, default=''):
    "Element ``position`` (1-based) of a segment, ``default`` when absent."
    return segment[position] if position < len(segment) else default


def _separators(text, number=1):
    if not text.startswith('ISA') or len(text) < 4:
        if number > 1:
            raise X12Error(
                'after the IEA that ends an interchange only another ISA '
                'may follow', number, text[:3] or None)
        raise X12Error(
            'the file does not start with an ISA segment (after any BOM '
            'and leading blank space): this is not an X12 interchange',
            number, text[:3] or None)
    sep = text[3]
    if sep.isalnum() or sep in WHITESPACE:
        raise X12Error(
            f'{sep!r} after ISA cannot be an element separator',
            number, 'ISA')
    # ISA16 is the 16th element: after the 16th separator
    pos = 3
    for _ in range(15):
        pos = text.find(sep, pos + 1)
        if pos < 0:
            raise X12Error(
                'the ISA segment has fewer than 16 elements', number, 'ISA')
    if pos + 1 >= len(text):
        raise X12Error('the file ends inside the ISA segment', number, 'ISA')
    component = text[pos + 1]
    terminator = text[pos + 2] if pos + 2 < len(text) else ''
    if terminator in ('', '\r'):
        terminator = '\n'
    if terminator.isalnum() or terminator in (sep, ' '):
        raise X12Error(
            f'{terminator!r} right after ISA16 cannot be a segment '
            'terminator', number, 'ISA')
    isa = text[:pos + 2].split(sep)
    repetition = isa[11] if len(isa[11]) == 1 and not isa[11].isalnum() \
        else '^'
    if repetition in (sep, component, terminator):
        repetition = '^' if '^' not in (sep, component, terminator) else '\x1f'
    if component.isalnum() or component in (sep, terminator):
        raise X12Error(
            f'ISA16 {component!r} cannot be a component separator',
            number, 'ISA')
    return Separators(sep, component, terminator, repetition)


def _decode(text):
    if isinstance(text, bytes):
        try:
            text = text.decode('utf-8')
        except UnicodeDecodeError:
            text = text.decode('latin-1')
    return text.lstrip(BOM + WHITESPACE)


def _interchange_end(text, separators):
    "Offset just after this interchange's IEA (or the end of the text)."
    found = re.search(
        re.escape(separators.segment) + r'[ \t\r\n]*IEA'
        + re.escape(separators.element), text)
    if found is None:
        return len(text)
    end = text.find(separators.segment, found.end())
    return len(text) if end < 0 else end + 1


def _split(text, separators, before):
    sep = separators.element
    segments = []
    append = segments.append
    for raw in text.split(separators.segment):
        raw = raw.strip(WHITESPACE)
        if not raw:
            continue
        seg = raw.split(sep)
        ident = seg[0]
        if not (2 <= len(ident) <= 3 and ident.isalnum()
                and ident == ident.upper()):
            raise X12Error(
                f'{ident!r} is not a segment ID (2-3 capitals or digits '
                f'before the element separator {sep!r})',
                before + len(segments) + 1, ident[:10] or None)
        append(seg)
    return segments


def tokenize_interchanges(text):
    """``[(separators, segments), ...]``, one per interchange: each ISA
    declares its own separators, so files joined from several senders
    read too."""
    text = _decode(text)
    interchanges = []
    count = 0
    while text:
        separators = _separators(text, count + 1)
        end = _interchange_end(text, separators)
        segments = _split(text[:end], separators, count)
        interchanges.append((separators, segments))
        count += len(segments)
        text = text[end:].lstrip(WHITESPACE)
    if not interchanges:
        raise X12Error('the file is empty', 1)
    return interchanges


def tokenize(text):
    """``(separators, segments)`` of an X12 text (``str`` or ``bytes``):
    the first interchange's separators and the segments of all.

    Tolerates a UTF-8 BOM, leading blank space, CR/LF or no line breaks and
    indented lines. Raises :class:`X12Error` naming the segment number when a
    segment has no valid ID."""
    interchanges = tokenize_interchanges(text)
    return interchanges[0][0], [
        seg for _, segments in interchanges for seg in segments]


@dataclass
class Transaction:
    "One ST ... SE transaction set: ``segments`` excludes ST and SE."
    st: list
    segments: list
    se: list
    number: int  # segment number of ST in the file
    group: 'Group' = field(default=None, repr=False)
    separators: Separators = field(default=None, repr=False)

    @property
    def type(self):
        return self.st[1]

    @property
    def control_number(self):
        return self.st[2]

    @property
    def implementation(self):
        "ST03, or the group's GS08 when ST03 is absent."
        return element(self.st, 3) or element(self.group.gs, 8)


@dataclass
class Group:
    gs: list
    transactions: list
    ge: list
    number: int


@dataclass
class Interchange:
    isa: list
    groups: list
    iea: list
    number: int


@dataclass
class Document:
    separators: Separators
    interchanges: list
    # envelope count and control number mismatches (when parse(strict=False))
    problems: list

    @property
    def transactions(self):
        return [t for i in self.interchanges for g in i.groups
                for t in g.transactions]


def parse(text, strict=True):
    """A :class:`Document` of an X12 text.

    Structure errors (GS outside an ISA, a missing SE, ...) always raise
    :class:`X12Error`. Count and control number mismatches (SE01, GE01,
    IEA01, ST02/SE02, GS06/GE02, ISA13/IEA02) raise when ``strict``, else
    they are listed in ``Document.problems`` (real-world samples often carry
    a stale SE01)."""
    chunks = tokenize_interchanges(text)
    separators = chunks[0][0]
    # separators of the interchange each segment belongs to
    segments, owners = [], []
    for chunk_separators, chunk in chunks:
        segments += chunk
        owners += [chunk_separators] * len(chunk)
    problems = []

    def problem(message, number, ident):
        error = X12Error(message, number, ident)
        if strict:
            raise error
        problems.append(str(error))

    def check_trailer(seg, number, count, units, container, control, header):
        "A trailer's count (01) and control number (02) against its header"
        ident = seg[0]
        if element(seg, 1) != str(count):
            problem(f'{ident}01 says {element(seg, 1)!r} {units} but the '
                    f'{container} has {count}', number, ident)
        if element(seg, 2) != control:
            problem(f'{ident}02 {element(seg, 2)!r} does not match '
                    f'{header} {control!r}', number, ident)

    interchanges = []
    interchange = group = None
    start = 0
    body = None
    number = 0
    for number, seg in enumerate(segments, 1):
        ident = seg[0]
        if body is not None and ident not in ('SE', 'ST', 'GE', 'IEA',
                                               'GS', 'ISA'):
            body.append(seg)
            continue
        if ident == 'ISA':
            if interchange is not None:
                raise X12Error(
                    'ISA before the previous interchange ended with IEA',
                    number, ident)
            if len(seg) != 17:
                raise X12Error(
                    f'ISA has {len(seg) - 1} elements, not 16',
                    number, ident)
            widths = [len(e) for e in seg[1:]]
            if widths != ISA_WIDTHS:
                bad = next(i for i, (w, e) in enumerate(
                    zip(widths, ISA_WIDTHS), 1) if w != e)
                problem(f'ISA{bad:02d} is {widths[bad - 1]} characters '
                        f'long, not {ISA_WIDTHS[bad - 1]} (ISA elements '
                        'have fixed widths)', number, ident)
            interchange = Interchange(seg, [], None, number)
        elif ident == 'GS':
            if interchange is None or group is not None:
                raise X12Error(
                    'GS outside an interchange or before the previous '
                    'group ended with GE', number, ident)
            if len(seg) < 9:
                raise X12Error('GS needs 8 elements', number, ident)
            group = Group(seg, [], None, number)
        elif ident == 'ST':
            if group is None or body is not None:
                raise X12Error(
                    'ST outside a functional group or before the previous '
                    'transaction ended with SE', number, ident)
            if len(seg) < 3 or not seg[1] or not seg[2]:
                raise X12Error('ST needs ST01 and ST02', number, ident)
            body, start = [], number
            st = seg
        elif ident == 'SE':
            if body is None:
                raise X12Error('SE without ST', number, ident)
            transaction = Transaction(
                st, body, seg, start, group, owners[number - 1])
            check_trailer(seg, number, number - start + 1, 'segments',
                'transaction', st[2], 'ST02')
            group.transactions.append(transaction)
            body = None
        elif ident == 'GE':
            if group is None or body is not None:
                raise X12Error(
                    'GE without GS, or before SE closed the transaction',
                    number, ident)
            group.ge = seg
            check_trailer(seg, number, len(group.transactions),
                'transactions', 'group', group.gs[6], 'GS06')
            interchange.groups.append(group)
            group = None
        elif ident == 'IEA':
            if interchange is None or group is not None:
                raise X12Error(
                    'IEA without ISA, or before GE closed the group',
                    number, ident)
            interchange.iea = seg
            check_trailer(seg, number, len(interchange.groups), 'groups',
                'interchange', interchange.isa[13], 'ISA13')
            interchanges.append(interchange)
            interchange = None
        elif ident == 'TA1' and interchange is not None and group is None:
            continue
        else:
            raise X12Error(
                'segment outside a transaction set (ST ... SE)',
                number, ident)
    if body is not None:
        raise X12Error(f'the file ends inside transaction {st[2]!r} '
                       f'(ST at segment {start}) without SE', number,
                       segments[-1][0])
    if group is not None or interchange is not None:
        raise X12Error('the file ends without GE/IEA', number,
                       segments[-1][0])
    return Document(separators, interchanges, problems)
