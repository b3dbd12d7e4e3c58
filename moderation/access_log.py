"""Gunicorn's access log without full client IPs (API.md "Privacy defaults")."""

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
