"""The password hasher: Argon2id with explicit parameters.

Django's Argon2PasswordHasher defaults (time_cost=2, memory_cost=102400 KiB,
parallelism=8) took ~1.4 s per check on a busy two-core server, which makes every
log-in slow and turns a burst of log-ins into a CPU denial of service. OWASP's Password
Storage Cheat Sheet gives m=19456 KiB (19 MiB), t=2, p=1 as a minimum configuration
for Argon2id; we use exactly that: tens of milliseconds per check, still memory-hard.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class ReaderArgon2PasswordHasher(Argon2PasswordHasher):
    # Same algorithm name as Django's, so its hashes verify here too and Django's
    # must_update() re-hashes them with these parameters at the next log-in.
    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19456  # KiB
    parallelism = 1
