"""Gunicorn's logs without full client IPs (API.md "Privacy defaults"), as
text lines or, for log shippers, as JSON lines (LOG_FORMAT=json)."""

import logging
import os
from datetime import datetime, timezone

import orjson
from gunicorn.glogging import Logger

from .privacy import anonymise_ip


# Atoms that would carry the full address again, in a custom log format: the
# forwarding headers (gunicorn lowercases names in atoms), and the same as
# environ variables, REMOTE_ADDR included.
ADDRESS_ATOMS = ("{x-forwarded-for}i", "{x-real-ip}i", "{forwarded}i", "{remote_addr}e",
                 "{http_x_forwarded_for}e", "{http_x_real_ip}e", "{http_forwarded}e")


class PrivacyLogger(Logger):
    """Logs the client's network (/24, /48) where gunicorn would log its address."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["h"] = anonymise_ip(atoms.get("h")) or "-"
        for name in ADDRESS_ATOMS:
            if name in atoms:
                atoms[name] = "-"
        return atoms


class JsonLogger(PrivacyLogger):
    """One JSON object a line: requests with the fields of the text access
    log, by name (the client's network, never its address); gunicorn's and
    the service's own lines with their level."""

    def setup(self, cfg):
        super().setup(cfg)
        handlers = [handler for handler in self.error_log.handlers if getattr(handler, "_gunicorn", False)]
        for handler in handlers:
            handler.setFormatter(JsonFormatter())
        # The service's loggers (moderation.*) write through the same handlers.
        service = logging.getLogger("moderation")
        service.handlers, service.propagate = handlers, False
        service.setLevel(self.loglevel)

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        line = {"time": utc_time(), "type": "access", "client": atoms["h"], "method": atoms["m"],
                "path": atoms["U"], "query": atoms["q"] or None, "protocol": atoms["H"],
                "status": int(atoms["s"]), "bytes": atoms["B"], "duration_ms": atoms["D"] / 1000,
                "referer": none_for_dash(atoms["f"]), "user_agent": none_for_dash(atoms["a"]),
                "pid": os.getpid()}
        self.access_log.info("%s", orjson.dumps(line).decode())


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line."""

    def format(self, record):
        line = {"time": utc_time(record.created), "type": "log", "level": record.levelname.lower(),
                "logger": record.name, "pid": record.process, "message": record.getMessage()}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


def utc_time(timestamp=None):
    moment = datetime.fromtimestamp(timestamp, timezone.utc) if timestamp else datetime.now(timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def none_for_dash(value):
    return None if value in (None, "-") else value
