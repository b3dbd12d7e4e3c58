"""`make bench-import`: a generated WordPress export of 10^6 comments
imported into a fresh database; prints the time and the importer's peak
memory (docs/performance.md, "Importing").

    python -m bench.import_run [--comments 1000000] [--database-url postgresql://...] [--keep]

The export is written as a stream to a temporary folder, migrated into an
empty SQLite database there (or the empty database given), and imported by
`flask import` in a child process, whose peak RSS the kernel reports."""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .wxr import write_wxr

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).parent / "flask"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="an empty database (default: SQLite in the temporary folder)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        export = work / "export.xml"
        started = time.monotonic()
        write_wxr(export, args.comments)
        print(f"generated {args.comments:,} comments, {export.stat().st_size / 2**20:,.0f} MiB, "
              f"in {time.monotonic() - started:.0f} s", flush=True)
        url = args.database_url or f"sqlite:///{work}/import.sqlite"
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-import", "FLASK_RATELIMIT_ENABLED": "false"}
        subprocess.run([FLASK, "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        seconds, peak_kib, output = timed_import(env, export, args.batch_size)
        print(output)
        print(f"database: {url.split(':', 1)[0]}; comments: {args.comments:,}; "
              f"time: {seconds:,.0f} s ({seconds / 60:.1f} min, {args.comments / seconds:,.0f} comments/s); "
              f"importer peak RSS: {peak_kib / 1024:,.0f} MiB")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work)


def timed_import(env, export, batch_size):
    """Wall time, peak RSS (KiB) and stdout of one `flask import`."""
    started = time.monotonic()
    process = subprocess.Popen([FLASK, "--app", "wsgi", "import", "--batch-size", str(batch_size), str(export)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"flask import failed with {process.returncode}")
    return time.monotonic() - started, usage.ru_maxrss, output


if __name__ == "__main__":
    main()
