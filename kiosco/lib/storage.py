"""Static files storage: hashed, compressed names once `collectstatic` has run."""

from typing import Any

from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ForgivingManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """`kiosco serve` runs collectstatic and gets cache-busting names; the test suite
    and `make run` (no manifest yet, finders on) get plain names instead of an error."""

    manifest_strict = False

    def url(self, name: Any, force: bool = False) -> str:
        if not self.hashed_files:
            return FileSystemStorage.url(self, name)
        return super().url(name, force)
