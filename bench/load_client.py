"""The load test's staff sessions (bench/load.py): a JSON-RPC client that
talks to `caseload serve` the way sao does, and the actions of the front
desk, clinicians and billers, each a few RPC calls as sao makes them.

One Session is one logged-in user on one keep-alive HTTP connection: the
real two-step login (password and a TOTP code, `common.db.login`), the
user's preferences as the context of every call, then `model.*` and
`wizard.*` calls with the session in the Authorization header. An action
times what the user waits for (all its calls) and says how it ended: done,
refused as the user would be told (a slot taken meanwhile), or failed (an
HTTP error, a 5xx, an error response of any other kind)."""
import datetime as dt
import gzip
import http.client
import json
import random
import re
import threading
import time

import pyotp

# a booking or rescheduling that lost its slot to another session: the
# user reads "... is already booked ..." and picks another time
REFUSAL = re.compile(r'already booked')
DEADLOCK = re.compile(r'deadlock|could not serialize|lock timeout|'
    r'LockNotAvailable', re.IGNORECASE)


class RpcFailure(Exception):
    "A call that failed: kind is 'http-5xx', 'http-4xx', 'error', 'network'"

    def __init__(self, kind, method, message, detail=''):
        super().__init__(f'{kind} {method}: {message}')
        self.kind, self.method = kind, method
        self.message, self.detail = message, detail


class RpcRefused(Exception):
    "The server said no as it says to a user (a slot taken meanwhile)"


