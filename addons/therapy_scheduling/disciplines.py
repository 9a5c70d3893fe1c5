"Selections shared by clinicians, services and (later) appointments."

DISCIPLINES = [
    (None, ""),
    ('mental_health', "Mental Health"),
    ('speech', "Speech-Language Pathology"),
    ('occupational', "Occupational Therapy"),
    ('physical', "Physical Therapy"),
    ('aba', "Applied Behavior Analysis"),
    ]

CREDENTIALS = [
    (None, ""),
    ('lcsw', "LCSW"),
    ('lpc', "LPC"),
    ('lmft', "LMFT"),
    ('lmhc', "LMHC"),
    ('psychologist', "PhD/PsyD"),
    ('psychiatrist', "MD/DO (Psychiatry)"),
    ('pmhnp', "PMHNP"),
    ('associate', "Associate / Pre-licensed"),
    ('slp', "SLP (CCC-SLP)"),
    ('slpa', "SLPA"),
    ('ot', "OT"),
    ('cota', "COTA"),
    ('pt', "PT (DPT)"),
    ('pta', "PTA"),
    ('bcba', "BCBA"),
    ('bcaba', "BCaBA"),
    ('rbt', "RBT"),
    ]

MODALITIES = [
    ('in_person', "In Person"),
    ('telehealth', "Telehealth"),
    ]
