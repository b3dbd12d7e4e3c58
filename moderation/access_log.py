"""Gunicorn's access log without full client IPs (API.md "Privacy defaults")."""

from gunicorn.glogging import Logger

from .privacy import anonymise_ip


class PrivacyLogger(Logger):
    """Logs the client's network (/24, /48) where gunicorn would log its address."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["h"] = anonymise_ip(atoms.get("h")) or "-"
        # Forwarded-for headers would carry the full address again.
        for name in list(atoms):
            if name.lower() in ("{x-forwarded-for}i", "{x-real-ip}i", "{forwarded}i"):
                atoms[name] = "-"
        return atoms
