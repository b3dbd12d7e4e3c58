"""How a mail leaves: over SMTP (STARTTLS, TLS or plain; with a login if
set), or, with no SMTP_HOST, as an .eml file in the instance folder for a
developer to open. Failures say whether trying again can help, and never
quote the server's text, which may name an address."""

import os
import smtplib
import ssl
import tempfile
from pathlib import Path

from ..models import utcnow

SECURITY = ("starttls", "tls", "none")


class DeliveryFailed(Exception):
    """An attempt that failed: `error` is short and holds no address;
    `is_permanent` when retrying cannot help (a 5xx for the recipient)."""

    def __init__(self, error, *, is_permanent=False):
        super().__init__(error)
        self.error, self.is_permanent = error, is_permanent


def mail_folder(config, instance_path):
    """Where mails go without SMTP: MAIL_DIRECTORY, else instance/mail."""
    return Path(config["MAIL_DIRECTORY"] or Path(instance_path) / "mail")


def send_mail(message, config, instance_path):
    """Send one message as the settings say; DeliveryFailed if it did not go."""
    if config["SMTP_HOST"]:
        send_smtp(message, config)
    else:
        write_eml(message, mail_folder(config, instance_path))


def send_smtp(message, config):
    """One SMTP session per mail: connect, secure, log in, send."""
    security = config["SMTP_SECURITY"]
    if security not in SECURITY:
        raise DeliveryFailed(f"SMTP_SECURITY must be one of {', '.join(SECURITY)}")
    context = ssl.create_default_context(cafile=config["SMTP_CA_FILE"])
    host, port, timeout = config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_TIMEOUT"]
    try:
        if security == "tls":
            connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
        with connection:
            if security == "starttls":
                connection.starttls(context=context)
            if config["SMTP_USERNAME"]:
                connection.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
            connection.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise DeliveryFailed(f"SMTP {min(codes)} for the recipient",
                             is_permanent=min(codes) >= 500) from None
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
        raise DeliveryFailed(f"SMTP {error.smtp_code}", is_permanent=error.smtp_code >= 500) from None
    except smtplib.SMTPResponseException as error:
        raise DeliveryFailed(f"SMTP {error.smtp_code}") from None
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryFailed(type(error).__name__) from None


def write_eml(message, folder):
    """An .eml file per mail, named by time and Message-ID so a listing reads
    in order; written whole under a temporary name, then renamed."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{utcnow():%Y%m%dT%H%M%S}-{message['Message-ID'].strip('<>').partition('@')[0]}"
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".mail-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())
    os.replace(temporary, folder / f"{stem}.eml")
