"""The demo's secure messages (issue 14): the adult client's portal login
asked the practice a question, unanswered yet, so the front desk finds it
on their home (Messages Waiting for the Practice) and replies; the
parent's login has an answered conversation with a reply not yet read,
for the portal home's unread count."""
from trytond.pool import Pool

from .server import run

QUESTION = ("Hello, could my session next week be online instead? "
    "I will be travelling for work. Thank you.")


def load(database, user_id, company_id, logins):
    "The messages, unless some are there already; True when loaded"
    return run(database, user_id, company_id, lambda: _load(logins))


def _load(logins):
    pool = Pool()
    Thread = pool.get('therapy.portal.thread')
    WebUser = pool.get('web.user')
    Client = pool.get('therapy.client')
    User = pool.get('res.user')
    if Thread.search([], limit=1):
        return False
    parent, adult = [WebUser.search([('email', '=', e)])[0] for e in logins]
    adult_client, = Client.for_portal_party(adult.party)
    Thread.start(adult_client, "Online session next week?", QUESTION, adult)
    child = Client.for_portal_party(parent.party)[0]
    answered = Thread.start(child, "Forms before the first visit",
        "Do we need to bring anything to the first appointment?", parent)
    desk, = User.search([('login', '=', 'frontdesk')], limit=1) or [None]
    answered.post_from_practice(
        "Only the insurance card: the forms are in the portal. See you soon!",
        desk.id if desk else None)
    return True
