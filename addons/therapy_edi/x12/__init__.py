"""X12 EDI codec for Caseload: reads 837/835/270/271/277CA/999 files and
writes 837P (005010X222A1), 270, 999 and 277CA. Pure Python, no Tryton
import, so it is fast and tested on its own (``tests/``).

Why hand-written: no package on PyPI both reads and writes these files the
way the practice needs. Checked (December 2026, ``pip index versions``):
- ``pyx12`` 4.0.0 validates against the implementation guides (used here,
  :func:`validate`), but its writers serialize its own segment objects or
  XML (``xmlx12``), with no model of the 837P loops to fill from data, and
  it walks every segment through an XML map, far slower than a split; it
  ships no 5010 270/271 map.
- ``x12sdk`` 2.2.0 (the continuation of ``linuxforhealth-x12``, whose last
  release is 0.57.0 from 2022) reads and writes through Pydantic v2 models,
  but its 837P is 005010X222A2, not the HIPAA-adopted 005010X222A1 payers
  expect, and it validates a model tree per transaction where the 835
  benchmark wants a plain split (going by its documentation: not installed
  or measured here).
- ``badx12`` 0.2.2 (last release 2018, "parsing ANSI ASC X12 files") and
  ``edi-835-parser`` 1.8.0 (835 only) are readers by their own
  descriptions; ``x12-edi-tools`` 0.1.2 is an early release not evaluated.

Reading: :func:`parse` (envelope tree), :func:`tokenize` (separators and
segments as lists of strings), :func:`summary` (the JSON-able summary),
:func:`read_835` (remittances: payments, claims, services, adjustments).
Writing: :func:`write_837p` from :class:`ClaimBatch` and its dataclasses,
:func:`write_270`, :func:`write_271` (tests and demo), :func:`write_999`, :func:`write_277ca`, all inside an
:class:`Envelope` whose control numbers the caller passes in.
Every malformed input raises :class:`X12Error` naming the segment number.
"""
from .acknowledgment import (
    ClaimStatus, SegmentError, TransactionAck, write_277ca, write_999)
from .claim837 import (
    Address, Adjustment, BillingProvider, Claim, ClaimBatch,
    LineAdjudication, Name, OtherPayer, Patient, Payer, Provider, Receiver,
    ServiceFacility, ServiceLine, Submitter, Subscriber, write_837p)
from .eligibility import rejection_text
from .inquiry270 import Dependent, Inquiry, write_270
from .remittance835 import (
    ClaimPayment, Entity, ProviderAdjustment, Remittance, ServicePayment,
    read_835, write_835)
from .response271 import Benefits, write_271
from .summary import summary
from .tokens import (
    Document, Separators, X12Error, components, element, parse, tokenize)
from .validate import validate
from .write import Envelope, interchange, write_segments

__all__ = [
    'X12Error', 'Separators', 'Document', 'tokenize', 'parse',
    'components', 'element', 'summary', 'validate',
    'Envelope', 'interchange', 'write_segments',
    'Name', 'Address', 'Submitter', 'Receiver', 'BillingProvider', 'Payer',
    'Provider', 'ServiceFacility', 'Patient', 'Adjustment',
    'LineAdjudication', 'OtherPayer', 'ServiceLine', 'Claim', 'Subscriber',
    'ClaimBatch', 'write_837p',
    'Dependent', 'Inquiry', 'write_270', 'Benefits', 'write_271',
    'rejection_text',
    'TransactionAck', 'SegmentError', 'write_999', 'ClaimStatus',
    'write_277ca',
    'Remittance', 'ClaimPayment', 'ServicePayment', 'ProviderAdjustment',
    'Entity', 'read_835', 'write_835',
    ]
