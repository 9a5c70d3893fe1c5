"""The words of the demo's clinical record: diagnoses by discipline, note
sentences by discipline and trend, score courses, treatment plan goals,
intake and consent answers, process notes; and who writes and signs it."""

SEED = 2026
# the demo's supervisee login (see practice.USERS) and the one who co-signs
SUPERVISEE, SUPERVISOR, FRONT_DESK = 'clinician', 'supervisor', 'frontdesk'

DIAGNOSES = {
    ('mental_health', 'adult'): ['F41.1', 'F32.1', 'F33.1', 'F43.10',
        'F43.23', 'F41.0', 'F32.0', 'F42.2'],
    ('mental_health', 'child'): ['F90.0', 'F90.2', 'F41.1', 'F93.0',
        'F43.23'],
    ('speech', 'child'): ['F80.0', 'F80.1', 'F80.2', 'F80.81'],
    ('speech', 'adult'): ['F80.1', 'F80.81'],
    ('occupational', 'child'): ['F82', 'R27.8'],
    ('occupational', 'adult'): ['M62.81', 'M75.101', 'R27.8'],
    ('physical', 'child'): ['M25.561', 'M62.81'],
    ('physical', 'adult'): ['M54.50', 'M25.561', 'M17.11', 'M54.2'],
    ('aba', 'child'): ['F84.0'],
    ('aba', 'adult'): ['F84.0'],
    }
# a second diagnosis that often comes with the first
COMORBID = {'F32.1': 'F41.1', 'F33.1': 'F41.1', 'F41.1': 'F32.0',
    'F43.10': 'F32.1', 'F90.2': 'F41.1', 'F84.0': 'F80.2'}

INTERVENTIONS = {
    'mental_health': ["Cognitive behavioral therapy (CBT)",
        "Psychoeducation", "Mindfulness / relaxation training",
        "Motivational interviewing", "Dialectical behavior therapy (DBT) "
        "skills"],
    'mental_health_child': ["Play therapy", "Parent training / coaching",
        "Cognitive behavioral therapy (CBT)", "Psychoeducation"],
    'mental_health_trauma': ["Trauma-focused CBT (TF-CBT)",
        "Mindfulness / relaxation training", "Psychoeducation"],
    'speech': ["Articulation drills", "Language modeling and expansion",
        "Parent training / coaching"],
    'occupational': ["Fine motor / ADL training",
        "Parent training / coaching"],
    'physical': ["Therapeutic exercise", "Neuromuscular re-education"],
    'aba': ["Discrete trial training (DTT)",
        "Natural environment teaching (NET)",
        "Parent training / coaching"],
    }

