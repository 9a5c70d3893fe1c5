"""Validation of X12 files against the implementation guides with pyx12
(its ``x12n_document`` engine and the maps it ships, e.g.
``837.5010.X222.A1.xml``).

pyx12 reads ASCII only and needs an unindented file, so the text is first
tokenized here (which also catches what pyx12 would only log) and written
back one segment per line: a pyx12 line number is then the segment number
in the file. Errors come from pyx12's error tree (its JSON visitor), not
from scraping its log.
"""
import io
import json
import logging
import os

from .tokens import X12Error, tokenize_interchanges

__all__ = ['validate']


def _read(text_or_path):
    "Bytes or text of the file, given its text or its path."
    if isinstance(text_or_path, bytes):
        return text_or_path
    if isinstance(text_or_path, os.PathLike) or (
            '\n' not in text_or_path and len(text_or_path) < 4096
            and os.path.isfile(text_or_path)):
        with open(text_or_path, 'rb') as file:
            return file.read()
    return text_or_path


def _messages(doc):
    errors = []

    def add(node, where):
        for error in node.get('errors', []):
            errors.append(f'{where}: {error["err_str"]}')

    for isa in doc.get('interchanges', []):
        add(isa, f'interchange {isa.get("isa_trn_set_id")}')
        for gs in isa.get('groups', []):
            add(gs, f'group {gs.get("gs_control_num")}')
            for st in gs.get('transactions', []):
                st02 = st.get('trn_set_control_num')
                add(st, f'transaction {st02}')
                for seg in st.get('segments', []):
                    where = (f'segment {seg.get("cur_line")} '
                             f'({seg.get("seg_id")} "{seg.get("name")}", '
                             f'segment {seg.get("seg_count")} of '
                             f'transaction {st02})')
                    add(seg, where)
                    for ele in seg.get('elements', []):
                        add(ele, where)
    return errors


def validate(text_or_path):
    """``(ok, errors)``: whether pyx12 finds the file valid, and its errors
    as readable strings naming the segment number in the file."""
    try:
        import pyx12.errors
        import pyx12.params
        import pyx12.x12n_document
    except ImportError:  # pragma: no cover - pyx12 is a dependency
        return False, ['pyx12 is not installed']
    try:
        interchanges = tokenize_interchanges(_read(text_or_path))
    except X12Error as error:
        return False, [str(error)]
    except OSError as error:
        return False, [f'cannot read the file: {error}']
    lines = [separators.element.join(seg) + separators.segment + '\n'
             for separators, segments in interchanges for seg in segments]
    text = ''.join(lines)
    if not text.isascii():
        bad = next(i for i, line in enumerate(lines, 1)
                   if not line.isascii())
        return False, [f'segment {bad} ({lines[bad - 1][:3].rstrip()}): '
                       'non-ASCII characters are not allowed in X12']
    params = pyx12.params.params()
    output = io.StringIO()
    # pyx12 logs each error too: keep that out of the caller's log
    logger = logging.getLogger('pyx12')
    quiet = logging.NullHandler()
    logger.addHandler(quiet)
    propagate, logger.propagate = logger.propagate, False
    try:
        ok = pyx12.x12n_document.x12n_document(
            params, io.StringIO(text), None, None, None, output)
    except pyx12.errors.EngineError as error:
        return False, [f'pyx12 cannot validate this file: {error}']
    except pyx12.errors.X12Error as error:
        return False, [f'pyx12: {error}']
    finally:
        logger.removeHandler(quiet)
        logger.propagate = propagate
    try:
        errors = _messages(json.loads(output.getvalue() or '{}'))
    except ValueError:
        errors = []
    if not ok and not errors:
        errors = ['pyx12 found the file invalid without naming an error']
    return ok and not errors, errors
