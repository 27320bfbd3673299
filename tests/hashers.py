"""A cheap password hash for the suite. Same algorithm name as Django's PBKDF2 hasher, so a
server process started by the browser tests (default hashers) still verifies these hashes:
the round count travels inside the hash."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class PBKDF2Rapido(PBKDF2PasswordHasher):
    iterations = 1_000
