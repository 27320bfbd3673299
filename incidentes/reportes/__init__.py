"""The CGII incident management report (issue 8, §3) and the incident dashboard figures."""
