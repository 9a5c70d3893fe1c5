"The operator's log lines (caseload.logs)"
import logging
import socket

from trytond.sendmail import get_smtp_server

from caseload import logs


def closed_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def test_unreachable_mail_server_is_one_line_without_the_password(caplog):
    logs.install()
    logs.install()  # twice: still one filter, one line
    port = closed_port()
    with caplog.at_level(logging.WARNING, logger=logs.MAIL_LOGGER):
        assert get_smtp_server(
            f'smtp://clinic:s3cret@127.0.0.1:{port}') is None
    [record] = caplog.records
    assert record.levelname == 'WARNING'
    assert record.exc_info is None
    message = record.getMessage()
    assert f'127.0.0.1:{port}' in message
    assert '[email] uri' in message
    assert 's3cret' not in message and 'clinic' not in message


def test_other_mail_errors_keep_their_traceback(caplog):
    logs.install()
    logger = logging.getLogger(logs.MAIL_LOGGER)
    with caplog.at_level(logging.ERROR, logger=logs.MAIL_LOGGER):
        try:
            raise ValueError('bad header')
        except ValueError:
            logger.error('fail to send email', exc_info=True)
    [record] = caplog.records
    assert record.levelname == 'ERROR' and record.exc_info
