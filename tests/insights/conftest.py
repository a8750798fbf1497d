from tests.paywall.conftest import article, device  # noqa: F401  (two devices of one reader)