# --- note text: sentences picked per section, by discipline and trend -------
TEXT = {
    'mental_health': {
        'Subjective': {
            'improving': [
                "Client reported a better week overall, with more energy in "
                "the mornings.",
                "Client reported sleeping 6-7 hours most nights, up from 4-5 "
                "at the start of treatment.",
                "Client said the paced breathing \"actually helped\" before "
                "a difficult meeting at work.",
                "Client reported meeting a friend twice this week and "
                "enjoying it more than expected.",
                "Client completed the thought record homework on 5 of 7 "
                "days.",
                "Client reported fewer episodes of worry that kept them up "
                "at night.",
                ],
            'steady': [
                "Client reported a mixed week: two good days, then low mood "
                "after a disagreement with a family member.",
                "Client described ongoing worry about work deadlines and "
                "difficulty winding down in the evening.",
                "Client completed the thought record on 2 of 7 days and "
                "said it was hard to find the time.",
                "Client reported that sleep remains irregular, with "
                "frequent waking around 3 a.m.",
                "Client reported continued tension at home but no new "
                "stressors.",
                ],
            'worse': [
                "Client reported feeling more down this week and staying in "
                "bed on two days.",
                "Client reported increased worry since learning of layoffs "
                "at work.",
                "Client said they skipped the planned activities and "
                "\"couldn't see the point\".",
                "Client reported poor sleep and loss of appetite over the "
                "past two weeks.",
                "Client described feeling overwhelmed by caregiving for a "
                "parent.",
                ],
            },
        'Objective': [
            "Client arrived on time, casually groomed, good eye contact. "
            "Speech of normal rate and volume; thought process linear and "
            "goal-directed.",
            "Alert and oriented x4. Affect mildly constricted, congruent "
            "with reported mood. No evidence of psychosis.",
            "Engaged and cooperative throughout; tearful briefly when "
            "discussing family, able to settle with grounding.",
            "Mood described as \"okay\"; affect reactive and brighter than "
            "last session. Insight and judgment fair.",
            "Restless at the start of the session, calmer after the "
            "breathing exercise. Thought content focused on work.",
            ],
        'Assessment': {
            'improving': [
                "Client is making steady progress toward treatment plan "
                "goals: symptoms are decreasing and daily activity is "
                "increasing.",
                "Client demonstrated improved ability to identify and "
                "challenge automatic thoughts in session.",
                "Client is using coping skills independently with good "
                "benefit.",
                ],
            'steady': [
                "Symptoms remain in the moderate range; client is engaged "
                "but avoidance continues to limit progress.",
                "Anxiety persists around work performance; coping skills "
                "used with partial benefit.",
                "Progress is slow but client remains motivated and attends "
                "consistently.",
                ],
            'worse': [
                "Depressive symptoms have increased in the context of new "
                "stressors; functioning at work is affected.",
                "Client's anxiety has worsened; avoidance has increased and "
                "the current plan is not yet effective.",
                "Symptoms are worsening; a review of the treatment plan and "
                "a referral for a medication evaluation are indicated.",
                ],
            },
        'Plan': [
            "Continue weekly CBT. Homework: a thought record on at least "
            "four days.",
            "Continue the behavioral activation schedule, adding one "
            "pleasant activity per day. Next session in one week.",
            "Practice paced breathing twice daily and log anxiety ratings "
            "(0-10); review the log next session.",
            "Readminister PHQ-9 and GAD-7 in four sessions. Coordinate with "
            "the primary care physician about sleep, as client consented.",
            "Continue the current plan; review treatment plan goals at the "
            "next session.",
            ],
        },
    'mental_health_child': {
        'Subjective': [
            "Parent reports fewer arguments at bedtime since starting the "
            "routine chart.",
            "Child said school was \"better this week\" and named a new "
            "friend in class.",
            "Parent reports two meltdowns after school, both shorter than "
            "before.",
            "Child reported feeling worried before a spelling test and used "
            "the \"balloon breathing\" at home.",
            "Parent reports the teacher noticed more time on task in the "
            "mornings.",
            ],
        'Objective': [
            "Child engaged readily in play; able to name three feelings "
            "with the feelings chart.",
            "Fidgety early in the session, settled with movement breaks; "
            "followed turn-taking rules in a board game.",
            "Separated from the parent easily; affect bright, eye contact "
            "appropriate for age.",
            "Parent joined the last 15 minutes to practice praise and "
            "planned ignoring.",
            ],
        'Assessment': [
            "Child is learning to identify and name emotions; emotional "
            "regulation is improving with adult support.",
            "Parent is applying behavior strategies consistently; "
            "problem behaviors at home are decreasing.",
            "Worry remains tied to school performance; coping skills are "
            "emerging with prompts.",
            ],
        'Plan': [
            "Continue weekly sessions; practice the coping card at home "
            "each evening.",
            "Parent to continue the reward chart and log meltdowns; review "
            "next session.",
            "With the parent's consent, coordinate with the school "
            "counselor about classroom supports.",
            ],
        },
    'speech': {
        'Subjective': [
            "Parent reports the child practiced the home exercises on most "
            "evenings this week.",
            "Parent reports more two- and three-word phrases at home.",
            "Child arrived cheerful and separated from the parent easily.",
            "Parent shared teacher feedback: the child was understood more "
            "often in class.",
            "Parent reports the child became frustrated when not "
            "understood by a sibling.",
            ],
        'Objective': [
            "Targeted /s/ in initial position at word level: 16/20 correct "
            "(80%) with a visual cue.",
            "Produced 2-word utterances in 12 of 15 opportunities during "
            "play-based activities with moderate modeling.",
            "Followed 2-step directions with 70% accuracy, up from 55% last "
            "month.",
            "Final consonant deletion observed in 6 of 20 CVC words; "
            "self-corrected 3 with a tactile cue.",
            "Fluent speech in 90% of utterances during structured "
            "conversation using easy onsets.",
            ],
        'Assessment': [
            "Progressing toward the articulation goal; accuracy is "
            "improving with reduced cueing.",
            "Expressive language is growing; the child benefits from "
            "expansions and recasts.",
            "Receptive skills are emerging; attention to task was good for "
            "most of the session.",
            "Steady progress; carryover to conversation is not yet "
            "consistent.",
            ],
        'Plan': [
            "Continue weekly sessions; next target /s/ at phrase level.",
            "Home program: 5 minutes of picture-card practice daily. Parent "
            "shown how to model expansions.",
            "Continue current goals; probe generalization in conversation "
            "next session.",
            "Send the home practice sheet; check in with the teacher at the "
            "end of the month.",
            ],
        },
    'occupational': {
        'Subjective': [
            "Client reports dressing independently most mornings this "
            "week.",
            "Client reports less fatigue when cooking a simple meal.",
            "Client reports writing is easier to read and less tiring.",
            "Client reports some soreness after last session's exercises.",
            ],
        'Objective': [
            "Completed buttoning task in 45 seconds with minimal verbal "
            "cues (baseline 90 seconds).",
            "Grip strength right 18 kg, left 22 kg; tolerated 20 minutes "
            "of fine motor activity.",
            "Copied a 10-word sentence legibly with correct letter sizing "
            "in 8 of 10 words.",
            "Performed a simulated meal preparation task with one rest "
            "break and stand-by assistance.",
            ],
        'Assessment': [
            "Fine motor control and endurance are improving; ADL "
            "independence is increasing.",
            "Progressing toward goals; still needs cues for sequencing "
            "multi-step tasks.",
            "Good carryover of adaptive strategies at home.",
            ],
        'Plan': [
            "Continue weekly OT; progress the fine motor program.",
            "Home program: theraputty exercises 10 minutes daily; trial of "
            "adaptive utensils.",
            "Re-assess ADL performance in four weeks.",
            ],
        },
    'physical': {
        'Subjective': [
            "Client reports pain 3/10 at rest and 5/10 on stairs, down "
            "from 6/10 last month.",
            "Client reports walking 20 minutes daily without increased "
            "pain.",
            "Client reports stiffness in the morning that eases after "
            "about 15 minutes.",
            "Client reports doing the home exercises on most days.",
            ],
        'Objective': [
            "Knee flexion AROM 0-118 degrees (previous 0-105). Quadriceps "
            "strength 4/5.",
            "Lumbar flexion limited by 25%; straight leg raise negative "
            "bilaterally.",
            "Performed 3 sets of 12 sit-to-stand, step-ups and bridges "
            "with good form.",
            "Single-leg stance 15 seconds on the affected side (baseline 6 "
            "seconds).",
            ],
        'Assessment': [
            "Range of motion and strength are improving; client is "
            "tolerating progression well.",
            "Pain is decreasing and functional mobility improving; "
            "balance remains the main limitation.",
            "Progress toward goals is on track.",
            ],
        'Plan': [
            "Continue therapeutic exercise; progress resistance next "
            "session.",
            "Update the home exercise program with balance work; review "
            "next week.",
            "Continue the plan of care; re-measure range of motion in two "
            "weeks.",
            ],
        },
    'aba': {
        'Subjective': [
            "Caregiver reports two tantrums this week, both during "
            "transitions, down from daily.",
            "Caregiver reports the child is requesting snacks with words "
            "more often.",
            "Child arrived calm and transitioned to the work area with one "
            "prompt.",
            "Caregiver reports a change in the school schedule this week.",
            ],
        'Objective': [
            "Manding: 24 independent mands in 2 hours (previous session "
            "17). Receptive identification 85% correct across 40 DTT "
            "trials.",
            "Two instances of elopement, both blocked; duration of "
            "problem behavior 3 minutes total.",
            "Followed the visual schedule through 6 transitions with "
            "gestural prompts only.",
            "Imitation of 2-step actions 70% independent in natural "
            "environment teaching.",
            ],
        'Assessment': [
            "Communication targets are being acquired; problem behavior "
            "is decreasing in frequency.",
            "Transitions remain difficult; prompting is being faded as "
            "planned.",
            "Good progress on manding; maintenance probes stable.",
            ],
        'Plan': [
            "Continue the current protocol; fade prompts for tacting "
            "targets.",
            "Add two new mand targets; caregiver to practice the first/then "
            "board at home.",
            "BCBA to review graphs and update protocol at the next "
            "supervision session.",
            ],
        },
    }
