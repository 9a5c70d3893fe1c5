"""The time rules of the psychotherapy codes, and the add-on codes that
need their primary code on the same claim.

CPT reports psychotherapy by the minutes spent with the patient: 90832
for 16-37 minutes, 90834 for 38-52, 90837 for 53 or more, and the same
bands for the add-ons billed with an E/M visit (90833, 90836, 90838);
under 16 minutes psychotherapy is not reported. Crisis psychotherapy
90839 covers the first 30-74 minutes, and its add-on 90840 each further
30. Interactive complexity 90785 is reported only with the diagnostic
evaluation, psychotherapy or group psychotherapy codes. No package on
PyPI carries these few public rules (CPT's time rule, the NCCI add-on
code edits), so they are a small table here; a payer's own rules (which
modifiers it wants) belong to its service rules, not here."""

# code: (fewest minutes, most minutes or None)
TIME_BANDS = {
    '90832': (16, 37),
    '90834': (38, 52),
    '90837': (53, None),
    '90833': (16, 37),
    '90836': (38, 52),
    '90838': (53, None),
    '90839': (30, 74),
    }
# the same service at another length, by band
FAMILIES = [
    ('90832', '90834', '90837'),
    ('90833', '90836', '90838'),
    ]
# add-on code: the primary codes it is reported with
ADD_ONS = {
    '90785': {'90791', '90792', '90832', '90833', '90834', '90836',
        '90837', '90838', '90853'},
    '90840': {'90839'},
    }


def fits(code, minutes):
    "Do the minutes support the code? True for codes without a time rule"
    band = TIME_BANDS.get(code)
    if not band or minutes is None:
        return True
    low, high = band
    return minutes >= low and (high is None or minutes <= high)


def code_for(code, minutes):
    """The code of the same family the minutes support, or None (no
    family, or under the shortest band: not reportable)"""
    for family in FAMILIES:
        if code in family:
            for candidate in family:
                if fits(candidate, minutes):
                    return candidate
    return None


def missing_primary(codes):
    "The add-on codes among codes without one of their primary codes"
    present = set(codes)
    return sorted(c for c in present
        if c in ADD_ONS and not (ADD_ONS[c] & present))
