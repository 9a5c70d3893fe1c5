"""Validation of US provider identifiers and code formats.

Pure functions, no Tryton import: they are unit tested on their own.

The NPI check digit is the Luhn algorithm applied to the 10 digits prefixed
with the card issuer prefix 80840 (CMS, "NPI Check Digit" standard); python-
stdnum ships Luhn but not an NPI module, so only the prefixing lives here.
"""
import re

import holidays
from stdnum import luhn

NPI_PREFIX = '80840'
# NUCC Health Care Provider Taxonomy: 9 alphanumerics and a final 'X'.
TAXONOMY_PATTERN = re.compile(r'^[0-9]{3}[0-9A-Z]{6}X$')
# CPT (four digits and a digit or category letter) or HCPCS Level II
# (a letter and four digits, e.g. H2019 for ABA under some Medicaid plans).
PROCEDURE_PATTERN = re.compile(r'^([0-9]{4}[0-9A-Z]|[A-V][0-9]{4})$')

US_STATES = sorted(
    (code, name)
    for name, code in holidays.US.subdivisions_aliases.items()
    if code != 'UM')


def compact(value):
    return re.sub(r'[\s-]', '', value or '')


def is_valid_npi(value):
    "Return True when value is a 10-digit NPI with a valid check digit"
    value = compact(value)
    if len(value) != 10 or not value.isdigit() or value[0] not in '12':
        return False
    return luhn.is_valid(NPI_PREFIX + value)


def npi_check_digit(first_nine):
    "Return the check digit completing a 9-digit NPI stem"
    return luhn.calc_check_digit(NPI_PREFIX + first_nine)


def is_valid_taxonomy(value):
    return bool(TAXONOMY_PATTERN.match((value or '').strip().upper()))


def is_valid_procedure_code(value):
    return bool(PROCEDURE_PATTERN.match((value or '').strip().upper()))
