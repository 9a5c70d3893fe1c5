"""The HTTP request's id, for the events it causes: the id the proxy and
`caseload serve` log the request under (caseload/server.py's RequestId
sets it), so an audit event and the proxy's log line can be matched
(SECURITY.md §5.5). Plain Python: the server sets it before any Tryton
code runs."""
import contextvars

REQUEST_ID = contextvars.ContextVar('caseload_request_id', default=None)
