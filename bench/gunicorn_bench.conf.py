"""Gunicorn settings of the Isso and ceiling servers: the project's
gunicorn.conf.py less its privacy logger, which imports our service. (Without
an explicit -c, gunicorn would load ./gunicorn.conf.py.) bench/servers.py adds
the rest on the command line, the same for all three systems."""

worker_class = "sync"
timeout = 30
control_socket_disable = True
