"""Rotating the ASCII logs a previous process left behind (Zeek's leftover logs).

With ``LogAscii::enable_leftover_log_rotation`` the ASCII writer keeps a
*shadow file* next to each log it writes with a rotation interval
(``.shadow.conn.log`` beside ``conn.log``, see :mod:`.ascii`); a rotation
removes it.  A shadow file found at start-up therefore means that a process
ended (crashed, was killed) before rotating that log.  Before ``zeek_init``,
:func:`rotate_leftover_logs` looks for them in ``Log::default_logdir`` (or
the working directory) and, as Zeek's ``Ascii::RotateLeftoverLogs`` does:

* a shadow file without its log is stale and removed;
* otherwise the shadow file gives the log's extension (first line) and the
  name of its postprocessor function (second line; the default
  postprocessor if empty, unknown or of the wrong type, with a warning);
* the log is renamed to what ``Log::rotation_format_func`` says for it
  (opened when the shadow file was made, closed when the log was last
  written), the shadow file removed, and the postprocessor called with its
  ``Log::RotationInfo``; an info message tells where it went.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .ascii import SHADOW_PREFIX, log_extension

__all__ = ["LeftoverLog", "find_leftover_logs", "rotate_leftover_logs"]

_WRITER = "Log::WRITER_ASCII"


@dataclass
class LeftoverLog:
    """A log file a previous process did not rotate."""

    #: The log file (in the log directory).
    filename: str
    #: Its shadow file.
    shadow: str
    #: The log's extension (``.log``, ``.log.gz``).
    extension: str
    #: Name of the postprocessor function ("" for the default).
    post_proc_func: str = ""
    #: When the shadow file was made: the log's open time.
    open_time: float = 0.0
    #: When the log was last written: its close time.
    close_time: float = 0.0

    @property
    def path(self) -> str:
        """The log's path in logging terms (``logs/conn.log`` -> ``conn``)."""
        return os.path.splitext(os.path.basename(self.filename))[0]


def _parse_shadow(filename: str, shadow: str, services, default_ext: str) -> LeftoverLog:
    ll = LeftoverLog(filename, shadow, default_ext)
    with open(shadow, encoding="latin-1", newline="") as f:
        lines = f.read().split("\n")
    if len(lines) < 2:
        services.warning(
            f"Found leftover log, '{filename}', but the associated shadow  file, '{shadow}', "
            f"required to process it is invalid: using default  for extension ({default_ext}) "
            "and post_proc_func"
        )
    else:
        ll.extension, ll.post_proc_func = lines[0], lines[1]
    ll.open_time = float(int(os.stat(shadow).st_ctime))
    ll.close_time = float(int(os.stat(filename).st_mtime))
    return ll


def find_leftover_logs(services) -> list[LeftoverLog]:
    """The leftover logs of the log directory; stale shadow files are removed."""
    logdir = os.path.abspath(str(services.option("Log::default_logdir", "")) or os.getcwd())
    default_ext = "." + log_extension()
    if int(services.option("LogAscii::gzip_level", 0)) > 0:
        default_ext += ".gz"
    try:
        names = sorted(os.listdir(logdir))
    except OSError as e:
        services.error(
            f"failed to open directory '{logdir}' in search of leftover logs: {e.strerror}"
        )
        return []
    found, stale = [], []
    for name in names:
        if not name.startswith(SHADOW_PREFIX):
            continue
        shadow = os.path.join(logdir, name)
        filename = os.path.join(logdir, name[len(SHADOW_PREFIX) :])
        if not os.path.isfile(filename):
            stale.append(shadow)
            continue
        try:
            found.append(_parse_shadow(filename, shadow, services, default_ext))
        except OSError as e:
            services.error(f"failed to process leftover log '{filename}': {e}")
    for shadow in stale:
        try:
            os.unlink(shadow)
        except OSError as e:
            services.error(f"cannot unlink stale {shadow}: {e.strerror}")
    return found


def rotate_leftover_logs(services) -> int:
    """Rotate and postprocess the leftover logs (if the option is on); their number."""
    if not services.option("LogAscii::enable_leftover_log_rotation", False):
        return 0
    done = 0
    for ll in find_leftover_logs(services):
        ppf = None
        if ll.post_proc_func:
            ppf = services.postprocessor_named(ll.post_proc_func)
            if ppf is None:
                services.warning(
                    f"Could not postprocess log '{ll.filename}' with intended postprocessor "
                    f"function '{ll.post_proc_func}', proceeding  with the default function"
                )
        target = (
            services.rotation_path(_WRITER, ll.path, ll.open_time, ll.close_time, False, ppf)
            + ll.extension
        )
        try:
            os.rename(ll.filename, target)
        except OSError as e:
            services.fatal(
                f"Found leftover/unprocessed log '{ll.filename}', but failed to rotate it: "
                f"{e.strerror}"
            )
            return done
        try:
            os.unlink(ll.shadow)
        except OSError as e:
            services.warning(f"Failed to unlink {ll.shadow}: {e.strerror}")
        try:
            services.rotation_finished(
                _WRITER, target, ll.path, ll.open_time, ll.close_time, False, ppf
            )
        except Exception:  # noqa: BLE001 - a failing script function, reported as Zeek does
            name = ll.post_proc_func if ppf is not None else "Log::__default_rotation_postprocessor"
            services.warning(
                f"Postprocess function '{name}' failed for leftover log '{ll.filename}'"
            )
            continue
        services.info(f"Rotated/postprocessed leftover log '{ll.filename}' -> '{target}' ")
        done += 1
    return done
