# nbgrader's configuration for every user of the class (students and lecturer alike):
# installed by scripts/class/install.sh as PREFIX/venv/etc/jupyter/nbgrader_config.py, which
# every `nbgrader` command and the Assignments tab of the class's JupyterLab read. A course
# directory's own nbgrader_config.py (scripts/class/nbgrader_assignment.py) adds to it.
#
# The exchange: the lecturer releases into EXCHANGE/dlfs-ch4/outbound (readable by all),
# students submit into EXCHANGE/dlfs-ch4/inbound (mode 2733: they can write there but not
# list it), the lecturer collects from there. scripts/class.sh makes EXCHANGE (root's, mode
# 1777, as nbgrader needs) and the course's directories, owned by the lecturer, so that no
# student can make them first.
# ruff: noqa: F821  (`c` is given by traitlets)
import os

from nbgrader.exchange.default.submit import ExchangeSubmit

c.Exchange.root = os.environ.get("DLFS_NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
c.CourseDirectory.course_id = "dlfs-ch4"
# Fetched assignments go next to the student copies, so that the set-up cell's
# `../../crate` finds ~/dlfs/crate (nbgrader's default, the current directory, would not).
c.Exchange.assignment_dir = os.path.expanduser("~/dlfs/notebooks")


class StaffOnlySubmit(ExchangeSubmit):
    """nbgrader's submit, with the submission's directory closed to other students.

    nbgrader leaves it mode 0777 with files 0644, hidden only by a random name in the
    unlistable inbound. The directory is created in the set-group-ID inbound, so its group
    is the lecturer's; mode 0770 lets the lecturer (and nbgrader's clean-up) in and keeps
    every other student out, whatever the name."""

    def copy_files(self):
        super().copy_files()
        os.chmod(os.path.join(self.inbound_path, self.assignment_filename), 0o770)


c.ExchangeFactory.submit = StaffOnlySubmit
