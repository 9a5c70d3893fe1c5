"""The public link pages as a browser uses them: werkzeug's test client
sends no Origin header, a browser does, and trytond refuses "null"."""


def browser_post(client, page, url):
    """POST url's form as a browser would after showing page (the GET's
    response): its Referrer-Policy decides the Origin header (the Fetch
    standard sends "null" under no-referrer)"""
    origin = ('null' if page.headers['Referrer-Policy'] == 'no-referrer'
        else 'http://localhost')
    return client.post(url, headers={'Origin': origin})