TELEHEALTH = ("Telehealth video session; client at home in a private room, "
    "identity and location confirmed.")

# outcome measures: score series from the first to the latest response
# (kind, PHQ-9 from -> to, GAD-7 from -> to, risk on the latest)
MEASURE_COURSES = [
    ('improving', (18, 7), (14, 6), False),
    ('improving', (15, 5), (16, 7), False),
    ('improving', (21, 9), (11, 5), False),
    ('improving', (12, 4), (17, 8), False),
    ('worse', (8, 16), (7, 13), True),
    ('steady', (16, 13), (12, 10), True),
    ]
# the clinicians (as named in practice.CLINICIANS) of the clients above
MEASURE_CLINICIANS = ["Morgan Patel", "Morgan Patel", "Avery Brooks",
    "Dr. Chidi Okafor", "Morgan Patel", "Avery Brooks"]
MEASURE_EVERY = 4  # attended sessions, as the PHQ-9/GAD-7 templates say
PLAN_CLIENTS = 4   # of the measure clients, plus one speech client
RISK_NOTE = {
    'suicidal_ideation': 'passive',
    'risk_level': 'moderate',
    'safety_plan': True,
    'risk_notes': (
        "Passive thoughts of being better off dead endorsed on PHQ-9 item 9 "
        "(several days). Denies plan, intent or preparatory behavior; no "
        "access to firearms. Protective factors: children, faith, engaged in "
        "treatment. Safety plan reviewed and updated; 988 and the practice's "
        "after-hours line provided."),
    }

