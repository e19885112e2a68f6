"""Testing users' scripts: golden-file tests (:mod:`.golden`), the
``zscript test`` command (:mod:`.runner`) and a pytest plugin
(:mod:`.pytest_plugin`).

Only the command's arguments are defined here: every ``zscript`` command
builds the full parser, and the runner's imports (subprocess, threads, XML)
are not needed to start anything else.
"""

__all__ = ["add_arguments"]


def add_arguments(p) -> None:
    p.add_argument(
        "paths", nargs="*", default=["."], help="test scripts or directories (default: .)"
    )
    p.add_argument("--update", action="store_true", help="write the expected files from this run")
    p.add_argument("-k", dest="keyword", help="only the tests whose name contains this text")
    p.add_argument("-j", dest="jobs", type=int, default=1, help="tests run at once (default 1)")
    p.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