class Session:
    "One staff login on one keep-alive connection"

    def __init__(self, host, port, database, user):
        self.host, self.port, self.database = host, port, database
        self.user = user     # a load_data.BenchUser
        self.connection = None
        self.auth = None
        self.cookie = None
        self.context = {}
        self.ids = 0
        self.views = {}

    def _post(self, method, params, headers, path='rpc/'):
        self.ids += 1
        body = json.dumps({'id': self.ids, 'method': method,
                'params': params}, default=_json_default).encode()
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=180)
            try:
                # as a browser running sao asks: Tryton then compresses an
                # answer over 1,400 characters
                self.connection.request('POST', f'/{self.database}/{path}',
                    body,
                    {'Content-Type': 'application/json',
                        'Accept-Encoding': 'gzip', **headers})
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError) as error:
                # gunicorn closed an idle keep-alive socket (keepalive 5 s):
                # a browser reconnects too; a second failure counts
                self.connection.close()
                self.connection = None
                if attempt:
                    raise RpcFailure('network', method, str(error))
            except OSError as error:
                self.connection.close()
                self.connection = None
                raise RpcFailure('network', method, str(error))
        if response.status >= 500:
            raise RpcFailure('http-5xx', method,
                f'HTTP {response.status}', data[:2000].decode('utf-8', 'replace'))
        if response.status != 200:
            raise RpcFailure('http-4xx', method,
                f'HTTP {response.status}', data[:2000].decode('utf-8', 'replace'))
        self.cookie = self.cookie or response.getheader('Set-Cookie')
        try:
            if response.getheader('Content-Encoding') == 'gzip':
                data = gzip.decompress(data)
            answer = json.loads(data)
        except (OSError, EOFError, ValueError) as error:
            raise RpcFailure('error', method, f'unreadable answer: {error}',
                data[:2000].decode('utf-8', 'replace'))
        if 'error' in answer:
            error = answer['error']
            text = json.dumps(error)[:4000]
            if REFUSAL.search(text):
                raise RpcRefused(text)
            message = (error[1][0] if isinstance(error, list) and len(error) > 1
                and isinstance(error[1], list) and error[1]
                and isinstance(error[1][0], str) else error[0]
                if isinstance(error, list) else str(error))
            raise RpcFailure('error', method, str(message)[:300], text)
        return answer['result']

    def login(self):
        """sao 8's login: POST /<db>/session/login with the password and
        the TOTP code (sent together, as sao does once asked for the
        code), which sets the session cookie; then the user's preferences
        become the context (Session.reload_context)"""
        code = pyotp.TOTP(self.user.totp_secret).now()
        self.cookie = None
        self._post('common.db.login', [self.user.login,
                {'password': self.user.password, 'totp': code}, 'en'], {},
            path='session/login')
        if not self.cookie:
            raise RpcFailure('error', 'login', 'no session cookie')
        self.auth = self.cookie.split(';', 1)[0]
        preferences = self.call('model.res.user.get_preferences', True)
        self.context = {key: value for key, value in preferences.items()
            if key != 'locale' and not key.endswith('.rec_name')}

    def call(self, method, *params):
        "model.* / wizard.* call: the context goes last, as sao adds it"
        return self._post(method, [*params, self.context],
            {'Cookie': self.auth})

    def view_fields(self, model, view_id, view_type):
        """What sao reads for a view: its fields, a Many2One's rec_name,
        a Selection's label in lists, and the record's access flags
        (fields_view_get once, cached as sao caches views)"""
        key = (model, view_id, view_type)
        if key not in self.views:
            view = self.call(f'model.{model}.fields_view_get', view_id,
                view_type)
            names = []
            for name, field in view['fields'].items():
                names.append(name)
                if field['type'] in {'many2one', 'reference'}:
                    names.append(f'{name}.rec_name')
                elif field['type'] == 'selection' and view_type == 'tree':
                    names.append(f'{name}:string')
            self.views[key] = names + ['_timestamp', '_write', '_delete',
                'rec_name']
        return self.views[key]

    def read_page(self, model, ids, fields):
        """Read the rows sao shows first: it reads a list's records by
        1000 / min(fields, 10) (100 rows here), the rest as one scrolls"""
        page = ids[:1000 // min(len(fields), 10)]
        return self.call(f'model.{model}.read', page, fields)

    def close(self):
        if self.connection:
            self.connection.close()
            self.connection = None


def _json_default(value):
    # Tryton's JSON-RPC encodes dates and datetimes as objects
    if isinstance(value, dt.datetime):
        return {'__class__': 'datetime', 'year': value.year,
            'month': value.month, 'day': value.day, 'hour': value.hour,
            'minute': value.minute, 'second': value.second,
            'microsecond': value.microsecond}
    if isinstance(value, dt.date):
        return {'__class__': 'date', 'year': value.year,
            'month': value.month, 'day': value.day}
    raise TypeError(repr(value))


def as_datetime(value):
    "A datetime of Tryton's JSON (an object) as Python's"
    if isinstance(value, dict) and value.get('__class__') == 'datetime':
        return dt.datetime(value['year'], value['month'], value['day'],
            value['hour'], value['minute'], value['second'])
    return value


def values(defaults):
    """A form's values as sao sends them back: without the related
    values ('appointment.': its rec_name) the server added for display"""
    return {k: v for k, v in defaults.items() if '.' not in k and ':' not in k}


class Slots:
    """Future free slots for bookings, shared by every session: each slot
    (clinician, start) and client is handed out once, so two sessions
    never aim at the same time; what still collides (a client booked
    elsewhere meanwhile, a reschedule landing there) is refused as it
    would be for a user"""

    def __init__(self, practice, seed):
        self.lock = threading.Lock()
        rng = random.Random(seed)
        self.free = list(practice.free_slots)
        rng.shuffle(self.free)
        # a client of the clinician's own panel (the care team stays
        # the clinician's); never the same one twice
        self.clients = {c: rng.sample(p, len(p))
            for c, p in practice.panels.items()}
        self.to_reschedule = list(practice.reschedulable)
        rng.shuffle(self.to_reschedule)

        # successful bookings and reschedules, warm-up included
        self.done = {'book': 0, 'reschedule': 0}

    def count(self, action):
        with self.lock:
            self.done[action] += 1

    def take(self):
        with self.lock:
            slot = self.free.pop()
            return slot, self.clients[slot[0]].pop()

    def take_appointment(self, location):
        with self.lock:
            for index, (appointment, where) in enumerate(self.to_reschedule):
                if where == location:
                    return self.to_reschedule.pop(index)[0]
        return None


class Actions:
    """The mix: what each role does and how often (weights), each action
    the calls sao makes for it"""

    MIX = {
        'front_desk': [('day sheet', 35), ('search client', 30),
            ('book', 20), ('reschedule', 15)],
        'clinician': [('week calendar', 45), ('open note', 35),
            ('save note', 20)],
        'biller': [('charges to bill', 100)],
        }

    def __init__(self, practice, slots, seed):
        self.practice = practice
        self.slots = slots
        self.random = random.Random(seed)
        self.last_note = {}

    def choose(self, role):
        names, weights = zip(*self.MIX[role])
        return self.random.choices(names, weights)[0]

    def run(self, name, session):
        return getattr(self, name.replace(' ', '_'))(session)

    # --- front desk ---------------------------------------------------------
    def day_sheet(self, session):
        "Schedule › Day Sheet at the desk's location, today (list + rows)"
        domain = [('local_date', '=', dt.date.today()),
            ('location', '=', session.user.location)]
        fields = session.view_fields('therapy.appointment',
            self.practice.views['day_sheet'], 'tree')
        ids = session.call('model.therapy.appointment.search', domain, 0,
            1000, [['location', 'ASC'], ['start', 'ASC'], ['id', 'ASC']])
        session.read_page('therapy.appointment', ids, fields)
        return 'done'

    def search_client(self, session):
        "Clients, a name typed in the search bar (sao: rec_name ilike)"
        name = self.random.choice(self.practice.last_names)
        fields = session.view_fields('therapy.client', None, 'tree')
        ids = session.call('model.therapy.client.search',
            [('rec_name', 'ilike', f'%{name}%')], 0, 1000, None)
        session.read_page('therapy.client', ids, fields)
        return 'done'

    def book(self, session):
        """A new appointment saved from its form, then the form read back
        (a free slot of the clinician, a client of the practice)"""
        (clinician, location, start), client = self.slots.take()
        service = self.practice.service
        new, = session.call('model.therapy.appointment.create', [{
                    'client': client, 'clinician': clinician,
                    'location': location, 'service': service,
                    'start': start,
                    'end': start + self.practice.duration,
                    'modality': 'in_person'}])
        self.slots.count('book')
        fields = session.view_fields('therapy.appointment', None, 'form')
        session.call('model.therapy.appointment.read', [new], fields)
        return 'done'

    def reschedule(self, session):
        """Reschedule on an appointment of the desk's location: the
        wizard's form, Find Times (the clinician's free times, next two
        weeks), one ticked, Reschedule"""
        appointment = self.slots.take_appointment(session.user.location)
        if appointment is None:
            return 'skipped'
        wizard = 'wizard.therapy.appointment.reschedule'
        context = {'active_model': 'therapy.appointment',
            'active_id': appointment, 'active_ids': [appointment]}
        saved = session.context
        session.context = {**saved, **context}
        try:
            wizard_id, _, _ = session.call(f'{wizard}.create')
            try:
                form = session.call(f'{wizard}.execute', wizard_id, {},
                    'start')
                data = {'start': values(form['view']['defaults'])}
                choose = session.call(f'{wizard}.execute', wizard_id, data,
                    'choose')
                lines = [values(line)
                    for line in choose['view']['defaults']['slots']]
                if not lines:
                    return 'skipped'
                chosen = self.random.randrange(len(lines))
                data['choose'] = {'slots': [dict(line, book=i == chosen)
                        for i, line in enumerate(lines)]}
                session.call(f'{wizard}.execute', wizard_id, data,
                    'reschedule')
                self.slots.count('reschedule')
            finally:
                session.call(f'{wizard}.delete', wizard_id)
        finally:
            session.context = saved
        return 'done'

    # --- clinician ------------------------------------------------------------
    def week_calendar(self, session):
        """My Calendar, this week: sao's calendar domain on the action's
        (bench/scheduling.py calendar_domain), the calendar's fields"""
        today = dt.date.today()
        monday = dt.datetime.combine(
            today - dt.timedelta(days=today.weekday()), dt.time())
        start, end = monday, monday + dt.timedelta(days=7)
        domain = ['AND',
            [('clinician', '=', session.user.employee),
                ('state', '!=', 'cancelled')],
            [('start', '!=', None), ('end', '!=', None),
                ['OR',
                    ['AND', ('start', '>=', start), ('start', '<', end)],
                    ['AND', ('end', '>=', start), ('end', '<', end)],
                    ['AND', ('start', '<', start), ('end', '>', end)]]]]
        session.call('model.therapy.appointment.search_read', domain, 0,
            None, None, ['start', 'end', 'calendar_label',
                'calendar_background', 'calendar_text', 'rec_name'])
        return 'done'

    def _note_fields(self, session):
        return (session.view_fields('therapy.note', None, 'form'),
            session.view_fields('therapy.note.section',
                self.practice.views['note_section'], 'list-form'))

    def open_note(self, session):
        """One of the clinician's unsigned notes: the note's form, then its
        sections (the list-form of the editor)"""
        note = self.random.choice(self.practice.draft_notes[
                session.user.employee])
        note_fields, section_fields = self._note_fields(session)
        record, = session.call('model.therapy.note.read', [note],
            note_fields)
        session.call('model.therapy.note.section.read', record['sections'],
            section_fields)
        self.last_note[session.user.login] = (note, record['sections'])
        return 'done'

    def save_note(self, session):
        """Save: a section's text written through the note (sao writes the
        One2Many), then the note read back"""
        if session.user.login not in self.last_note:
            self.open_note(session)
        note, sections = self.last_note[session.user.login]
        section = self.random.choice(sections)
        text = (f"Client engaged; reviewed coping plan ({time.time():.3f}). "
            * 4)
        session.call('model.therapy.note.write', [note], {'sections': [
                    ['write', [section], {'content': text}]]})
        note_fields, _ = self._note_fields(session)
        session.call('model.therapy.note.read', [note], note_fields)
        self.practice.saved_notes.append((section, text))
        return 'done'

    # --- biller ----------------------------------------------------------------
    def charges_to_bill(self, session):
        "The biller's Charges to Bill list: pending charges, newest first"
        fields = session.view_fields('therapy.charge', None, 'tree')
        ids = session.call('model.therapy.charge.search',
            [('state', '=', 'pending')], 0, 1000, None)
        session.read_page('therapy.charge', ids, fields)
        return 'done'