# goal, [(objective, measured by, baseline, [(intervention, frequency)])]
PLAN_GOALS = {
    'mental_health': [
        ("Reduce depressive symptoms and return to usual work and social "
            "activities.", [
            ("Schedule and complete at least three pleasant or valued "
                "activities per week.",
                "Activity log: 3+ activities weekly for 4 weeks",
                "1 activity per week",
                [("Cognitive behavioral therapy (CBT)", "weekly"),
                    ("Psychoeducation", "as needed")]),
            ("PHQ-9 below 10 on two consecutive administrations.",
                "PHQ-9 every 4 sessions", "PHQ-9 at intake",
                [("Cognitive behavioral therapy (CBT)", "weekly")]),
            ]),
        ("Manage worry so it no longer disrupts sleep and work.", [
            ("Use a relaxation or grounding skill when anxiety rises above "
                "6/10.", "Anxiety log: skill used in 4 of 5 episodes",
                "Not using skills",
                [("Mindfulness / relaxation training", "weekly")]),
            ("GAD-7 below 10.", "GAD-7 every 4 sessions", "GAD-7 at intake",
                [("Cognitive behavioral therapy (CBT)", "weekly")]),
            ]),
        ],
    'speech': [
        ("Improve speech intelligibility so the child is understood by "
            "familiar and unfamiliar listeners.", [
            ("Produce /s/ and /z/ in initial and final word positions.",
                "80% accuracy across 3 consecutive sessions", "35% accuracy",
                [("Articulation drills", "each session")]),
            ("Use final consonants in CVC words in structured play.",
                "16 of 20 opportunities", "6 of 20",
                [("Articulation drills", "each session"),
                    ("Parent training / coaching", "monthly")]),
            ]),
        ("Expand expressive language for daily routines.", [
            ("Use 3-word phrases to request and comment during play.",
                "10 spontaneous phrases per session",
                "2-word phrases, prompted",
                [("Language modeling and expansion", "each session")]),
            ]),
        ],
    }

# a new client's intake answers (pronouns, city, ZIP, email and subscriber
# come from the client): a new address, phone, emergency contact, insurance
INTAKE_ANSWERS = {
    'street': "48 Clinton Avenue, Apt 3B",
    'phone': '(347) 555-0199',
    'emergency_name': "Jordan Reyes",
    'emergency_phone': '(718) 555-0188',
    'emergency_relationship': "Partner",
    'insurance_payer': "Aetna",
    'member_id': "W123456789",
    'group_number': "0880123",
    'reason': (
        "I have been feeling anxious most days since I changed jobs in the "
        "spring. I can't switch off at night and I have started avoiding "
        "team meetings. I would like tools to manage the worry."),
    'duration': 'months',
    'previous_therapy': 'yes',
    'medications': "none",
    'distress': '6',
    'referral_source': 'search',
    }
CONSENT_ANSWERS = {'acknowledge': 'yes', 'emergency_contact_ok': 'yes',
    'consent': 'yes', 'agree': 'yes'}
# documentation addresses (RFC 5737) and a phone's browser
PORTAL_IP = '203.0.113.24'
PORTAL_AGENT = ('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) '
    'AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 '
    'Safari/604.1')
PROCESS_NOTES = [
    "Noticed my own urge to reassure when the client talked about failing; "
    "explore the fear of disappointing others next time. Bring to "
    "supervision.",
    "The story about the move echoes the early losses from the intake. "
    "Hypothesis: withdrawal protects against being left. Go slowly.",
    "Strong countertransference today (frustration at the missed "
    "homework). Discuss in supervision.",
    ]
